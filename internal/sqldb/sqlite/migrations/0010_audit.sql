-- The security audit trail: append-only, hash-chained per account.
-- Actor and customer ids carry no foreign key: entries outlive what
-- they name.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_email   TEXT    NOT NULL DEFAULT '',
    source_ip     TEXT    NOT NULL DEFAULT '',
    action        TEXT    NOT NULL,
    target_type   TEXT    NOT NULL DEFAULT '',
    target_id     INTEGER,
    customer_id   INTEGER,
    before_json   TEXT,
    after_json    TEXT,
    prev_hash     TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    UNIQUE (account_id, seq)
);
CREATE INDEX audit_log_by_customer ON audit_log (account_id, customer_id, seq);
CREATE INDEX audit_log_by_action ON audit_log (account_id, action, seq);

-- The newest entry of each account's chain. Appending updates it in the
-- same transaction, which serialises appends per account and lets
-- verification notice entries removed from the end.
CREATE TABLE audit_heads (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL
);
