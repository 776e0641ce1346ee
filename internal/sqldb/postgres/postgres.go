// Package postgres opens Gatehouse's store on PostgreSQL, the
// production store that several stateless instances share.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"gatehouse/internal/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open connects with a pgx DSN and migrates the schema.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// Scoped lists bind each caller's own customer list: a plan made for
	// those values beats a cached generic one (8× on a 50-customer scope).
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// An unreachable server fails a request in seconds, not minutes.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	db := sqldb.New(pool, pool, dialect{})
	if err := db.Migrate(ctx, migrations, "migrations"); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

type dialect struct{}

func (dialect) Name() string            { return "postgres" }
func (dialect) InIDs(col string) string { return col + " = ANY(?)" }
func (dialect) IDsArg(ids []int64) any  { return ids }

// Unindexed leaves the choice to PostgreSQL's planner, which weighs the
// scope's customers against the column statistics.
func (dialect) Unindexed(col string) string { return col }

// RowValueSeek is true: a row comparison on consecutive index columns is
// one index condition.
func (dialect) RowValueSeek() bool { return true }

func (dialect) Rebind(q string) string { return Rebind(q) }

// Rebind numbers the ? placeholders: $1, $2, …. Queries never hold a
// literal question mark.
func Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// migrationLock is an arbitrary constant naming Gatehouse's advisory lock.
const migrationLock = 0x6761746568

func (dialect) LockMigrations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock)
	return err
}

// WithoutForeignKeys needs nothing on PostgreSQL: its ALTER TABLE changes
// constraints in place.
func (dialect) WithoutForeignKeys(ctx context.Context, conn *sql.Conn, apply func(*sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := apply(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// SearchCandidates reads the table's pg_trgm index on its searchable
// text (migration 0021).
func (dialect) SearchCandidates(table string, cols []string, term string, accountID int64) (string, []any) {
	return `SELECT id FROM ` + table + ` WHERE ` + sqldb.SearchExpr(cols) + ` LIKE ? ESCAPE '\' AND account_id = ?`,
		[]any{sqldb.LikePattern(term), accountID}
}

func (dialect) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// IsUnavailable reports the server unreachable or refusing writes: no
// connection, a connection lost or closed, a server shutting down or
// starting, out of disk or memory, or read-only (a standby, or
// default_transaction_read_only).
func (dialect) IsUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources: disk full, out of memory, too many connections
			strings.HasPrefix(pe.Code, "57P"), // operator intervention: shutdown, crash, cannot connect now
			strings.HasPrefix(pe.Code, "58"),  // system error: I/O error
			pe.Code == "25006":                // read-only SQL transaction
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// MigrationHashes maps each embedded migration to a hash of its contents;
// a kept database (the benchmark's) is reused only if the migrations it
// was built with are unchanged.
func MigrationHashes() map[string]string { return sqldb.MigrationHashes(migrations, "migrations") }

// LateralMerge is true: planning a compound of one branch per customer
// costs more than running it.
func (dialect) LateralMerge() bool { return true }

// StatementCache is 0: pgx keeps each connection's statements prepared.
func (dialect) StatementCache() int { return 0 }
