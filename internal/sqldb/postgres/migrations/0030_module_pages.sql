-- Tickets carry the account's own running number, handed out by a
-- counter row per account as each ticket is inserted; the row lock
-- serialises concurrent inserts of one account.
CREATE TABLE ticket_counters (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    last       BIGINT NOT NULL
);
ALTER TABLE tickets ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
UPDATE tickets t SET number = n.rn
    FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY id) AS rn FROM tickets) n
    WHERE t.id = n.id;
INSERT INTO ticket_counters (account_id, last) SELECT account_id, MAX(number) FROM tickets GROUP BY account_id;
CREATE UNIQUE INDEX tickets_by_number ON tickets (account_id, number);
CREATE FUNCTION ticket_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counters (account_id, last) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET last = ticket_counters.last + 1
        RETURNING last INTO NEW.number;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_number BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION ticket_number();

-- A lead's value is in its own currency, like every other amount.
ALTER TABLE leads ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';

-- An invoice made from an estimate names it; an estimate becomes one
-- invoice at most.
ALTER TABLE invoices ADD COLUMN estimate_id BIGINT REFERENCES estimates (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX invoices_by_estimate ON invoices (estimate_id) WHERE estimate_id IS NOT NULL;

-- The calendar reads appointments by time.
CREATE INDEX appointments_by_start ON appointments (account_id, starts_at, id);
CREATE INDEX appointments_by_customer_start ON appointments (account_id, customer_id, starts_at, id);
