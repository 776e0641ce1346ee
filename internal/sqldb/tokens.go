package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

// CreateToken stores a token's hash and records the sign-in or the new
// API token in the audit log.
func (db *DB) CreateToken(ctx context.Context, t gatehouse.Token) (gatehouse.Token, error) {
	t.CreatedAt = fromMS(ms(db.Now()))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		id, err := db.insert(ctx, tx, `INSERT INTO tokens (account_id, user_id, kind, name, token_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.AccountID, t.UserID, t.Kind, t.Name, t.Hash, ms(t.CreatedAt), ms(t.ExpiresAt))
		if err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		t.ID = id
		action := "auth.sign_in"
		if t.Kind == gatehouse.TokenAPI {
			action = "api_token.create"
		}
		return db.appendAudit(ctx, tx, t.AccountID, audit.Event{Action: action, TargetType: "user", TargetID: t.UserID,
			After: map[string]any{"token_id": id, "name": t.Name, "expires_at": t.ExpiresAt.UTC()}})
	})
	return t, err
}

// Principal resolves an unexpired token of an active user. Anything else
// is unauthorized: a disabled user's tokens stop working at once.
func (db *DB) Principal(ctx context.Context, hash []byte) (gatehouse.Principal, error) {
	var p gatehouse.Principal
	err := db.queryRow(ctx, db.rdb, `SELECT t.id, t.account_id, t.user_id, u.email, u.name, u.global_admin, a.security_version
		FROM tokens t
		JOIN users u ON u.id = t.user_id AND u.account_id = t.account_id
		JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = ? AND t.expires_at > ? AND u.disabled = FALSE`, hash, ms(db.Now())).
		Scan(&p.TokenID, &p.AccountID, &p.UserID, &p.Email, &p.Name, &p.GlobalAdmin, &p.SecurityVersion)
	if err == sql.ErrNoRows {
		return p, gatehouse.ErrUnauthorized
	}
	return p, err
}

// DeleteToken revokes one of a user's tokens.
func (db *DB) DeleteToken(ctx context.Context, accountID, userID, tokenID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var kind, name string
		err := db.queryRow(ctx, tx, `SELECT kind, name FROM tokens WHERE account_id = ? AND user_id = ? AND id = ?`, accountID, userID, tokenID).Scan(&kind, &name)
		if err != nil {
			return notFound(err, "token")
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM tokens WHERE id = ?`, tokenID); err != nil {
			return err
		}
		action := "auth.sign_out"
		if kind == gatehouse.TokenAPI {
			action = "api_token.revoke"
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: action, TargetType: "user", TargetID: userID,
			Before: map[string]any{"token_id": tokenID, "name": name}})
	})
}

// ListTokens lists a user's personal API tokens (never their secrets).
func (db *DB) ListTokens(ctx context.Context, accountID, userID int64) ([]gatehouse.Token, error) {
	rows, err := db.query(ctx, db.rdb, `SELECT id, kind, name, created_at, expires_at, last_used_at FROM tokens
		WHERE account_id = ? AND user_id = ? AND kind = ? AND expires_at > ? ORDER BY id`, accountID, userID, gatehouse.TokenAPI, ms(db.Now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []gatehouse.Token{}
	for rows.Next() {
		t := gatehouse.Token{AccountID: accountID, UserID: userID}
		var created, expires int64
		var used sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Kind, &t.Name, &created, &expires, &used); err != nil {
			return nil, err
		}
		t.CreatedAt, t.ExpiresAt, t.LastUsedAt = fromMS(created), fromMS(expires), fromNullMS(used)
		out = append(out, t)
	}
	return out, rows.Err()
}

// PurgeExpiredTokens deletes tokens that expired before now.
func (db *DB) PurgeExpiredTokens(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.exec(ctx, db.db, `DELETE FROM tokens WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
