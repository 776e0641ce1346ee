package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"gatehouse/internal/gatehouse"
)

// SecurityChange is a committed move of an account's security version.
type SecurityChange struct {
	AccountID, Version int64
}

// OnSecurityChange sets fn to be told of every security change this store
// commits, after the commit and before the method that made it returns:
// a cache fed by it on this instance is never behind a change already
// answered. Set it once, before the store is used. Other instances learn
// of changes through the database (PostgreSQL notifications, or polling
// SecurityVersions).
func (db *DB) OnSecurityChange(fn func(SecurityChange)) { db.changed = fn }

// bumpSecurityVersion marks every compiled grant of the account stale.
// Called first in each security-changing transaction: on PostgreSQL the
// row lock also serialises those transactions per account, which the
// last-global-admin rule relies on. The new version is announced once the
// transaction commits.
func (db *DB) bumpSecurityVersion(ctx context.Context, tx *sql.Tx, accountID int64) error {
	var v int64
	err := db.queryRow(ctx, tx, `UPDATE accounts SET security_version = security_version + 1 WHERE id = ? RETURNING security_version`, accountID).Scan(&v)
	if err == sql.ErrNoRows {
		return gatehouse.NotFound("account")
	}
	if err != nil {
		return fmt.Errorf("bump security version: %w", err)
	}
	if db.changed != nil {
		db.pendingMu.Lock()
		db.pending[tx] = append(db.pending[tx], SecurityChange{accountID, v})
		db.pendingMu.Unlock()
	}
	return nil
}

// settle announces the changes tx made if it committed, and forgets them
// either way.
func (db *DB) settle(tx *sql.Tx, committed bool) {
	if db.changed == nil {
		return
	}
	db.pendingMu.Lock()
	changes := db.pending[tx]
	delete(db.pending, tx)
	db.pendingMu.Unlock()
	if committed {
		for _, c := range changes {
			db.changed(c)
		}
	}
}

// SecurityVersions reads every account's security version, for instances
// that poll instead of (or besides) being notified.
func (db *DB) SecurityVersions(ctx context.Context) (map[int64]int64, error) {
	out := map[int64]int64{}
	err := db.eachRow(ctx, db.rdb, `SELECT id, security_version FROM accounts`, nil, func(scan func(...any) error) error {
		var id, v int64
		if err := scan(&id, &v); err != nil {
			return err
		}
		out[id] = v
		return nil
	})
	return out, err
}
