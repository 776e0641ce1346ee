package sqldb

import (
	"context"
	"database/sql"
)

// txKey marks the transaction a context carries.
type txKey struct{}

// Atomic runs fn with a transaction in its context: every store method
// called with that context joins it, so a use case's reads, checks and
// writes commit together or not at all. fn's error rolls everything back;
// a nested Atomic joins the outer transaction.
func (db *DB) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// joined is the context's transaction when it carries one, else q.
func joined(ctx context.Context, q querier) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return q
}

// LockAccount opens a security change of the account: it moves the
// account's security version, so no compiled grant survives the change,
// and on PostgreSQL takes the account row's lock, so one account's
// security changes apply one at a time (SQLite has one writer anyway).
func (db *DB) LockAccount(ctx context.Context, accountID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.bumpSecurityVersion(ctx, tx, accountID) })
}
