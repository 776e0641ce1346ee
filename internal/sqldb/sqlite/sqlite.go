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

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"gatehouse/internal/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	pragmas := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(2147418112)"
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
	db := sqldb.New(write, read, dialect{})
	if err := db.Migrate(ctx, migrations, "migrations"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
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
