-- One row /readyz writes to, proving the store takes writes. Not audited.
CREATE TABLE ready_probe (
    id         INTEGER PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
INSERT INTO ready_probe (id, checked_at) VALUES (1, 0);
