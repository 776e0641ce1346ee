package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The decision API names users and customers the way the asking tool
// does: by Gatehouse id, by email (users), or by the external id the
// tool set on them. These lookups find the row within the account only.

// UserRef finds a user of the account by id (when id > 0), else by email
// (when it holds an @), else by external id.
func (db *DB) UserRef(ctx context.Context, accountID, id int64, name string) (gatehouse.Ref, error) {
	return db.ref(ctx, "users", "user", accountID, id, name, strings.Contains(name, "@"))
}

// CustomerRef finds a customer of the account by id (when id > 0), else
// by external id. Archived customers are found too: all-customers grants
// still reach them.
func (db *DB) CustomerRef(ctx context.Context, accountID, id int64, name string) (gatehouse.Ref, error) {
	return db.ref(ctx, "customers", "customer", accountID, id, name, false)
}

func (db *DB) ref(ctx context.Context, table, noun string, accountID, id int64, name string, byEmail bool) (gatehouse.Ref, error) {
	var r gatehouse.Ref
	var err error
	q := `SELECT id, external_id FROM ` + table + ` WHERE account_id = ? AND `
	switch {
	case id > 0:
		err = db.queryRow(ctx, db.rdb, q+`id = ?`, accountID, id).Scan(&r.ID, &r.ExternalID)
	case byEmail:
		err = db.queryRow(ctx, db.rdb, q+`email = ?`, accountID, strings.ToLower(strings.TrimSpace(name))).Scan(&r.ID, &r.ExternalID)
	case name != "":
		err = db.queryRow(ctx, db.rdb, q+`external_id = ?`, accountID, name).Scan(&r.ID, &r.ExternalID)
	default:
		err = sql.ErrNoRows
	}
	return r, notFound(err, noun)
}

// RecordByExternalID reads a module record of the account by the
// external id another tool set on it, whatever the caller's reach: the
// decision API decides the reach afterwards, in memory.
func (db *DB) RecordByExternalID(ctx context.Context, accountID int64, m *records.Module, ext string) (records.Record, error) {
	var id int64
	err := db.queryRow(ctx, db.rdb, `SELECT id FROM `+m.Table+` WHERE account_id = ? AND external_id = ?`, accountID, ext).Scan(&id)
	if err != nil {
		return records.Record{}, notFound(err, m.Noun)
	}
	return db.Record(ctx, accountID, m, id)
}
