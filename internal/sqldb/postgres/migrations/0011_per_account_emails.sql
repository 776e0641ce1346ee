-- Emails are unique per account, not per deployment: no answer about one
-- account may reveal who has an address in another. An account is named
-- at sign-in by its slug. Personal API tokens may carry a subset of their
-- owner's permissions (a JSON array; NULL means all of them).
ALTER TABLE accounts ADD COLUMN slug TEXT NOT NULL DEFAULT '';
UPDATE accounts SET slug = lower(replace(trim(name), ' ', '-'));
UPDATE accounts SET slug = slug || '-' || id WHERE id NOT IN (SELECT MIN(id) FROM accounts GROUP BY slug);
CREATE UNIQUE INDEX accounts_by_slug ON accounts (slug);

ALTER TABLE users DROP CONSTRAINT users_email_key;
ALTER TABLE users ADD CONSTRAINT users_account_email UNIQUE (account_id, email);

ALTER TABLE tokens ADD COLUMN permissions TEXT;
