-- foreign-keys: off
-- Emails are unique per account, not per deployment: no answer about one
-- account may reveal who has an address in another. An account is named
-- at sign-in by its slug. Personal API tokens may carry a subset of their
-- owner's permissions (a JSON array; NULL means all of them).
-- SQLite cannot drop a column constraint in place, so users is rebuilt
-- the documented way, with foreign keys off so nothing cascades.
ALTER TABLE accounts ADD COLUMN slug TEXT NOT NULL DEFAULT '';
UPDATE accounts SET slug = lower(replace(trim(name), ' ', '-'));
UPDATE accounts SET slug = slug || '-' || id WHERE id NOT IN (SELECT MIN(id) FROM accounts GROUP BY slug);
CREATE UNIQUE INDEX accounts_by_slug ON accounts (slug);

CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '',
    global_admin  BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, id),
    UNIQUE (account_id, email)
);
INSERT INTO users_new (id, account_id, email, name, password_hash, global_admin, disabled, created_at, updated_at)
    SELECT id, account_id, email, name, password_hash, global_admin, disabled, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_name ON users (account_id, name, id);

ALTER TABLE tokens ADD COLUMN permissions TEXT;
