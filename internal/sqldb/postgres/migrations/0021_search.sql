-- Text search on a trigram index: pg_trgm (a trusted extension, so the
-- database owner may create it) and a GIN index per module over its
-- searchable columns (records.Field.Search), lower-cased and joined by a
-- unit separator, the expression sqldb.SearchExpr writes. The extension
-- goes in schema public so that every schema of the database can use it;
-- if it was installed elsewhere beforehand, its operator class is found
-- there.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

DO $$
DECLARE
    trgm text;
BEGIN
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX contacts_search ON contacts USING gin ((lower(name || E''\x1f'' || email)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX assets_search ON assets USING gin ((lower(name || E''\x1f'' || serial)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX alerts_search ON alerts USING gin ((lower(message)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX tickets_search ON tickets USING gin ((lower(subject || E''\x1f'' || description)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX timelogs_search ON timelogs USING gin ((lower(note)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX scripts_search ON scripts USING gin ((lower(name || E''\x1f'' || description)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX policies_search ON policies USING gin ((lower(name || E''\x1f'' || description)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX documents_search ON documents USING gin ((lower(title || E''\x1f'' || body)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX credentials_search ON credentials USING gin ((lower(name || E''\x1f'' || username || E''\x1f'' || url)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX invoices_search ON invoices USING gin ((lower(number)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX estimates_search ON estimates USING gin ((lower(number)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX payments_search ON payments USING gin ((lower(reference)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX contracts_search ON contracts USING gin ((lower(name)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX appointments_search ON appointments USING gin ((lower(title)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX chats_search ON chats USING gin ((lower(subject)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX leads_search ON leads USING gin ((lower(name || E''\x1f'' || company || E''\x1f'' || email)) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX campaigns_search ON campaigns USING gin ((lower(name || E''\x1f'' || subject)) %I.gin_trgm_ops)', trgm);
END $$;
