// Package sqldb is Gatehouse's storage over database/sql. The queries are
// written once; a Dialect covers what SQLite and PostgreSQL spell
// differently. The sqlite and postgres packages open a DB for their engine.
package sqldb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
)

// Dialect is what differs between the engines.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Rebind turns the ? placeholders of a query into the engine's own.
	Rebind(query string) string
	// InIDs is a condition "col is one of the ids in the next argument";
	// IDsArg encodes that argument. One argument whatever the list length.
	InIDs(col string) string
	IDsArg(ids []int64) any
	// LockMigrations serialises migrations between instances starting at
	// once on one database. It runs inside the migration transaction.
	LockMigrations(ctx context.Context, tx *sql.Tx) error
	// WithoutForeignKeys runs a migration's transaction on conn with
	// foreign-key actions off, failing if any key is broken at the end.
	WithoutForeignKeys(ctx context.Context, conn *sql.Conn, apply func(*sql.Tx) error) error
	// IsUniqueViolation reports a unique-constraint error.
	IsUniqueViolation(err error) bool
	// IsUnavailable reports an error of the engine saying it cannot be
	// reached or cannot take a write right now (connection lost, disk
	// full, read-only, locked past the busy timeout): worth a retry.
	IsUnavailable(err error) bool
	// SearchCandidates is a query of the ids of table's rows (of the
	// account, where the engine's index can tell cheaply) whose columns
	// cols contain term, served by the engine's trigram index, and its
	// arguments.
	SearchCandidates(table string, cols []string, term string, accountID int64) (query string, args []any)
	// Unindexed writes col so that the planner does not pick an index
	// for a condition on it: a large scope is checked while walking the
	// list's order, not read customer by customer and sorted.
	Unindexed(col string) string
	// RowValueSeek reports whether the engine seeks an index on a row
	// value such as (name, id) > (?, ?); without it a keyset position is
	// read as two ranges (name = ? AND id > ?, then name > ?).
	RowValueSeek() bool
	// StatementCache is how many prepared read statements the store
	// keeps (0: none, the driver caches its own).
	StatementCache() int
	// LateralMerge reports whether a few customers' ranges are read by a
	// lateral join over the customer list (one plan whatever the count)
	// rather than as a compound query of one branch per customer.
	LateralMerge() bool
}

// DB is the store. Its exported methods own their transactions.
type DB struct {
	db    *sql.DB // writes and transactions
	rdb   *sql.DB // reads outside transactions; the same pool on PostgreSQL
	d     Dialect
	stmts *stmtCache       // prepared list and record reads on rdb
	Now   func() time.Time // the clock; tests replace it

	// ReadyWindow is how long Ready keeps reporting a refused operation.
	ReadyWindow time.Duration
	refusedAt   atomic.Int64 // unix nanoseconds of the last refused operation

	// changed is told of committed security changes; pending holds each
	// open transaction's until it ends.
	changed   func(SecurityChange)
	pendingMu sync.Mutex
	pending   map[*sql.Tx][]SecurityChange

	groups groupCaches // the groups of Subject, per security version
}

// New wraps open pools; call Migrate before use. SQLite passes a
// one-connection write pool and a separate read pool, so writers queue
// instead of failing on lock upgrades while readers go on in parallel.
func New(write, read *sql.DB, d Dialect) *DB {
	return &DB{db: write, rdb: read, d: d, Now: time.Now, ReadyWindow: 10 * time.Second, stmts: newStmtCache(d.StatementCache()),
		pending: map[*sql.Tx][]SecurityChange{}}
}

// Close closes the pools.
func (db *DB) Close() error {
	db.stmts.close()
	err := db.db.Close()
	if db.rdb != db.db {
		if rerr := db.rdb.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Dialect names the engine.
func (db *DB) Dialect() string { return db.d.Name() }

// SQL exposes the handle for tests and tools that inspect raw rows.
func (db *DB) SQL() *sql.DB { return db.db }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.classify(db.db.PingContext(ctx)) }

// Ready reports whether the store takes writes: it commits a one-row
// probe (not audited), and reports the store unavailable while an
// operation was refused within ReadyWindow — a full disk can refuse a
// new session row yet still take the probe's small update.
func (db *DB) Ready(ctx context.Context) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `UPDATE ready_probe SET checked_at = ? WHERE id = 1`, ms(db.Now()))
		return err
	})
	if err != nil {
		return err
	}
	if at := db.refusedAt.Load(); at != 0 {
		if ago := time.Since(time.Unix(0, at)); ago < db.ReadyWindow {
			return gatehouse.Unavailable(fmt.Errorf("an operation was refused %s ago", ago.Round(time.Millisecond)))
		}
	}
	return nil
}

// classify turns an engine error saying the store cannot be reached or
// written into the domain's unavailable error, so that every surface
// answers 503 and the client retries; it remembers when, for Ready.
// Every other error passes unchanged.
func (db *DB) classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || gatehouse.ErrorCode(err) != gatehouse.EInternal {
		return err
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || db.d.IsUnavailable(err) {
		db.refusedAt.Store(time.Now().UnixNano())
		return gatehouse.Unavailable(err)
	}
	return err
}

// Migrate applies the numbered .sql files in dir of fsys that have not
// been applied yet, one transaction each.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS, dir string) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateOne(ctx, fsys, name); err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, fsys fs.FS, name string) error {
	version := strings.TrimSuffix(path.Base(name), ".sql")
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	apply := func(tx *sql.Tx) error {
		if err := db.d.LockMigrations(ctx, tx); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.d.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), version, ms(db.Now()))
		return err
	}
	if !bytes.HasPrefix(body, []byte(foreignKeysOff)) {
		return db.inTx(ctx, apply)
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return db.d.WithoutForeignKeys(ctx, conn, apply)
}

// foreignKeysOff opens a migration that rebuilds a table other tables
// reference: it runs with foreign-key actions off, so dropping the old
// table cascades nowhere, and the keys are checked before it commits.
const foreignKeysOff = "-- foreign-keys: off"

// inTx runs fn in a transaction, committing only if fn succeeds; inside
// Atomic it joins the context's transaction.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(tx)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return db.classify(fmt.Errorf("begin: %w", err))
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		db.settle(tx, false)
		return db.classify(err)
	}
	if err := tx.Commit(); err != nil {
		db.settle(tx, false)
		return db.classify(fmt.Errorf("commit: %w", err))
	}
	db.settle(tx, true)
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	res, err := joined(ctx, q).ExecContext(ctx, db.d.Rebind(query), args...)
	return res, db.classify(err)
}

func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	rows, err := joined(ctx, q).QueryContext(ctx, db.d.Rebind(query), args...)
	return rows, db.classify(err)
}

func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) row {
	return row{joined(ctx, q).QueryRowContext(ctx, db.d.Rebind(query), args...), db}
}

// row is a *sql.Row whose Scan classifies the engine's errors.
type row struct {
	r  *sql.Row
	db *DB
}

func (r row) Scan(dest ...any) error { return r.db.classify(r.r.Scan(dest...)) }

// insert runs an INSERT … RETURNING id.
func (db *DB) insert(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	var id int64
	err := db.queryRow(ctx, q, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// scopeClause turns a customer scope into a WHERE condition on col.
// ok is false when the scope holds no customer, so the caller can answer
// empty without a query.
func (db *DB) scopeClause(col string, s access.Scope) (cond string, args []any, ok bool) {
	switch s.Kind {
	case access.ScopeAll:
		return "1=1", nil, true
	case access.ScopeOnly:
		if len(s.IDs) == 0 {
			return "", nil, false
		}
		return db.d.InIDs(col), []any{db.d.IDsArg(s.IDs)}, true
	case access.ScopeAllExcept:
		if len(s.IDs) == 0 {
			return "1=1", nil, true
		}
		return "NOT " + db.d.InIDs(col), []any{db.d.IDsArg(s.IDs)}, true
	default:
		return "", nil, false
	}
}

// ms and fromMS convert times to the stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// LikePattern makes a case-insensitive substring pattern; the caller
// compares it with lower(col) LIKE ? ESCAPE '\'.
func LikePattern(q string) string { return likePattern(q) }

func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// Cursors page lists by (name, id): stable under inserts, no OFFSET scans.
func encodeCursor(name string, id int64) string {
	return strconv.FormatInt(id, 36) + "." + base64URL(name)
}

func decodeCursor(c string) (name string, id int64, err error) {
	idPart, namePart, ok := strings.Cut(c, ".")
	if !ok {
		return "", 0, gatehouse.Invalid("cursor", "malformed cursor")
	}
	id, err = strconv.ParseInt(idPart, 36, 64)
	if err != nil {
		return "", 0, gatehouse.Invalid("cursor", "malformed cursor")
	}
	name, err = unbase64URL(namePart)
	if err != nil {
		return "", 0, gatehouse.Invalid("cursor", "malformed cursor")
	}
	return name, id, nil
}

// pageLimit clamps a requested page size; the API refuses more than 500
// itself, exports read bigger pages.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > gatehouse.ExportPage:
		return gatehouse.ExportPage
	}
	return n
}

// listQuery builds the keyset-paged part shared by name-ordered lists.
type listQuery struct {
	where []string
	args  []any
}

func (l *listQuery) add(cond string, args ...any) {
	l.where = append(l.where, cond)
	l.args = append(l.args, args...)
}

// page adds the q filter, the cursor and the limit, and returns the SQL tail.
func (l *listQuery) page(nameCol, idCol string, f gatehouse.ListFilter, searchCols ...string) (string, int, error) {
	if f.Q != "" {
		var ors []string
		for _, c := range append([]string{nameCol}, searchCols...) {
			ors = append(ors, "lower("+c+`) LIKE ? ESCAPE '\'`)
			l.args = append(l.args, likePattern(f.Q))
		}
		l.where = append(l.where, "("+strings.Join(ors, " OR ")+")")
	}
	if f.Cursor != "" {
		name, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", 0, err
		}
		l.add("("+nameCol+" > ? OR ("+nameCol+" = ? AND "+idCol+" > ?))", name, name, id)
	}
	limit := pageLimit(f.Limit)
	tail := " WHERE " + strings.Join(l.where, " AND ") +
		" ORDER BY " + nameCol + ", " + idCol + " LIMIT " + strconv.Itoa(limit+1)
	return tail, limit, nil
}

// nextCursor trims the extra row fetched to detect a further page.
func nextCursor[T any](items []T, limit int, key func(T) (string, int64)) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	name, id := key(items[limit-1])
	return items, encodeCursor(name, id)
}

// notFound maps sql.ErrNoRows to the domain's not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.NotFound(what)
	}
	return err
}

// MigrationHashes maps each migration in dir to a hash of its contents:
// what a kept database's schema was built from.
func MigrationHashes(fsys fs.FS, dir string) map[string]string {
	names, _ := fs.Glob(fsys, path.Join(dir, "*.sql"))
	out := make(map[string]string, len(names))
	for _, name := range names {
		body, _ := fs.ReadFile(fsys, name)
		sum := sha256.Sum256(body)
		out[strings.TrimSuffix(path.Base(name), ".sql")] = hex.EncodeToString(sum[:8])
	}
	return out
}
