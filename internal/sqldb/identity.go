package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

// Settings reads an account's sign-in settings; an account that never
// saved them has the defaults.
func (db *DB) Settings(ctx context.Context, accountID int64) (gatehouse.Settings, error) {
	return db.settings(ctx, db.rdb, accountID)
}

func (db *DB) settings(ctx context.Context, q querier, accountID int64) (gatehouse.Settings, error) {
	s := gatehouse.DefaultSettings()
	var updated int64
	err := db.queryRow(ctx, q, `SELECT require_mfa, step_up_minutes, session_idle_minutes, session_max_hours, sso_only, updated_at
		FROM account_settings WHERE account_id = ?`, accountID).
		Scan(&s.RequireMFA, &s.StepUpMinutes, &s.SessionIdleMinutes, &s.SessionMaxHours, &s.SSOOnly, &updated)
	if err != nil && err != sql.ErrNoRows {
		return s, err
	}
	if err == nil {
		s.UpdatedAt = fromMS(updated)
	}
	s.MFAGroupIDs, err = db.ids(ctx, q, `SELECT group_id FROM mfa_required_groups WHERE account_id = ? ORDER BY group_id`, accountID)
	return s, err
}

func settingsView(s gatehouse.Settings) map[string]any {
	return map[string]any{"require_mfa": s.RequireMFA, "mfa_security_group_ids": s.MFAGroupIDs, "step_up_minutes": s.StepUpMinutes,
		"session_idle_minutes": s.SessionIdleMinutes, "session_max_hours": s.SessionMaxHours, "sso_only": s.SSOOnly}
}

// SaveSettings stores an account's settings, checking the groups that
// require MFA are the account's, and audits the change.
func (db *DB) SaveSettings(ctx context.Context, accountID int64, s gatehouse.Settings) (gatehouse.Settings, error) {
	var out gatehouse.Settings
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.settings(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := db.checkGroupsExist(ctx, tx, accountID, s.MFAGroupIDs, "mfa_security_group_ids"); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `INSERT INTO account_settings (account_id, require_mfa, step_up_minutes, session_idle_minutes, session_max_hours, sso_only, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET require_mfa = excluded.require_mfa, step_up_minutes = excluded.step_up_minutes,
				session_idle_minutes = excluded.session_idle_minutes, session_max_hours = excluded.session_max_hours,
				sso_only = excluded.sso_only, updated_at = excluded.updated_at`,
			accountID, s.RequireMFA, s.StepUpMinutes, s.SessionIdleMinutes, s.SessionMaxHours, s.SSOOnly, ms(db.Now()))
		if err != nil {
			return fmt.Errorf("save settings: %w", err)
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM mfa_required_groups WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		for _, g := range s.MFAGroupIDs {
			if _, err := db.exec(ctx, tx, `INSERT INTO mfa_required_groups (account_id, group_id) VALUES (?, ?)`, accountID, g); err != nil {
				return err
			}
		}
		if out, err = db.settings(ctx, tx, accountID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "settings.update", TargetType: "account", TargetID: accountID,
			Before: settingsView(before), After: settingsView(out)})
	})
	return out, err
}

// Factors reads a user's second factors.
func (db *DB) Factors(ctx context.Context, accountID, userID int64) (gatehouse.Factors, error) {
	return db.factors(ctx, db.rdb, accountID, userID)
}

func (db *DB) factors(ctx context.Context, q querier, accountID, userID int64) (gatehouse.Factors, error) {
	f := gatehouse.Factors{Passkeys: []gatehouse.Passkey{}}
	var since int64
	err := db.queryRow(ctx, q, `SELECT created_at FROM totp_factors WHERE account_id = ? AND user_id = ?`, accountID, userID).Scan(&since)
	switch {
	case err == nil:
		f.TOTP, f.TOTPSince = true, fromMS(since)
	case err != sql.ErrNoRows:
		return f, err
	}
	keys, err := db.passkeys(ctx, q, accountID, userID)
	if err != nil {
		return f, err
	}
	for _, k := range keys {
		f.Passkeys = append(f.Passkeys, k.Passkey)
	}
	err = db.queryRow(ctx, q, `SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND user_id = ? AND used_at IS NULL`,
		accountID, userID).Scan(&f.RecoveryCodesLeft)
	return f, err
}

// TOTPSecret reads a user's sealed TOTP secret.
func (db *DB) TOTPSecret(ctx context.Context, accountID, userID int64) ([]byte, error) {
	var sealed []byte
	err := db.queryRow(ctx, db.rdb, `SELECT secret FROM totp_factors WHERE account_id = ? AND user_id = ?`, accountID, userID).Scan(&sealed)
	return sealed, notFound(err, "authenticator app")
}

// SaveTOTP makes a confirmed secret the user's TOTP factor, replacing
// any earlier one, with step as the last step used (the code that
// confirmed it).
func (db *DB) SaveTOTP(ctx context.Context, accountID, userID int64, sealed []byte, step int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM totp_factors WHERE account_id = ? AND user_id = ?`, accountID, userID).Scan(&n); err != nil {
			return err
		}
		_, err := db.exec(ctx, tx, `INSERT INTO totp_factors (user_id, account_id, secret, confirmed_at, last_step, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = excluded.confirmed_at,
				last_step = excluded.last_step, created_at = excluded.created_at`,
			userID, accountID, sealed, ms(db.Now()), step, ms(db.Now()))
		if err != nil {
			return fmt.Errorf("save totp: %w", err)
		}
		action := "mfa.totp.enrol"
		if n > 0 {
			action = "mfa.totp.reset"
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: action, TargetType: "user", TargetID: userID,
			After: map[string]any{"factor": gatehouse.MethodTOTP}})
	})
}

// UseTOTPStep records that a code of step was accepted, and reports
// false if that step or a later one was accepted before: a code is
// never good twice, however many requests race with it.
func (db *DB) UseTOTPStep(ctx context.Context, accountID, userID, step int64) (bool, error) {
	var ok bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE totp_factors SET last_step = ? WHERE account_id = ? AND user_id = ? AND last_step < ?`,
			step, accountID, userID, step)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// DeleteTOTP removes a user's TOTP factor.
func (db *DB) DeleteTOTP(ctx context.Context, accountID, userID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM totp_factors WHERE account_id = ? AND user_id = ?`, accountID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return gatehouse.NotFound("authenticator app")
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "mfa.totp.remove", TargetType: "user", TargetID: userID,
			Before: map[string]any{"factor": gatehouse.MethodTOTP}})
	})
}

// ReplaceRecoveryCodes makes hashes the user's only recovery codes.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, accountID, userID int64, hashes [][]byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `DELETE FROM recovery_codes WHERE account_id = ? AND user_id = ?`, accountID, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := db.exec(ctx, tx, `INSERT INTO recovery_codes (account_id, user_id, code_hash) VALUES (?, ?, ?)`, accountID, userID, h); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "mfa.recovery_codes.generate", TargetType: "user", TargetID: userID,
			After: map[string]any{"count": len(hashes)}})
	})
}

// UseRecoveryCode spends one of the user's recovery codes: true once,
// false for a code unknown or already spent.
func (db *DB) UseRecoveryCode(ctx context.Context, accountID, userID int64, hash []byte) (bool, error) {
	var ok bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND user_id = ? AND code_hash = ? AND used_at IS NULL`,
			ms(db.Now()), accountID, userID, hash)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n > 0
		return err
	})
	return ok, err
}

// ResetFactors removes every second factor of a user — TOTP, recovery
// codes, passkeys — so they enrol again.
func (db *DB) ResetFactors(ctx context.Context, accountID, userID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.factors(ctx, tx, accountID, userID)
		if err != nil {
			return err
		}
		for _, table := range []string{"totp_factors", "recovery_codes", "passkeys"} {
			if _, err := db.exec(ctx, tx, `DELETE FROM `+table+` WHERE account_id = ? AND user_id = ?`, accountID, userID); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "mfa.reset", TargetType: "user", TargetID: userID,
			Before: map[string]any{"totp": before.TOTP, "passkeys": len(before.Passkeys), "recovery_codes_left": before.RecoveryCodesLeft}})
	})
}

const passkeyCols = `id, account_id, user_id, name, credential_id, user_handle, credential, created_at, last_used_at`

func scanPasskey(scan func(...any) error) (gatehouse.StoredPasskey, error) {
	var k gatehouse.StoredPasskey
	var created int64
	var used sql.NullInt64
	err := scan(&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.CredentialID, &k.Handle, &k.Credential, &created, &used)
	k.CreatedAt, k.LastUsedAt = fromMS(created), fromNullMS(used)
	return k, err
}

// Passkeys reads a user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, accountID, userID int64) ([]gatehouse.StoredPasskey, error) {
	return db.passkeys(ctx, db.rdb, accountID, userID)
}

func (db *DB) passkeys(ctx context.Context, q querier, accountID, userID int64) ([]gatehouse.StoredPasskey, error) {
	out := []gatehouse.StoredPasskey{}
	err := db.eachRow(ctx, q, `SELECT `+passkeyCols+` FROM passkeys WHERE account_id = ? AND user_id = ? ORDER BY id`,
		[]any{accountID, userID}, func(scan func(...any) error) error {
			k, err := scanPasskey(scan)
			out = append(out, k)
			return err
		})
	return out, err
}

// PasskeysByHandle reads the passkeys made for a user handle, in any
// account: a passwordless sign-in learns the account from them.
func (db *DB) PasskeysByHandle(ctx context.Context, handle []byte) ([]gatehouse.StoredPasskey, error) {
	out := []gatehouse.StoredPasskey{}
	err := db.eachRow(ctx, db.rdb, `SELECT `+passkeyCols+` FROM passkeys WHERE user_handle = ? ORDER BY id`,
		[]any{handle}, func(scan func(...any) error) error {
			k, err := scanPasskey(scan)
			out = append(out, k)
			return err
		})
	return out, err
}

// AddPasskey stores a verified credential under a name.
func (db *DB) AddPasskey(ctx context.Context, k gatehouse.StoredPasskey) (gatehouse.Passkey, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		k.CreatedAt = fromMS(ms(db.Now()))
		id, err := db.insert(ctx, tx, `INSERT INTO passkeys (account_id, user_id, name, credential_id, user_handle, credential, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, k.AccountID, k.UserID, k.Name, k.CredentialID, k.Handle, k.Credential, ms(k.CreatedAt))
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return gatehouse.Errorf(gatehouse.EConflict, "this passkey is registered already")
			}
			return fmt.Errorf("insert passkey: %w", err)
		}
		k.ID = id
		return db.appendAudit(ctx, tx, k.AccountID, audit.Event{Action: "mfa.passkey.add", TargetType: "user", TargetID: k.UserID,
			After: map[string]any{"passkey_id": id, "name": k.Name}})
	})
	return k.Passkey, err
}

// UsePasskey records a passkey's use and its new state (signature count).
func (db *DB) UsePasskey(ctx context.Context, accountID, id int64, credential string, at time.Time) error {
	_, err := db.exec(ctx, db.db, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE account_id = ? AND id = ?`,
		credential, ms(at), accountID, id)
	return err
}

// DeletePasskey removes one of a user's passkeys.
func (db *DB) DeletePasskey(ctx context.Context, accountID, userID, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		err := db.queryRow(ctx, tx, `SELECT name FROM passkeys WHERE account_id = ? AND user_id = ? AND id = ?`, accountID, userID, id).Scan(&name)
		if err != nil {
			return notFound(err, "passkey")
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM passkeys WHERE id = ?`, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "mfa.passkey.remove", TargetType: "user", TargetID: userID,
			Before: map[string]any{"passkey_id": id, "name": name}})
	})
}

// CreateChallenge stores a ceremony under the hash of its id, and clears
// out ceremonies that expired.
func (db *DB) CreateChallenge(ctx context.Context, hash []byte, ch gatehouse.Challenge) (gatehouse.Challenge, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		now := ms(db.Now())
		if _, err := db.exec(ctx, tx, `DELETE FROM auth_challenges WHERE expires_at <= ?`, now); err != nil {
			return err
		}
		id, err := db.insert(ctx, tx, `INSERT INTO auth_challenges (hash, kind, account_id, user_id, data, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, ch.Kind, nullID(ch.AccountID), nullID(ch.UserID), ch.Data, now, ms(ch.ExpiresAt))
		ch.ID = id
		return err
	})
	return ch, err
}

// Challenge finds an unexpired ceremony of a kind by the hash of its id.
func (db *DB) Challenge(ctx context.Context, hash []byte, kind string) (gatehouse.Challenge, error) {
	var ch gatehouse.Challenge
	var acct, user sql.NullInt64
	var expires int64
	err := db.queryRow(ctx, db.rdb, `SELECT id, kind, account_id, user_id, data, attempts, expires_at FROM auth_challenges
		WHERE hash = ? AND kind = ? AND expires_at > ?`, hash, kind, ms(db.Now())).
		Scan(&ch.ID, &ch.Kind, &acct, &user, &ch.Data, &ch.Attempts, &expires)
	ch.AccountID, ch.UserID, ch.ExpiresAt = acct.Int64, user.Int64, fromMS(expires)
	return ch, notFound(err, "challenge")
}

// SetChallengeData replaces a ceremony's data (a WebAuthn session added
// to a sign-in waiting for its second factor).
func (db *DB) SetChallengeData(ctx context.Context, id int64, data string) error {
	_, err := db.exec(ctx, db.db, `UPDATE auth_challenges SET data = ? WHERE id = ?`, data, id)
	return err
}

// FailChallenge counts a wrong answer; at max the ceremony is gone.
func (db *DB) FailChallenge(ctx context.Context, id int64, max int) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `UPDATE auth_challenges SET attempts = attempts + 1 WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := db.exec(ctx, tx, `DELETE FROM auth_challenges WHERE id = ? AND attempts >= ?`, id, max)
		return err
	})
}

// TakeChallenge consumes a ceremony: true for the one caller that
// removed it, so a ceremony completes once however many race for it.
func (db *DB) TakeChallenge(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM auth_challenges WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// Confinement reads the customer a user is confined to, if any.
func (db *DB) Confinement(ctx context.Context, accountID, userID int64) (int64, bool, error) {
	var c int64
	err := db.queryRow(ctx, db.rdb, `SELECT customer_id FROM user_confinements WHERE account_id = ? AND user_id = ?`, accountID, userID).Scan(&c)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return c, err == nil, err
}

// ConfinedMembers lists the confined users among a group's members.
func (db *DB) ConfinedMembers(ctx context.Context, accountID, groupID int64) ([]gatehouse.Confinement, error) {
	out := []gatehouse.Confinement{}
	err := db.eachRow(ctx, db.rdb, `SELECT c.user_id, u.email, c.customer_id FROM user_confinements c
		JOIN memberships m ON m.user_id = c.user_id
		JOIN users u ON u.id = c.user_id
		WHERE c.account_id = ? AND m.group_id = ? ORDER BY c.user_id`, []any{accountID, groupID}, func(scan func(...any) error) error {
		var c gatehouse.Confinement
		err := scan(&c.UserID, &c.Email, &c.CustomerID)
		out = append(out, c)
		return err
	})
	return out, err
}

// Confine ties a user to a customer for good.
func (db *DB) Confine(ctx context.Context, accountID, userID, customerID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `INSERT INTO user_confinements (user_id, account_id, customer_id) VALUES (?, ?, ?)`,
			userID, accountID, customerID); err != nil {
			return fmt.Errorf("confine user: %w", err)
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "user.confine", TargetType: "user", TargetID: userID,
			CustomerID: customerID, After: map[string]any{"customer_id": customerID}})
	})
}
