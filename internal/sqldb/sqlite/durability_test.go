package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb/sqlite"
)

func TestCommitsAreSyncedByDefault(t *testing.T) {
	db := MustOpenDB(t)
	// synchronous: 2 is FULL, the WAL synced on every commit; NORMAL (1)
	// may lose the last commits to a power loss.
	var mode int
	if err := db.SQL().QueryRow(`PRAGMA synchronous`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("synchronous = %d (%v), want 2 (FULL)", mode, err)
	}
}

// BenchmarkSecurityWrite measures committed security changes (a group
// update: security version bumped, audit entry appended) per second,
// with the old synchronous=NORMAL and the durable default FULL:
//
//	go test ./internal/sqldb/sqlite -run - -bench SecurityWrite -benchtime 2s
func BenchmarkSecurityWrite(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.OpenOptions(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Synchronous: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			acct, err := db.CreateAccount(ctx, "Bench MSP")
			if err != nil {
				b.Fatal(err)
			}
			g, err := db.CreateGroup(ctx, acct.ID, gatehouse.SecurityGroup{Name: "Helpdesk", AccessType: gatehouse.AllCustomers, Permissions: []string{"assets.view"}})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				g.Description = fmt.Sprint("revision ", i)
				if _, err := db.UpdateGroup(ctx, acct.ID, g); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
