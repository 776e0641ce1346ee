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
		id, err := db.insert(ctx, tx, `INSERT INTO tokens (account_id, user_id, kind, name, token_hash, permissions, created_at, expires_at,
			created_ip, user_agent, mfa_at, mfa_method)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.AccountID, t.UserID, t.Kind, t.Name, t.Hash, perms, ms(t.CreatedAt), ms(t.ExpiresAt),
			t.CreatedIP, t.UserAgent, nullTime(t.MFAAt), t.MFAMethod)
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
		if t.Kind == gatehouse.TokenSession {
			after["mfa"] = mfaMark(t.MFAMethod)
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

// nullTime stores a zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

// mfaMark is how the audit log says which second factor a session saw:
// "none" marks one opened without.
func mfaMark(method string) string {
	if method == "" {
		return "none"
	}
	return method
}

// Principal resolves an unexpired token of an active user. Anything else
// is unauthorized: a disabled user's tokens stop working at once. The
// same query reads the session's second-factor state and the account's
// settings that judge it.
func (db *DB) Principal(ctx context.Context, hash []byte) (gatehouse.Principal, error) {
	var p gatehouse.Principal
	var used, mfaAt sql.NullInt64
	var perms sql.NullString
	var created int64
	var stepUp, idle, maxHours int64
	now := ms(db.Now())
	err := db.queryRow(ctx, db.rdb, `SELECT t.id, t.kind, t.last_used_at, t.last_used_ip, t.permissions, t.account_id, t.user_id, u.email, u.name, u.global_admin, a.security_version,
			t.created_at, t.mfa_at, t.mfa_method,
			COALESCE(s.require_mfa, FALSE) OR EXISTS (SELECT 1 FROM memberships m JOIN mfa_required_groups r ON r.group_id = m.group_id
				WHERE m.user_id = u.id AND (m.expires_at IS NULL OR m.expires_at > ?)),
			EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id) OR EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = u.id),
			COALESCE(s.step_up_minutes, ?), COALESCE(s.session_idle_minutes, ?), COALESCE(s.session_max_hours, ?)
		FROM tokens t
		JOIN users u ON u.id = t.user_id AND u.account_id = t.account_id
		JOIN accounts a ON a.id = t.account_id
		LEFT JOIN account_settings s ON s.account_id = t.account_id
		WHERE t.token_hash = ? AND t.expires_at > ? AND u.disabled = FALSE`,
		now, gatehouse.DefaultStepUpMinutes, gatehouse.DefaultSessionIdleMinutes, gatehouse.DefaultSessionMaxHours, hash, now).
		Scan(&p.TokenID, &p.TokenKind, &used, &p.TokenLastIP, &perms, &p.AccountID, &p.UserID, &p.Email, &p.Name, &p.GlobalAdmin, &p.SecurityVersion,
			&created, &mfaAt, &p.MFAMethod, &p.MFARequired, &p.HasFactor, &stepUp, &idle, &maxHours)
	if err == sql.ErrNoRows {
		return p, gatehouse.ErrUnauthorized
	}
	if err != nil {
		return p, err
	}
	p.TokenLastUsed, p.TokenCreated, p.MFAAt = fromNullMS(used), fromMS(created), fromNullMS(mfaAt)
	p.StepUp = time.Duration(stepUp) * time.Minute
	p.SessionIdle, p.SessionMax = time.Duration(idle)*time.Minute, time.Duration(maxHours)*time.Hour
	p.TokenPermissions, err = scanPerms(perms)
	return p, err
}

// SetTokenMFA records that a second factor was presented on a session.
func (db *DB) SetTokenMFA(ctx context.Context, tokenID int64, at time.Time, method string) error {
	_, err := db.exec(ctx, db.db, `UPDATE tokens SET mfa_at = ?, mfa_method = ? WHERE id = ?`, ms(at), method, tokenID)
	return err
}

// ListSessions lists a user's unexpired sign-in sessions and API tokens,
// newest first, never their secrets.
func (db *DB) ListSessions(ctx context.Context, accountID, userID int64) ([]gatehouse.Token, error) {
	out := []gatehouse.Token{}
	err := db.eachRow(ctx, db.rdb, `SELECT id, kind, name, permissions, created_at, expires_at, last_used_at, last_used_ip, created_ip, user_agent, mfa_at, mfa_method
		FROM tokens WHERE account_id = ? AND user_id = ? AND expires_at > ? ORDER BY id DESC`, []any{accountID, userID, ms(db.Now())},
		func(scan func(...any) error) error {
			t := gatehouse.Token{AccountID: accountID, UserID: userID}
			var created, expires int64
			var used, mfaAt sql.NullInt64
			var perms sql.NullString
			if err := scan(&t.ID, &t.Kind, &t.Name, &perms, &created, &expires, &used, &t.LastUsedIP, &t.CreatedIP, &t.UserAgent, &mfaAt, &t.MFAMethod); err != nil {
				return err
			}
			var err error
			t.Permissions, err = scanPerms(perms)
			t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.MFAAt = fromMS(created), fromMS(expires), fromNullMS(used), fromNullMS(mfaAt)
			out = append(out, t)
			return err
		})
	return out, err
}

// DeleteSessions ends every sign-in session of a user but keep (0: all),
// leaving API tokens, and audits how many ended.
func (db *DB) DeleteSessions(ctx context.Context, accountID, userID, keep int64) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM tokens WHERE account_id = ? AND user_id = ? AND kind = ? AND id <> ?`,
			accountID, userID, gatehouse.TokenSession, keep)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "auth.sessions_end", TargetType: "user", TargetID: userID,
			Before: map[string]any{"sessions": n, "kept_current": keep != 0}})
	})
	return int(n), err
}

// TouchToken records when a token was last used, and from where.
func (db *DB) TouchToken(ctx context.Context, tokenID int64, at time.Time, addr string) error {
	_, err := db.exec(ctx, db.db, `UPDATE tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?`, ms(at), addr, tokenID)
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
