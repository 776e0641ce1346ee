-- Every module's records carry an optional external id: how another tool
-- names the record (its own id), unique among the module's records of the
-- account; the decision API finds records by it. Documents get an author,
-- their owner: own-record permissions (view_own, edit_own, delete_own)
-- reach the documents one wrote.
ALTER TABLE contacts ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX contacts_by_external_id ON contacts (account_id, external_id) WHERE external_id <> '';
ALTER TABLE assets ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX assets_by_external_id ON assets (account_id, external_id) WHERE external_id <> '';
ALTER TABLE alerts ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX alerts_by_external_id ON alerts (account_id, external_id) WHERE external_id <> '';
ALTER TABLE tickets ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tickets_by_external_id ON tickets (account_id, external_id) WHERE external_id <> '';
ALTER TABLE timelogs ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX timelogs_by_external_id ON timelogs (account_id, external_id) WHERE external_id <> '';
ALTER TABLE scripts ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX scripts_by_external_id ON scripts (account_id, external_id) WHERE external_id <> '';
ALTER TABLE script_runs ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX script_runs_by_external_id ON script_runs (account_id, external_id) WHERE external_id <> '';
ALTER TABLE policies ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX policies_by_external_id ON policies (account_id, external_id) WHERE external_id <> '';
ALTER TABLE documents ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX documents_by_external_id ON documents (account_id, external_id) WHERE external_id <> '';
ALTER TABLE credentials ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX credentials_by_external_id ON credentials (account_id, external_id) WHERE external_id <> '';
ALTER TABLE invoices ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX invoices_by_external_id ON invoices (account_id, external_id) WHERE external_id <> '';
ALTER TABLE estimates ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX estimates_by_external_id ON estimates (account_id, external_id) WHERE external_id <> '';
ALTER TABLE payments ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX payments_by_external_id ON payments (account_id, external_id) WHERE external_id <> '';
ALTER TABLE contracts ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX contracts_by_external_id ON contracts (account_id, external_id) WHERE external_id <> '';
ALTER TABLE appointments ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX appointments_by_external_id ON appointments (account_id, external_id) WHERE external_id <> '';
ALTER TABLE chats ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX chats_by_external_id ON chats (account_id, external_id) WHERE external_id <> '';
ALTER TABLE leads ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX leads_by_external_id ON leads (account_id, external_id) WHERE external_id <> '';
ALTER TABLE campaigns ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX campaigns_by_external_id ON campaigns (account_id, external_id) WHERE external_id <> '';

ALTER TABLE documents ADD COLUMN author_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX documents_by_author ON documents (account_id, author_id, customer_id);
