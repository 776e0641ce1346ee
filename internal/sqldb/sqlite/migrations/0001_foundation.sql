-- Accounts, users, customers, security groups, memberships and tokens.
-- Times are Unix milliseconds (UTC) so both dialects compare them alike.
CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    security_version INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '',
    global_admin  BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, id)
);
CREATE INDEX users_by_name ON users (account_id, name, id);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    notes         TEXT    NOT NULL DEFAULT '',
    email         TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NOT NULL DEFAULT '',
    website       TEXT    NOT NULL DEFAULT '',
    address_line1 TEXT    NOT NULL DEFAULT '',
    address_line2 TEXT    NOT NULL DEFAULT '',
    city          TEXT    NOT NULL DEFAULT '',
    region        TEXT    NOT NULL DEFAULT '',
    postal_code   TEXT    NOT NULL DEFAULT '',
    country       TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (account_id, id)
);
CREATE INDEX customers_by_name ON customers (account_id, name, id);

CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_by_tag ON customer_tags (tag);

CREATE TABLE security_groups (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    access_type TEXT    NOT NULL CHECK (access_type IN ('all_customers', 'select_customers')),
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (account_id, name),
    UNIQUE (account_id, id)
);

CREATE TABLE security_group_permissions (
    group_id   INTEGER NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    permission TEXT    NOT NULL,
    PRIMARY KEY (group_id, permission)
);

-- The one relation behind both the group's customer list and the
-- customer page's security groups. The account column keeps a group and
-- its customers in the same account.
CREATE TABLE security_group_customers (
    account_id  INTEGER NOT NULL,
    group_id    INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (group_id, customer_id),
    FOREIGN KEY (account_id, group_id) REFERENCES security_groups (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX security_group_customers_by_customer ON security_group_customers (customer_id);

CREATE TABLE memberships (
    account_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    group_id   INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (user_id, group_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, group_id) REFERENCES security_groups (account_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_by_group ON memberships (group_id);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('session', 'api')),
    name         TEXT    NOT NULL DEFAULT '',
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX tokens_by_user ON tokens (user_id);
