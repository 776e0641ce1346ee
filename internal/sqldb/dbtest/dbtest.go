// Package dbtest opens throwaway stores for tests: SQLite always, and
// PostgreSQL whenever GATEHOUSE_TEST_POSTGRES holds a DSN. With
// GATEHOUSE_TEST_REQUIRE_POSTGRES=1 (as in CI) a missing DSN fails the
// test instead of skipping PostgreSQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/sqldb/sqlite"
)

// Backend is one storage engine the tests run against.
type Backend struct {
	Name string
	Open func(tb testing.TB) *sqldb.DB
}

// Backends lists the engines available to this test run.
func Backends(tb testing.TB) []Backend {
	out := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if PostgresDSN(tb) != "" {
		out = append(out, Backend{Name: "postgres", Open: OpenPostgres})
	}
	return out
}

// OpenSQLite opens a fresh SQLite database in the test's temp dir.
func OpenSQLite(tb testing.TB) *sqldb.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN returns the test DSN, failing when one is required.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("GATEHOUSE_TEST_POSTGRES")
	if dsn == "" && os.Getenv("GATEHOUSE_TEST_REQUIRE_POSTGRES") == "1" {
		tb.Fatal("GATEHOUSE_TEST_REQUIRE_POSTGRES=1 but GATEHOUSE_TEST_POSTGRES is empty")
	}
	return dsn
}

// OpenPostgres opens the test database in a fresh schema, dropped at
// cleanup, so tests never see each other's rows.
func OpenPostgres(tb testing.TB) *sqldb.DB {
	tb.Helper()
	dsn, _ := PostgresSchema(tb)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchema creates a fresh schema and returns a DSN that uses it.
// Several stores opened with that DSN share one database, as several
// instances behind a load balancer do.
func PostgresSchema(tb testing.TB) (dsn, schema string) {
	tb.Helper()
	base := PostgresDSN(tb)
	if base == "" {
		tb.Skip("GATEHOUSE_TEST_POSTGRES is not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema = "gh_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err == nil {
			admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			admin.Close()
		}
	})
	return withSearchPath(tb, base, schema), schema
}

func withSearchPath(tb testing.TB, dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("parse DSN: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
