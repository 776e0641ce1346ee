-- The decision API. Other tools name users and customers by their own ids
-- (external ids): optional, unique per account. API clients are those
-- tools' credentials: named, expiring, limited to their account and their
-- permissions; only the secret's hash is stored.
ALTER TABLE customers ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX customers_by_external_id ON customers (account_id, external_id) WHERE external_id <> '';
ALTER TABLE users ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_by_external_id ON users (account_id, external_id) WHERE external_id <> '';

CREATE TABLE api_clients (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    ids          TEXT    NOT NULL CHECK (ids IN ('gatehouse', 'external')),
    permissions  TEXT    NOT NULL,
    rate_limit   INTEGER NOT NULL,
    secret_hash  BLOB    NOT NULL UNIQUE,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    UNIQUE (account_id, name)
);
