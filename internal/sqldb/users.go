package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

const userCols = `id, account_id, email, name, password_hash, global_admin, disabled, external_id, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (gatehouse.User, error) {
	var u gatehouse.User
	var created, updated int64
	err := row.Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, &u.PasswordHash, &u.GlobalAdmin, &u.Disabled, &u.ExternalID, &created, &updated)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, err
}

// User reads one user of the account.
func (db *DB) User(ctx context.Context, accountID, id int64) (gatehouse.User, error) {
	return db.user(ctx, db.rdb, accountID, id)
}

func (db *DB) user(ctx context.Context, q querier, accountID, id int64) (gatehouse.User, error) {
	u, err := scanUser(db.queryRow(ctx, q, `SELECT `+userCols+` FROM users WHERE account_id = ? AND id = ?`, accountID, id))
	if err != nil {
		return u, notFound(err, "user")
	}
	u.GroupIDs, err = db.userGroupIDs(ctx, q, id)
	return u, err
}

// UserByEmail finds a user of the account by address, for sign-in.
// Addresses are unique per account only.
func (db *DB) UserByEmail(ctx context.Context, accountID int64, email string) (gatehouse.User, error) {
	u, err := scanUser(db.queryRow(ctx, db.rdb, `SELECT `+userCols+` FROM users WHERE account_id = ? AND email = ?`,
		accountID, strings.ToLower(strings.TrimSpace(email))))
	return u, notFound(err, "user")
}

func (db *DB) userGroupIDs(ctx context.Context, q querier, userID int64) ([]int64, error) {
	return db.ids(ctx, q, `SELECT group_id FROM memberships WHERE user_id = ? ORDER BY group_id`, userID)
}

// ids runs a query returning one id column.
func (db *DB) ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := db.query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ListUsers pages the account's users by name; Q matches name or email.
func (db *DB) ListUsers(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error) {
	var page gatehouse.Page[gatehouse.User]
	l := listQuery{}
	l.add("account_id = ?", accountID)
	tail, limit, err := l.page("name", "id", f, "email")
	if err != nil {
		return page, err
	}
	rows, err := db.query(ctx, db.rdb, `SELECT `+userCols+` FROM users`+tail, l.args...)
	if err != nil {
		return page, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, u)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	page.Items, page.NextCursor = nextCursor(page.Items, limit, func(u gatehouse.User) (string, int64) { return u.Name, u.ID })
	return page, db.fillGroupIDs(ctx, page.Items)
}

// fillGroupIDs loads the memberships of a page of users in one query.
func (db *DB) fillGroupIDs(ctx context.Context, us []gatehouse.User) error {
	if len(us) == 0 {
		return nil
	}
	index := make(map[int64]int, len(us))
	ids := make([]int64, len(us))
	for i := range us {
		index[us[i].ID], ids[i] = i, us[i].ID
		us[i].GroupIDs = []int64{}
	}
	rows, err := db.query(ctx, db.rdb, `SELECT user_id, group_id FROM memberships WHERE `+db.d.InIDs("user_id")+` ORDER BY group_id`, db.d.IDsArg(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var userID, groupID int64
		if err := rows.Scan(&userID, &groupID); err != nil {
			return err
		}
		u := &us[index[userID]]
		u.GroupIDs = append(u.GroupIDs, groupID)
	}
	return rows.Err()
}

// CreateUser adds a user; GroupIDs nil puts them in the default groups.
func (db *DB) CreateUser(ctx context.Context, accountID int64, u gatehouse.UserCreate) (gatehouse.User, error) {
	var out gatehouse.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		out, err = db.createUser(ctx, tx, accountID, u)
		return err
	})
	return out, err
}

func (db *DB) createUser(ctx context.Context, tx *sql.Tx, accountID int64, u gatehouse.UserCreate) (gatehouse.User, error) {
	var errs gatehouse.Invalids
	email, err := gatehouse.NormalizeEmail(u.Email)
	errs.Add(err)
	name, err := gatehouse.NormalizeUserName(u.Name)
	errs.Add(err)
	ext, err := gatehouse.NormalizeExternalID(u.ExternalID)
	errs.Add(err)
	if err := errs.Err(); err != nil {
		return gatehouse.User{}, err
	}
	if err := db.externalIDFree(ctx, tx, "users", "user", accountID, 0, ext); err != nil {
		return gatehouse.User{}, err
	}
	groups := u.GroupIDs
	if groups == nil {
		if groups, err = db.ids(ctx, tx, `SELECT id FROM security_groups WHERE account_id = ? AND is_default = TRUE`, accountID); err != nil {
			return gatehouse.User{}, err
		}
	}
	now := ms(db.Now())
	id, err := db.insert(ctx, tx, `INSERT INTO users (account_id, email, name, password_hash, global_admin, disabled, external_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, accountID, email, name, u.PasswordHash, u.GlobalAdmin, u.Disabled, ext, now, now)
	if err != nil {
		if db.d.IsUniqueViolation(err) {
			return gatehouse.User{}, &gatehouse.Error{Code: gatehouse.EConflict, Field: "email", Message: "a user with this email already exists"}
		}
		return gatehouse.User{}, fmt.Errorf("insert user: %w", err)
	}
	if err := db.setMemberships(ctx, tx, accountID, id, groups); err != nil {
		return gatehouse.User{}, err
	}
	u2, err := db.user(ctx, tx, accountID, id)
	if err != nil {
		return u2, err
	}
	return u2, db.appendAudit(ctx, tx, accountID, audit.Event{Action: "user.create", TargetType: "user", TargetID: id, After: userView(u2, false)})
}

// userView is a user as the audit log records it: never the hash.
func userView(u gatehouse.User, passwordChanged bool) map[string]any {
	v := map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "global_admin": u.GlobalAdmin,
		"disabled": u.Disabled, "security_group_ids": u.GroupIDs}
	if u.ExternalID != "" {
		v["external_id"] = u.ExternalID
	}
	if passwordChanged {
		v["password_changed"] = true
	}
	return v
}

// auditUserUpdate records the change, and a global-admin grant or
// revocation as an event of its own so it stands out.
func (db *DB) auditUserUpdate(ctx context.Context, tx *sql.Tx, before, after gatehouse.User, passwordChanged bool) error {
	if err := db.appendAudit(ctx, tx, after.AccountID, audit.Event{Action: "user.update", TargetType: "user", TargetID: after.ID,
		Before: userView(before, false), After: userView(after, passwordChanged)}); err != nil {
		return err
	}
	if before.GlobalAdmin == after.GlobalAdmin {
		return nil
	}
	action := "user.global_admin.revoke"
	if after.GlobalAdmin {
		action = "user.global_admin.grant"
	}
	return db.appendAudit(ctx, tx, after.AccountID, audit.Event{Action: action, TargetType: "user", TargetID: after.ID,
		Before: map[string]any{"global_admin": before.GlobalAdmin}, After: map[string]any{"global_admin": after.GlobalAdmin}})
}

// setMemberships replaces a user's groups, checking each is the account's.
func (db *DB) setMemberships(ctx context.Context, tx *sql.Tx, accountID, userID int64, groupIDs []int64) error {
	if err := db.checkGroupsExist(ctx, tx, accountID, groupIDs, "security_group_ids"); err != nil {
		return err
	}
	if _, err := db.exec(ctx, tx, `DELETE FROM memberships WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, g := range dedup(groupIDs) {
		if _, err := db.exec(ctx, tx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES (?, ?, ?)`, accountID, userID, g); err != nil {
			return fmt.Errorf("insert membership: %w", err)
		}
	}
	return nil
}

func (db *DB) checkGroupsExist(ctx context.Context, q querier, accountID int64, groupIDs []int64, field string) error {
	for _, g := range dedup(groupIDs) {
		var n int
		if err := db.queryRow(ctx, q, `SELECT COUNT(*) FROM security_groups WHERE account_id = ? AND id = ?`, accountID, g).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return gatehouse.Invalid(field, "security group %d not found", g)
		}
	}
	return nil
}

// UpdateUser applies the set fields. It refuses to leave the account
// without an active global admin.
func (db *DB) UpdateUser(ctx context.Context, accountID, id int64, upd gatehouse.UserUpdate) (gatehouse.User, error) {
	var out gatehouse.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		u, err := db.user(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		before := u
		wasActiveAdmin := u.GlobalAdmin && !u.Disabled
		if err := applyUserUpdate(&u, upd); err != nil {
			return err
		}
		if u.ExternalID != before.ExternalID {
			if err := db.externalIDFree(ctx, tx, "users", "user", accountID, id, u.ExternalID); err != nil {
				return err
			}
		}
		if wasActiveAdmin && (!u.GlobalAdmin || u.Disabled) {
			if err := db.keepOneAdmin(ctx, tx, accountID, id); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, tx, `UPDATE users SET email = ?, name = ?, password_hash = ?, global_admin = ?, disabled = ?, external_id = ?, updated_at = ?
			WHERE account_id = ? AND id = ?`, u.Email, u.Name, u.PasswordHash, u.GlobalAdmin, u.Disabled, u.ExternalID, ms(db.Now()), accountID, id)
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return &gatehouse.Error{Code: gatehouse.EConflict, Field: "email", Message: "a user with this email already exists"}
			}
			return fmt.Errorf("update user: %w", err)
		}
		if upd.PasswordHash != nil {
			// A new password ends every session and API token issued
			// under the old one: a stolen credential stops working.
			if _, err := db.exec(ctx, tx, `DELETE FROM tokens WHERE account_id = ? AND user_id = ?`, accountID, id); err != nil {
				return err
			}
		}
		if upd.GroupIDs != nil {
			if err := db.setMemberships(ctx, tx, accountID, id, *upd.GroupIDs); err != nil {
				return err
			}
		}
		if out, err = db.user(ctx, tx, accountID, id); err != nil {
			return err
		}
		return db.auditUserUpdate(ctx, tx, before, out, upd.PasswordHash != nil)
	})
	return out, err
}

func applyUserUpdate(u *gatehouse.User, upd gatehouse.UserUpdate) error {
	if upd.Email != nil {
		email, err := gatehouse.NormalizeEmail(*upd.Email)
		if err != nil {
			return err
		}
		u.Email = email
	}
	if upd.Name != nil {
		name, err := gatehouse.NormalizeUserName(*upd.Name)
		if err != nil {
			return err
		}
		u.Name = name
	}
	if upd.ExternalID != nil {
		ext, err := gatehouse.NormalizeExternalID(*upd.ExternalID)
		if err != nil {
			return err
		}
		u.ExternalID = ext
	}
	if upd.PasswordHash != nil {
		u.PasswordHash = *upd.PasswordHash
	}
	if upd.GlobalAdmin != nil {
		u.GlobalAdmin = *upd.GlobalAdmin
	}
	if upd.Disabled != nil {
		u.Disabled = *upd.Disabled
	}
	return nil
}

// externalIDFree refuses an external id another row of table (other than
// id) in the account already has, naming the field. The unique index
// stands behind it; asking first tells it apart from other unique keys.
func (db *DB) externalIDFree(ctx context.Context, tx *sql.Tx, table, noun string, accountID, id int64, ext string) error {
	if ext == "" {
		return nil
	}
	var n int
	if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM `+table+` WHERE account_id = ? AND external_id = ? AND id <> ?`, accountID, ext, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &gatehouse.Error{Code: gatehouse.EConflict, Field: "external_id", Message: "another " + noun + " has this external id"}
	}
	return nil
}

// keepOneAdmin refuses a change that would leave no other active global
// admin in the account. The caller holds the account row lock.
func (db *DB) keepOneAdmin(ctx context.Context, tx *sql.Tx, accountID, userID int64) error {
	var others int
	err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM users WHERE account_id = ? AND id <> ? AND global_admin = TRUE AND disabled = FALSE`,
		accountID, userID).Scan(&others)
	if err != nil {
		return err
	}
	if others == 0 {
		return gatehouse.Errorf(gatehouse.EConflict, "this is the account's last active global admin; make another user global admin first")
	}
	return nil
}

// DeleteUser removes a user, never the last active global admin.
func (db *DB) DeleteUser(ctx context.Context, accountID, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		u, err := db.user(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if u.GlobalAdmin && !u.Disabled {
			if err := db.keepOneAdmin(ctx, tx, accountID, id); err != nil {
				return err
			}
		}
		if _, err = db.exec(ctx, tx, `DELETE FROM users WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "user.delete", TargetType: "user", TargetID: id, Before: userView(u, false)})
	})
}

// dedup returns ids without repeats, keeping first occurrences.
func dedup(ids []int64) []int64 { return gatehouse.DedupIDs(ids) }
