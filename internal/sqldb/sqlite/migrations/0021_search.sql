-- Text search on a trigram index: an FTS5 table per module over its
-- searchable columns (records.Field.Search), kept in step by triggers. The
-- trigram tokenizer matches any substring of three characters or more,
-- case-insensitively.
CREATE VIRTUAL TABLE contacts_search USING fts5(name, email, content='contacts', content_rowid='id', tokenize='trigram');
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search (rowid, name, email) VALUES (new.id, new.name, new.email);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name, email ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email);
    INSERT INTO contacts_search (rowid, name, email) VALUES (new.id, new.name, new.email);
END;
INSERT INTO contacts_search (contacts_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE assets_search USING fts5(name, serial, content='assets', content_rowid='id', tokenize='trigram');
CREATE TRIGGER assets_search_insert AFTER INSERT ON assets BEGIN
    INSERT INTO assets_search (rowid, name, serial) VALUES (new.id, new.name, new.serial);
END;
CREATE TRIGGER assets_search_delete AFTER DELETE ON assets BEGIN
    INSERT INTO assets_search (assets_search, rowid, name, serial) VALUES ('delete', old.id, old.name, old.serial);
END;
CREATE TRIGGER assets_search_update AFTER UPDATE OF name, serial ON assets BEGIN
    INSERT INTO assets_search (assets_search, rowid, name, serial) VALUES ('delete', old.id, old.name, old.serial);
    INSERT INTO assets_search (rowid, name, serial) VALUES (new.id, new.name, new.serial);
END;
INSERT INTO assets_search (assets_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE alerts_search USING fts5(message, content='alerts', content_rowid='id', tokenize='trigram');
CREATE TRIGGER alerts_search_insert AFTER INSERT ON alerts BEGIN
    INSERT INTO alerts_search (rowid, message) VALUES (new.id, new.message);
END;
CREATE TRIGGER alerts_search_delete AFTER DELETE ON alerts BEGIN
    INSERT INTO alerts_search (alerts_search, rowid, message) VALUES ('delete', old.id, old.message);
END;
CREATE TRIGGER alerts_search_update AFTER UPDATE OF message ON alerts BEGIN
    INSERT INTO alerts_search (alerts_search, rowid, message) VALUES ('delete', old.id, old.message);
    INSERT INTO alerts_search (rowid, message) VALUES (new.id, new.message);
END;
INSERT INTO alerts_search (alerts_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE tickets_search USING fts5(subject, description, content='tickets', content_rowid='id', tokenize='trigram');
CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_search (rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;
CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_search (tickets_search, rowid, subject, description) VALUES ('delete', old.id, old.subject, old.description);
END;
CREATE TRIGGER tickets_search_update AFTER UPDATE OF subject, description ON tickets BEGIN
    INSERT INTO tickets_search (tickets_search, rowid, subject, description) VALUES ('delete', old.id, old.subject, old.description);
    INSERT INTO tickets_search (rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;
INSERT INTO tickets_search (tickets_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE timelogs_search USING fts5(note, content='timelogs', content_rowid='id', tokenize='trigram');
CREATE TRIGGER timelogs_search_insert AFTER INSERT ON timelogs BEGIN
    INSERT INTO timelogs_search (rowid, note) VALUES (new.id, new.note);
END;
CREATE TRIGGER timelogs_search_delete AFTER DELETE ON timelogs BEGIN
    INSERT INTO timelogs_search (timelogs_search, rowid, note) VALUES ('delete', old.id, old.note);
END;
CREATE TRIGGER timelogs_search_update AFTER UPDATE OF note ON timelogs BEGIN
    INSERT INTO timelogs_search (timelogs_search, rowid, note) VALUES ('delete', old.id, old.note);
    INSERT INTO timelogs_search (rowid, note) VALUES (new.id, new.note);
END;
INSERT INTO timelogs_search (timelogs_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE scripts_search USING fts5(name, description, content='scripts', content_rowid='id', tokenize='trigram');
CREATE TRIGGER scripts_search_insert AFTER INSERT ON scripts BEGIN
    INSERT INTO scripts_search (rowid, name, description) VALUES (new.id, new.name, new.description);
END;
CREATE TRIGGER scripts_search_delete AFTER DELETE ON scripts BEGIN
    INSERT INTO scripts_search (scripts_search, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
END;
CREATE TRIGGER scripts_search_update AFTER UPDATE OF name, description ON scripts BEGIN
    INSERT INTO scripts_search (scripts_search, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
    INSERT INTO scripts_search (rowid, name, description) VALUES (new.id, new.name, new.description);
END;
INSERT INTO scripts_search (scripts_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE policies_search USING fts5(name, description, content='policies', content_rowid='id', tokenize='trigram');
CREATE TRIGGER policies_search_insert AFTER INSERT ON policies BEGIN
    INSERT INTO policies_search (rowid, name, description) VALUES (new.id, new.name, new.description);
END;
CREATE TRIGGER policies_search_delete AFTER DELETE ON policies BEGIN
    INSERT INTO policies_search (policies_search, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
END;
CREATE TRIGGER policies_search_update AFTER UPDATE OF name, description ON policies BEGIN
    INSERT INTO policies_search (policies_search, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
    INSERT INTO policies_search (rowid, name, description) VALUES (new.id, new.name, new.description);
END;
INSERT INTO policies_search (policies_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE documents_search USING fts5(title, body, content='documents', content_rowid='id', tokenize='trigram');
CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_search (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_search (documents_search, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER documents_search_update AFTER UPDATE OF title, body ON documents BEGIN
    INSERT INTO documents_search (documents_search, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO documents_search (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
INSERT INTO documents_search (documents_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE credentials_search USING fts5(name, username, url, content='credentials', content_rowid='id', tokenize='trigram');
CREATE TRIGGER credentials_search_insert AFTER INSERT ON credentials BEGIN
    INSERT INTO credentials_search (rowid, name, username, url) VALUES (new.id, new.name, new.username, new.url);
END;
CREATE TRIGGER credentials_search_delete AFTER DELETE ON credentials BEGIN
    INSERT INTO credentials_search (credentials_search, rowid, name, username, url) VALUES ('delete', old.id, old.name, old.username, old.url);
END;
CREATE TRIGGER credentials_search_update AFTER UPDATE OF name, username, url ON credentials BEGIN
    INSERT INTO credentials_search (credentials_search, rowid, name, username, url) VALUES ('delete', old.id, old.name, old.username, old.url);
    INSERT INTO credentials_search (rowid, name, username, url) VALUES (new.id, new.name, new.username, new.url);
END;
INSERT INTO credentials_search (credentials_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE invoices_search USING fts5(number, content='invoices', content_rowid='id', tokenize='trigram');
CREATE TRIGGER invoices_search_insert AFTER INSERT ON invoices BEGIN
    INSERT INTO invoices_search (rowid, number) VALUES (new.id, new.number);
END;
CREATE TRIGGER invoices_search_delete AFTER DELETE ON invoices BEGIN
    INSERT INTO invoices_search (invoices_search, rowid, number) VALUES ('delete', old.id, old.number);
END;
CREATE TRIGGER invoices_search_update AFTER UPDATE OF number ON invoices BEGIN
    INSERT INTO invoices_search (invoices_search, rowid, number) VALUES ('delete', old.id, old.number);
    INSERT INTO invoices_search (rowid, number) VALUES (new.id, new.number);
END;
INSERT INTO invoices_search (invoices_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE estimates_search USING fts5(number, content='estimates', content_rowid='id', tokenize='trigram');
CREATE TRIGGER estimates_search_insert AFTER INSERT ON estimates BEGIN
    INSERT INTO estimates_search (rowid, number) VALUES (new.id, new.number);
END;
CREATE TRIGGER estimates_search_delete AFTER DELETE ON estimates BEGIN
    INSERT INTO estimates_search (estimates_search, rowid, number) VALUES ('delete', old.id, old.number);
END;
CREATE TRIGGER estimates_search_update AFTER UPDATE OF number ON estimates BEGIN
    INSERT INTO estimates_search (estimates_search, rowid, number) VALUES ('delete', old.id, old.number);
    INSERT INTO estimates_search (rowid, number) VALUES (new.id, new.number);
END;
INSERT INTO estimates_search (estimates_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE payments_search USING fts5(reference, content='payments', content_rowid='id', tokenize='trigram');
CREATE TRIGGER payments_search_insert AFTER INSERT ON payments BEGIN
    INSERT INTO payments_search (rowid, reference) VALUES (new.id, new.reference);
END;
CREATE TRIGGER payments_search_delete AFTER DELETE ON payments BEGIN
    INSERT INTO payments_search (payments_search, rowid, reference) VALUES ('delete', old.id, old.reference);
END;
CREATE TRIGGER payments_search_update AFTER UPDATE OF reference ON payments BEGIN
    INSERT INTO payments_search (payments_search, rowid, reference) VALUES ('delete', old.id, old.reference);
    INSERT INTO payments_search (rowid, reference) VALUES (new.id, new.reference);
END;
INSERT INTO payments_search (payments_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE contracts_search USING fts5(name, content='contracts', content_rowid='id', tokenize='trigram');
CREATE TRIGGER contracts_search_insert AFTER INSERT ON contracts BEGIN
    INSERT INTO contracts_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER contracts_search_delete AFTER DELETE ON contracts BEGIN
    INSERT INTO contracts_search (contracts_search, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER contracts_search_update AFTER UPDATE OF name ON contracts BEGIN
    INSERT INTO contracts_search (contracts_search, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO contracts_search (rowid, name) VALUES (new.id, new.name);
END;
INSERT INTO contracts_search (contracts_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE appointments_search USING fts5(title, content='appointments', content_rowid='id', tokenize='trigram');
CREATE TRIGGER appointments_search_insert AFTER INSERT ON appointments BEGIN
    INSERT INTO appointments_search (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER appointments_search_delete AFTER DELETE ON appointments BEGIN
    INSERT INTO appointments_search (appointments_search, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER appointments_search_update AFTER UPDATE OF title ON appointments BEGIN
    INSERT INTO appointments_search (appointments_search, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO appointments_search (rowid, title) VALUES (new.id, new.title);
END;
INSERT INTO appointments_search (appointments_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE chats_search USING fts5(subject, content='chats', content_rowid='id', tokenize='trigram');
CREATE TRIGGER chats_search_insert AFTER INSERT ON chats BEGIN
    INSERT INTO chats_search (rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER chats_search_delete AFTER DELETE ON chats BEGIN
    INSERT INTO chats_search (chats_search, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
CREATE TRIGGER chats_search_update AFTER UPDATE OF subject ON chats BEGIN
    INSERT INTO chats_search (chats_search, rowid, subject) VALUES ('delete', old.id, old.subject);
    INSERT INTO chats_search (rowid, subject) VALUES (new.id, new.subject);
END;
INSERT INTO chats_search (chats_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE leads_search USING fts5(name, company, email, content='leads', content_rowid='id', tokenize='trigram');
CREATE TRIGGER leads_search_insert AFTER INSERT ON leads BEGIN
    INSERT INTO leads_search (rowid, name, company, email) VALUES (new.id, new.name, new.company, new.email);
END;
CREATE TRIGGER leads_search_delete AFTER DELETE ON leads BEGIN
    INSERT INTO leads_search (leads_search, rowid, name, company, email) VALUES ('delete', old.id, old.name, old.company, old.email);
END;
CREATE TRIGGER leads_search_update AFTER UPDATE OF name, company, email ON leads BEGIN
    INSERT INTO leads_search (leads_search, rowid, name, company, email) VALUES ('delete', old.id, old.name, old.company, old.email);
    INSERT INTO leads_search (rowid, name, company, email) VALUES (new.id, new.name, new.company, new.email);
END;
INSERT INTO leads_search (leads_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE campaigns_search USING fts5(name, subject, content='campaigns', content_rowid='id', tokenize='trigram');
CREATE TRIGGER campaigns_search_insert AFTER INSERT ON campaigns BEGIN
    INSERT INTO campaigns_search (rowid, name, subject) VALUES (new.id, new.name, new.subject);
END;
CREATE TRIGGER campaigns_search_delete AFTER DELETE ON campaigns BEGIN
    INSERT INTO campaigns_search (campaigns_search, rowid, name, subject) VALUES ('delete', old.id, old.name, old.subject);
END;
CREATE TRIGGER campaigns_search_update AFTER UPDATE OF name, subject ON campaigns BEGIN
    INSERT INTO campaigns_search (campaigns_search, rowid, name, subject) VALUES ('delete', old.id, old.name, old.subject);
    INSERT INTO campaigns_search (rowid, name, subject) VALUES (new.id, new.name, new.subject);
END;
INSERT INTO campaigns_search (campaigns_search) VALUES ('rebuild');

