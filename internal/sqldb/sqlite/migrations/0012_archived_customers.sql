-- An archived customer leaves lists, pickers and every select-customers
-- group's reach; its records stay, readable to all-customers holders.
-- Customers with invoices or payments are archived, never deleted.
ALTER TABLE customers ADD COLUMN archived_at BIGINT;
