// Package sqlite opens Gatehouse's store on an embedded SQLite file
// (pure Go, no cgo): WAL journal, foreign keys on, migrations applied.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"gatehouse/internal/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune how the database is opened; the zero value is the default.
type Options struct {
	// Synchronous is SQLite's synchronous pragma. The default, FULL,
	// syncs the write-ahead log on every commit, so an acknowledged
	// change — a revocation among them — survives a power loss. NORMAL
	// is faster and may lose the last commits.
	Synchronous string
	// BusyTimeout is how long a write waits for a lock held by another
	// process before it is refused (default 10 s).
	BusyTimeout time.Duration
}

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	return OpenOptions(ctx, path, Options{})
}

// OpenOptions is Open with options.
func OpenOptions(ctx context.Context, path string, o Options) (*sqldb.DB, error) {
	db, err := openPools(path, o)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrations, "migrations"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openPools opens the write and read pools without migrating.
func openPools(path string, o Options) (*sqldb.DB, error) {
	if o.Synchronous == "" {
		o.Synchronous = "FULL"
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 10 * time.Second
	}
	pragmas := fmt.Sprintf("_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(%d)&_pragma=synchronous(%s)&_pragma=mmap_size(2147418112)",
		o.BusyTimeout.Milliseconds(), url.QueryEscape(o.Synchronous))
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	write, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1) // one writer at a time; others queue here, not in busy loops
	read, err := sql.Open("sqlite", base)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	read.SetMaxOpenConns(8)
	return sqldb.New(write, read, dialect{}), nil
}

type dialect struct{}

func (dialect) Name() string            { return "sqlite" }
func (dialect) Rebind(q string) string  { return q }
func (dialect) InIDs(col string) string { return col + " IN (SELECT value FROM json_each(?))" }
func (dialect) IDsArg(ids []int64) any  { return sqldb.IDList(ids) }

// Unindexed uses SQLite's unary plus, which keeps a term off every index.
func (dialect) Unindexed(col string) string { return "+" + col }

// RowValueSeek is false: SQLite seeks a row value only on its first
// column when the last is the rowid, and then reads every tie.
func (dialect) RowValueSeek() bool { return false }
func (dialect) LockMigrations(context.Context, *sql.Tx) error {
	return nil // the write transaction is already exclusive
}

// WithoutForeignKeys follows SQLite's procedure for schema changes ALTER
// TABLE cannot make: foreign keys off outside the transaction, a
// foreign_key_check before commit, keys on again after.
func (dialect) WithoutForeignKeys(ctx context.Context, conn *sql.Conn, apply func(*sql.Tx) error) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := apply(tx); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	broken := rows.Next()
	rows.Close()
	if broken {
		return errors.New("the migration left a broken foreign key")
	}
	return tx.Commit()
}

// SearchCandidates reads the table's FTS5 trigram index (migration 0021).
// The index spans every account: the list query that reads the
// candidates keeps the account's, and joining each match to its row here
// would cost more than the matches of other accounts do.
func (dialect) SearchCandidates(table string, _ []string, term string, _ int64) (string, []any) {
	fts := table + "_search"
	return `SELECT rowid FROM ` + fts + ` WHERE ` + fts + ` MATCH ?`, []any{sqldb.FTSQuery(term)}
}

func (dialect) IsUniqueViolation(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY ||
		strings.Contains(e.Error(), "UNIQUE constraint failed")
}

// IsUnavailable reports the engine refusing work for now: the disk is
// full, the file read-only or unreadable, or another process held the
// lock past the busy timeout.
func (dialect) IsUnavailable(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

// MigrationHashes maps each embedded migration to a hash of its contents;
// a kept database (the benchmark's) is reused only if the migrations it
// was built with are unchanged.
func MigrationHashes() map[string]string { return sqldb.MigrationHashes(migrations, "migrations") }

// LateralMerge is false: SQLite has no lateral join; its compound query
// merges the customers' ranges lazily, reading about one page.
func (dialect) LateralMerge() bool { return false }

// StatementCache keeps list statements prepared: parsing and planning a
// merge of many customers' ranges costs more than running it.
func (dialect) StatementCache() int { return 512 }
