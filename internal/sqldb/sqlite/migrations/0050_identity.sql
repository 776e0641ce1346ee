-- Identity: the account's sign-in settings, second factors (TOTP with
-- recovery codes, passkeys), where and how each session was opened,
-- short-lived sign-in challenges, and OpenID Connect providers with the
-- identities they vouch for.

-- One row per account once its settings are saved; until then the
-- defaults below apply (the queries COALESCE to the same values).
CREATE TABLE account_settings (
    account_id           INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    require_mfa          BOOLEAN NOT NULL DEFAULT FALSE,
    step_up_minutes      INTEGER NOT NULL DEFAULT 15,
    session_idle_minutes INTEGER NOT NULL DEFAULT 120,
    session_max_hours    INTEGER NOT NULL DEFAULT 12,
    sso_only             BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at           INTEGER NOT NULL
);

-- Security groups whose members must use a second factor.
CREATE TABLE mfa_required_groups (
    account_id INTEGER NOT NULL,
    group_id   INTEGER NOT NULL PRIMARY KEY,
    FOREIGN KEY (account_id, group_id) REFERENCES security_groups (account_id, id) ON DELETE CASCADE
);

-- Where a session or token was opened, and when its holder last
-- presented a second factor (sign-in or step-up).
ALTER TABLE tokens ADD COLUMN created_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN mfa_at INTEGER;
ALTER TABLE tokens ADD COLUMN mfa_method TEXT NOT NULL DEFAULT '';

-- A user's TOTP secret, sealed by the vault. Unconfirmed until a first
-- code proves the authenticator has it; last_step is the newest time
-- step accepted, so a code is never accepted twice.
CREATE TABLE totp_factors (
    user_id      INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    secret       BLOB    NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);

-- One-time recovery codes, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    code_hash  BLOB    NOT NULL,
    used_at    INTEGER,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- WebAuthn credentials (passkeys and security keys). credential is the
-- verified credential as JSON (public key, sign count, flags).
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    credential_id BLOB    NOT NULL UNIQUE,
    user_handle   BLOB    NOT NULL,
    credential    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);
CREATE INDEX passkeys_by_handle ON passkeys (user_handle);

-- Short-lived ceremonies: a sign-in waiting for its second factor, a
-- WebAuthn challenge, an OpenID Connect state. Found by the SHA-256 of
-- a random id only its holder has; used once.
CREATE TABLE auth_challenges (
    id         INTEGER PRIMARY KEY,
    hash       BLOB    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    INTEGER,
    data       TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX auth_challenges_by_expiry ON auth_challenges (expires_at);

-- OpenID Connect providers. The client secret is sealed by the vault.
-- customer_id makes it a customer's own provider: the users it yields are
-- confined to that customer. It carries no foreign key, so a provider
-- (and its users' confinement) outlives the customer instead of
-- silently becoming an MSP-wide provider.
CREATE TABLE sso_providers (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    issuer          TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    client_secret   BLOB,
    allowed_domains TEXT    NOT NULL DEFAULT '[]',
    customer_id     INTEGER,
    provision       BOOLEAN NOT NULL DEFAULT FALSE,
    groups_claim    TEXT    NOT NULL DEFAULT 'groups',
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (account_id, name),
    UNIQUE (account_id, id)
);

-- An identity provider's group (a claim value) maps to security groups.
CREATE TABLE sso_group_mappings (
    account_id  INTEGER NOT NULL,
    provider_id INTEGER NOT NULL,
    claim_value TEXT    NOT NULL,
    group_id    INTEGER NOT NULL,
    PRIMARY KEY (provider_id, claim_value, group_id),
    FOREIGN KEY (account_id, provider_id) REFERENCES sso_providers (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, group_id) REFERENCES security_groups (account_id, id) ON DELETE CASCADE
);

-- A provider's subject linked to a user.
CREATE TABLE sso_identities (
    account_id      INTEGER NOT NULL,
    provider_id     INTEGER NOT NULL,
    subject         TEXT    NOT NULL,
    user_id         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER,
    PRIMARY KEY (provider_id, subject),
    FOREIGN KEY (account_id, provider_id) REFERENCES sso_providers (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX sso_identities_by_user ON sso_identities (user_id);

-- A user confined to one customer (provisioned by that customer's own
-- provider): only ever a member of groups whose scope is within it. No
-- foreign key to the customer, so deleting it never frees the user.
CREATE TABLE user_confinements (
    user_id     INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
