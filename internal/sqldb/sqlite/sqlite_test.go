package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/sqlite"
	"gatehouse/internal/sqldb/storetest"
)

// MustOpenDB opens a fresh database file in the test's temp dir.
func MustOpenDB(tb testing.TB) *sqldb.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { storetest.Run(t, MustOpenDB) }

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "twice.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		db.Close()
	}
}

func TestForeignKeysAreOn(t *testing.T) {
	db := MustOpenDB(t)
	var on int
	if err := db.SQL().QueryRow(`PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
		t.Fatalf("foreign_keys = %d (%v)", on, err)
	}
	var mode string
	if err := db.SQL().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q (%v)", mode, err)
	}
}
