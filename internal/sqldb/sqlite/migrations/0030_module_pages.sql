-- Tickets carry the account's own running number, handed out by a
-- counter row per account as each ticket is inserted.
CREATE TABLE ticket_counters (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    last       INTEGER NOT NULL
);
ALTER TABLE tickets ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET number = (SELECT COUNT(*) FROM tickets t WHERE t.account_id = tickets.account_id AND t.id <= tickets.id);
INSERT INTO ticket_counters (account_id, last) SELECT account_id, MAX(number) FROM tickets GROUP BY account_id;
CREATE UNIQUE INDEX tickets_by_number ON tickets (account_id, number);
CREATE TRIGGER tickets_number AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_counters (account_id, last) VALUES (NEW.account_id, 0) ON CONFLICT (account_id) DO NOTHING;
    UPDATE ticket_counters SET last = last + 1 WHERE account_id = NEW.account_id;
    UPDATE tickets SET number = (SELECT last FROM ticket_counters WHERE account_id = NEW.account_id) WHERE id = NEW.id;
END;

-- A lead's value is in its own currency, like every other amount.
ALTER TABLE leads ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';

-- An invoice made from an estimate names it; an estimate becomes one
-- invoice at most.
ALTER TABLE invoices ADD COLUMN estimate_id INTEGER REFERENCES estimates (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX invoices_by_estimate ON invoices (estimate_id) WHERE estimate_id IS NOT NULL;

-- The calendar reads appointments by time.
CREATE INDEX appointments_by_start ON appointments (account_id, starts_at, id);
CREATE INDEX appointments_by_customer_start ON appointments (account_id, customer_id, starts_at, id);
