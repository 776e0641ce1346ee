package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

// CreateToken stores a token's hash and records the sign-in or the new
// API token in the audit log.
func (db *DB) CreateToken(ctx context.Context, t gatehouse.Token) (gatehouse.Token, error) {
	t.CreatedAt = fromMS(ms(db.Now()))
	perms, err := permsArg(t.Permissions)
	if err != nil {
		return t, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		id, err := db.insert(ctx, tx, `INSERT INTO tokens (account_id, user_id, kind, name, token_hash, permissions, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.AccountID, t.UserID, t.Kind, t.Name, t.Hash, perms, ms(t.CreatedAt), ms(t.ExpiresAt))
		if err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		t.ID = id
		action := "auth.sign_in"
		if t.Kind == gatehouse.TokenAPI {
			action = "api_token.create"
		}
		after := map[string]any{"token_id": id, "name": t.Name, "expires_at": t.ExpiresAt.UTC()}
		if t.Permissions != nil {
			after["permissions"] = t.Permissions
		}
		return db.appendAudit(ctx, tx, t.AccountID, audit.Event{Action: action, TargetType: "user", TargetID: t.UserID, After: after})
	})
	return t, err
}

// permsArg stores a token's permission limit as a JSON array; NULL is
// no limit.
func permsArg(perms []string) (any, error) {
	if perms == nil {
		return nil, nil
	}
	b, err := json.Marshal(perms)
	return string(b), err
}

func scanPerms(v sql.NullString) ([]string, error) {
	if !v.Valid {
		return nil, nil
	}
	out := []string{}
	return out, json.Unmarshal([]byte(v.String), &out)
}

// Principal resolves an unexpired token of an active user. Anything else
// is unauthorized: a disabled user's tokens stop working at once.
func (db *DB) Principal(ctx context.Context, hash []byte) (gatehouse.Principal, error) {
	var p gatehouse.Principal
	var used sql.NullInt64
	var perms sql.NullString
	err := db.queryRow(ctx, db.rdb, `SELECT t.id, t.kind, t.last_used_at, t.permissions, t.account_id, t.user_id, u.email, u.name, u.global_admin, a.security_version
		FROM tokens t
		JOIN users u ON u.id = t.user_id AND u.account_id = t.account_id
		JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = ? AND t.expires_at > ? AND u.disabled = FALSE`, hash, ms(db.Now())).
		Scan(&p.TokenID, &p.TokenKind, &used, &perms, &p.AccountID, &p.UserID, &p.Email, &p.Name, &p.GlobalAdmin, &p.SecurityVersion)
	if err == sql.ErrNoRows {
		return p, gatehouse.ErrUnauthorized
	}
	if err != nil {
		return p, err
	}
	p.TokenLastUsed = fromNullMS(used)
	p.TokenPermissions, err = scanPerms(perms)
	return p, err
}

// TouchToken records when a token was last used.
func (db *DB) TouchToken(ctx context.Context, tokenID int64, at time.Time) error {
	_, err := db.exec(ctx, db.db, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, ms(at), tokenID)
	return err
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
	rows, err := db.query(ctx, db.rdb, `SELECT id, kind, name, permissions, created_at, expires_at, last_used_at FROM tokens
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
		var perms sql.NullString
		if err := rows.Scan(&t.ID, &t.Kind, &t.Name, &perms, &created, &expires, &used); err != nil {
			return nil, err
		}
		var err error
		if t.Permissions, err = scanPerms(perms); err != nil {
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
