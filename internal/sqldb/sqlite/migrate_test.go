package sqlite

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRebuildingUsersKeepsWhatReferencesThem: migration 0011 rebuilds the
// users table; memberships and tokens point at it with ON DELETE CASCADE,
// so a rebuild with foreign keys on would silently drop every one.
func TestRebuildingUsersKeepsWhatReferencesThem(t *testing.T) {
	ctx := context.Background()
	db, err := openPools(filepath.Join(t.TempDir(), "old.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	early := fstest.MapFS{}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, n := range names {
		if filepath.Base(n) < "0011" {
			body, _ := fs.ReadFile(migrations, n)
			early[n] = &fstest.MapFile{Data: body}
		}
	}
	if err := db.Migrate(ctx, early, "migrations"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO accounts (id, name, created_at) VALUES (1, 'Old MSP', 0)`,
		`INSERT INTO users (id, account_id, email, created_at, updated_at) VALUES (1, 1, 'a@x.example', 0, 0)`,
		`INSERT INTO security_groups (id, account_id, name, access_type, created_at, updated_at) VALUES (1, 1, 'G', 'all_customers', 0, 0)`,
		`INSERT INTO memberships (account_id, user_id, group_id) VALUES (1, 1, 1)`,
		`INSERT INTO tokens (account_id, user_id, kind, token_hash, created_at, expires_at) VALUES (1, 1, 'api', x'01', 0, 1)`,
	} {
		if _, err := db.SQL().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Migrate(ctx, migrations, "migrations"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"users", "memberships", "tokens"} {
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d rows after the rebuild, want 1 (%v)", table, n, err)
		}
	}
	var on int
	if err := db.SQL().QueryRow(`PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
		t.Fatalf("foreign keys left off after the migration: %d (%v)", on, err)
	}
	var slug string
	db.SQL().QueryRow(`SELECT slug FROM accounts WHERE id = 1`).Scan(&slug)
	if slug != "old-msp" {
		t.Fatalf("existing account slug = %q", slug)
	}
	// The rebuilt table still refuses a duplicate address in one account.
	_, err = db.SQL().Exec(`INSERT INTO users (account_id, email, created_at, updated_at) VALUES (1, 'a@x.example', 0, 0)`)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate address in one account: %v", err)
	}
}
