-- Where a session or token was last used from, beside when: a user
-- reviewing their sessions sees a stolen one used from elsewhere.
ALTER TABLE tokens ADD COLUMN last_used_ip TEXT NOT NULL DEFAULT '';
