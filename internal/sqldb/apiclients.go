package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

const apiClientCols = `id, account_id, name, ids, permissions, rate_limit, created_by, created_at, expires_at, last_used_at`

func scanAPIClient(row interface{ Scan(...any) error }) (gatehouse.APIClient, error) {
	var c gatehouse.APIClient
	var perms sql.NullString
	var by, used sql.NullInt64
	var created, expires int64
	if err := row.Scan(&c.ID, &c.AccountID, &c.Name, &c.IDs, &perms, &c.RateLimit, &by, &created, &expires, &used); err != nil {
		return c, err
	}
	var err error
	c.Permissions, err = scanPerms(perms)
	c.CreatedBy, c.CreatedAt, c.ExpiresAt, c.LastUsedAt = by.Int64, fromMS(created), fromMS(expires), fromNullMS(used)
	return c, err
}

// CreateAPIClient stores a new API client (its secret's hash only). It is
// a security change: the account's security version moves.
func (db *DB) CreateAPIClient(ctx context.Context, c gatehouse.APIClient) (gatehouse.APIClient, error) {
	c.CreatedAt = fromMS(ms(db.Now()))
	perms, err := permsArg(c.Permissions)
	if err != nil {
		return c, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, c.AccountID); err != nil {
			return err
		}
		id, err := db.insert(ctx, tx, `INSERT INTO api_clients (account_id, name, ids, permissions, rate_limit, secret_hash, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.AccountID, c.Name, c.IDs, perms, c.RateLimit, c.Hash, idOrNull(c.CreatedBy), ms(c.CreatedAt), ms(c.ExpiresAt))
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return &gatehouse.Error{Code: gatehouse.EConflict, Field: "name", Message: "an API client with this name already exists"}
			}
			return fmt.Errorf("insert api client: %w", err)
		}
		c.ID = id
		return db.appendAudit(ctx, tx, c.AccountID, audit.Event{Action: "api_client.create", TargetType: "api_client", TargetID: id,
			After: map[string]any{"name": c.Name, "ids": c.IDs, "permissions": c.Permissions, "rate_limit": c.RateLimit, "expires_at": c.ExpiresAt.UTC()}})
	})
	return c, err
}

// APIClients lists the account's unexpired API clients (never secrets).
func (db *DB) APIClients(ctx context.Context, accountID int64) ([]gatehouse.APIClient, error) {
	out := []gatehouse.APIClient{}
	err := db.eachRow(ctx, db.rdb, `SELECT `+apiClientCols+` FROM api_clients WHERE account_id = ? AND expires_at > ? ORDER BY name, id`,
		[]any{accountID, ms(db.Now())}, func(scan func(...any) error) error {
			c, err := scanAPIClient(scanner(scan))
			out = append(out, c)
			return err
		})
	return out, err
}

// DeleteAPIClient revokes an API client. The security version moves, so
// no instance keeps accepting its secret from a cache.
func (db *DB) DeleteAPIClient(ctx context.Context, accountID, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		c, err := scanAPIClient(db.queryRow(ctx, tx, `SELECT `+apiClientCols+` FROM api_clients WHERE account_id = ? AND id = ?`, accountID, id))
		if err != nil {
			return notFound(err, "API client")
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM api_clients WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "api_client.revoke", TargetType: "api_client", TargetID: id,
			Before: map[string]any{"name": c.Name}})
	})
}

// APIClientBySecret resolves an unexpired API client by its secret's
// hash, with its account's security version read in the same statement:
// a revocation committed after the read moves the version past the one
// returned, so a cache keyed by it cannot outlive the revocation.
func (db *DB) APIClientBySecret(ctx context.Context, hash []byte) (gatehouse.APIClient, int64, error) {
	var version int64
	var c gatehouse.APIClient
	var perms sql.NullString
	var by, used sql.NullInt64
	var created, expires int64
	err := db.queryRow(ctx, db.rdb, `SELECT c.id, c.account_id, c.name, c.ids, c.permissions, c.rate_limit, c.created_by, c.created_at,
		c.expires_at, c.last_used_at, a.security_version
		FROM api_clients c JOIN accounts a ON a.id = c.account_id
		WHERE c.secret_hash = ? AND c.expires_at > ?`, hash, ms(db.Now())).
		Scan(&c.ID, &c.AccountID, &c.Name, &c.IDs, &perms, &c.RateLimit, &by, &created, &expires, &used, &version)
	if err == sql.ErrNoRows {
		return c, 0, gatehouse.ErrUnauthorized
	}
	if err != nil {
		return c, 0, err
	}
	c.Permissions, err = scanPerms(perms)
	c.CreatedBy, c.CreatedAt, c.ExpiresAt, c.LastUsedAt = by.Int64, fromMS(created), fromMS(expires), fromNullMS(used)
	return c, version, err
}

// TouchAPIClient records when a client was last used.
func (db *DB) TouchAPIClient(ctx context.Context, id int64, at time.Time) error {
	_, err := db.exec(ctx, db.db, `UPDATE api_clients SET last_used_at = ? WHERE id = ?`, ms(at), id)
	return err
}
