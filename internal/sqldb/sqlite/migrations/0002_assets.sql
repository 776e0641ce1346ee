-- Policies (settings documents) and the assets they are assigned to.
-- A policy with no customer is a shared template.
CREATE TABLE policies (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    settings    TEXT    NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX policies_by_name ON policies (account_id, name, id);
CREATE INDEX policies_by_customer ON policies (account_id, customer_id, name, id);

-- Customers a policy is assigned to (assets carry their own policy_id).
CREATE TABLE policy_customers (
    account_id  INTEGER NOT NULL,
    policy_id   INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (policy_id, customer_id),
    FOREIGN KEY (account_id, policy_id) REFERENCES policies (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX policy_customers_by_customer ON policy_customers (account_id, customer_id);

CREATE TABLE assets (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL DEFAULT '',
    os           TEXT    NOT NULL DEFAULT '',
    serial       TEXT    NOT NULL DEFAULT '',
    last_seen_at INTEGER,
    policy_id    INTEGER REFERENCES policies (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
-- Keyset paging by (name, id): all customers, or a list of customers.
CREATE INDEX assets_by_name ON assets (account_id, name, id, customer_id);
CREATE INDEX assets_by_customer ON assets (account_id, customer_id, name, id);
CREATE INDEX assets_by_policy ON assets (policy_id);
