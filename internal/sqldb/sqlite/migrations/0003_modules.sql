-- The module records. Every table carries account_id and, where its
-- records belong to customers, customer_id (NULL: a shared-library or
-- account-level record). Lists page by (account_id, [customer_id,] order
-- column, id), so each table has those indexes. Money is integer minor
-- units with a currency code.
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX contacts_by_name ON contacts (account_id, name, id);
CREATE INDEX contacts_by_customer ON contacts (account_id, customer_id, name, id);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    asset_id    INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    severity    TEXT    NOT NULL DEFAULT 'warning',
    message     TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open',
    cleared_at  INTEGER,
    cleared_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX alerts_by_id ON alerts (account_id, id);
CREATE INDEX alerts_by_customer ON alerts (account_id, customer_id, id);
CREATE INDEX alerts_by_asset ON alerts (asset_id);

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    subject     TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'open',
    priority    TEXT    NOT NULL DEFAULT 'normal',
    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    asset_id    INTEGER REFERENCES assets (id) ON DELETE SET NULL,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX tickets_by_subject ON tickets (account_id, subject, id);
CREATE INDEX tickets_by_customer ON tickets (account_id, customer_id, subject, id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id);
CREATE INDEX tickets_by_asset ON tickets (asset_id);
CREATE INDEX tickets_by_contact ON tickets (contact_id);

CREATE TABLE ticket_comments (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    parent_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (parent_id, id);

CREATE TABLE timelogs (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    minutes     INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    billable    BOOLEAN NOT NULL DEFAULT TRUE,
    worked_on   TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX timelogs_by_id ON timelogs (account_id, id);
CREATE INDEX timelogs_by_customer ON timelogs (account_id, customer_id, id);
CREATE INDEX timelogs_by_ticket ON timelogs (ticket_id);
CREATE INDEX timelogs_by_user ON timelogs (user_id);

CREATE TABLE scripts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    language    TEXT    NOT NULL DEFAULT 'powershell',
    body        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX scripts_by_name ON scripts (account_id, name, id);
CREATE INDEX scripts_by_customer ON scripts (account_id, customer_id, name, id);

CREATE TABLE script_runs (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL,
    asset_id     INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    script_id    INTEGER REFERENCES scripts (id) ON DELETE SET NULL,
    status       TEXT    NOT NULL DEFAULT 'queued',
    requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    output       TEXT    NOT NULL DEFAULT '',
    finished_at  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX script_runs_by_id ON script_runs (account_id, id);
CREATE INDEX script_runs_by_customer ON script_runs (account_id, customer_id, id);
CREATE INDEX script_runs_by_asset ON script_runs (asset_id);
CREATE INDEX script_runs_by_script ON script_runs (script_id);

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX documents_by_title ON documents (account_id, title, id);
CREATE INDEX documents_by_customer ON documents (account_id, customer_id, title, id);

-- The secret is AES-256-GCM ciphertext; the key is never in the database.
CREATE TABLE credentials (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id   INTEGER,
    name          TEXT    NOT NULL,
    username      TEXT    NOT NULL DEFAULT '',
    url           TEXT    NOT NULL DEFAULT '',
    notes         TEXT    NOT NULL DEFAULT '',
    secret_sealed BLOB,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX credentials_by_name ON credentials (account_id, name, id);
CREATE INDEX credentials_by_customer ON credentials (account_id, customer_id, name, id);

CREATE TABLE invoices (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    number      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'draft',
    currency    TEXT    NOT NULL DEFAULT 'USD',
    issued_on   TEXT    NOT NULL DEFAULT '',
    due_on      TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    tax_rate_bp INTEGER NOT NULL DEFAULT 0,
    subtotal    INTEGER NOT NULL DEFAULT 0,
    tax         INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX invoices_by_number ON invoices (account_id, number, id);
CREATE INDEX invoices_by_customer ON invoices (account_id, customer_id, number, id);

CREATE TABLE estimates (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    number      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'draft',
    currency    TEXT    NOT NULL DEFAULT 'USD',
    issued_on   TEXT    NOT NULL DEFAULT '',
    valid_until TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    tax_rate_bp INTEGER NOT NULL DEFAULT 0,
    subtotal    INTEGER NOT NULL DEFAULT 0,
    tax         INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX estimates_by_number ON estimates (account_id, number, id);
CREATE INDEX estimates_by_customer ON estimates (account_id, customer_id, number, id);

-- Line items of invoices and estimates; parent_table names which.
CREATE TABLE line_items (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    parent_table TEXT    NOT NULL CHECK (parent_table IN ('invoices', 'estimates')),
    parent_id    INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    description  TEXT    NOT NULL,
    quantity     INTEGER NOT NULL,
    unit_price   INTEGER NOT NULL,
    amount       INTEGER NOT NULL
);
CREATE INDEX line_items_by_parent ON line_items (parent_table, parent_id, position);

CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    amount      INTEGER NOT NULL,
    currency    TEXT    NOT NULL,
    method      TEXT    NOT NULL DEFAULT 'bank_transfer',
    received_on TEXT    NOT NULL DEFAULT '',
    reference   TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX payments_by_id ON payments (account_id, id);
CREATE INDEX payments_by_customer ON payments (account_id, customer_id, id);
CREATE INDEX payments_by_invoice ON payments (invoice_id);

CREATE TABLE contracts (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id      INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'active',
    currency         TEXT    NOT NULL DEFAULT 'USD',
    amount           INTEGER NOT NULL DEFAULT 0,
    billing_interval TEXT    NOT NULL DEFAULT 'monthly',
    starts_on        TEXT    NOT NULL DEFAULT '',
    ends_on          TEXT    NOT NULL DEFAULT '',
    notes            TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX contracts_by_name ON contracts (account_id, name, id);
CREATE INDEX contracts_by_customer ON contracts (account_id, customer_id, name, id);

CREATE TABLE appointments (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    location    TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX appointments_by_title ON appointments (account_id, title, id);
CREATE INDEX appointments_by_customer ON appointments (account_id, customer_id, title, id);
CREATE INDEX appointments_by_user ON appointments (user_id);
CREATE INDEX appointments_by_contact ON appointments (contact_id);

CREATE TABLE chats (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    subject     TEXT    NOT NULL,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status      TEXT    NOT NULL DEFAULT 'open',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX chats_by_subject ON chats (account_id, subject, id);
CREATE INDEX chats_by_customer ON chats (account_id, customer_id, subject, id);
CREATE INDEX chats_by_user ON chats (user_id);
CREATE INDEX chats_by_contact ON chats (contact_id);

CREATE TABLE chat_messages (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    parent_id  INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX chat_messages_by_chat ON chat_messages (parent_id, id);

CREATE TABLE leads (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER,
    name        TEXT    NOT NULL,
    company     TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'new',
    value       INTEGER NOT NULL DEFAULT 0,
    notes       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX leads_by_name ON leads (account_id, name, id);
CREATE INDEX leads_by_customer ON leads (account_id, customer_id, name, id);

CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id     INTEGER,
    name            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'draft',
    sent_at         INTEGER,
    recipient_count INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX campaigns_by_name ON campaigns (account_id, name, id);
CREATE INDEX campaigns_by_customer ON campaigns (account_id, customer_id, name, id);

-- Mail waiting for (or done with) SMTP delivery.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL,
    campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    to_email    TEXT    NOT NULL,
    to_name     TEXT    NOT NULL DEFAULT '',
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX outbox_pending ON outbox (status, id);
CREATE INDEX outbox_by_campaign ON outbox (campaign_id);
