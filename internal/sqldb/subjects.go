package sqldb

import (
	"context"
	"database/sql"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// Subject loads what the decision engine compiles for one user: flags,
// memberships, and each group's permissions and resolved scope. It reads
// in one transaction so the picture is consistent.
func (db *DB) Subject(ctx context.Context, accountID, userID int64) (access.Subject, int64, error) {
	var s access.Subject
	var version int64
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		if err := db.queryRow(ctx, tx, `SELECT security_version FROM accounts WHERE id = ?`, accountID).Scan(&version); err != nil {
			return notFound(err, "account")
		}
		u, err := db.user(ctx, tx, accountID, userID)
		if err != nil {
			return err
		}
		s = access.Subject{UserID: u.ID, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled}
		s.Memberships, err = db.memberships(ctx, tx, accountID, userID)
		return err
	})
	return s, version, err
}

func (db *DB) memberships(ctx context.Context, tx *sql.Tx, accountID, userID int64) ([]access.Membership, error) {
	rows, err := db.query(ctx, tx, `SELECT g.id, g.name, g.access_type, m.expires_at FROM memberships m
		JOIN security_groups g ON g.id = m.group_id WHERE m.account_id = ? AND m.user_id = ? ORDER BY g.id`, accountID, userID)
	if err != nil {
		return nil, err
	}
	var out []access.Membership
	selects := map[int64]bool{}
	for rows.Next() {
		g := &access.Group{}
		var kind string
		var expires sql.NullInt64
		if err := rows.Scan(&g.ID, &g.Name, &kind, &expires); err != nil {
			rows.Close()
			return nil, err
		}
		g.Scope = access.All()
		if gatehouse.AccessType(kind) != gatehouse.AllCustomers {
			selects[g.ID] = true
		}
		out = append(out, access.Membership{Group: g, ExpiresAt: fromNullMS(expires)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, m := range out {
		if err := db.fillAccessGroup(ctx, tx, m.Group, selects[m.Group.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fillAccessGroup loads a group's permissions and, for a select-customers
// group, its customer list as the group's scope.
func (db *DB) fillAccessGroup(ctx context.Context, tx *sql.Tx, g *access.Group, selectCustomers bool) error {
	keys, err := db.strings(ctx, tx, `SELECT permission FROM security_group_permissions WHERE group_id = ?`, g.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if p, ok := catalog.Lookup(k); ok { // keys dropped from the catalog grant nothing
			g.Perms = append(g.Perms, p)
		}
	}
	if !selectCustomers {
		return nil
	}
	ids, err := db.ids(ctx, tx, `SELECT customer_id FROM security_group_customers WHERE group_id = ?`, g.ID)
	if err != nil {
		return err
	}
	g.Scope = access.Only(ids...)
	return nil
}

// readTx runs fn in a read-only transaction.
func (db *DB) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// SecurityVersion reads the account's current security version.
func (db *DB) SecurityVersion(ctx context.Context, accountID int64) (int64, error) {
	var v int64
	err := db.queryRow(ctx, db.rdb, `SELECT security_version FROM accounts WHERE id = ?`, accountID).Scan(&v)
	return v, notFound(err, "account")
}
