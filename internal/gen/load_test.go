package gen

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
)

func count(tb testing.TB, db *sqldb.DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if db.Dialect() == "postgres" {
		query = rebindPG(query)
	}
	if err := db.SQL().QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func rebindPG(q string) string {
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$', byte('0'+n))
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func TestLoadWritesTheDatasetExactly(t *testing.T) {
	for _, be := range dbtest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := be.Open(t)
			// An account already in the store: the load must take IDs after its rows.
			other, err := db.CreateAccount(ctx, "Existing MSP")
			if err != nil {
				t.Fatal(err)
			}
			name := "Before"
			if _, err := db.CreateCustomer(ctx, other.ID, gatehouse.CustomerFields{Name: &name}); err != nil {
				t.Fatal(err)
			}

			ds := mustGenerate(t, Options{Seed: 3, Customers: 120, Groups: 25, Users: 60, Assets: 2500})
			var last Progress
			if err := Load(ctx, db, ds, LoadOptions{PasswordHash: "x", Progress: func(p Progress) { last = p }}); err != nil {
				t.Fatal(err)
			}
			if last.Done != ds.Rows() || last.Total != ds.Rows() {
				t.Errorf("last progress %+v, want %d of %d rows", last, ds.Rows(), ds.Rows())
			}
			if ds.AccountID == other.ID || ds.Customers[0].ID <= 1 {
				t.Fatalf("IDs were not rebased past the existing rows: account %d, first customer %d", ds.AccountID, ds.Customers[0].ID)
			}

			for _, c := range []struct {
				table string
				want  int
			}{
				{"customers", len(ds.Customers)},
				{"security_groups", len(ds.Groups)},
				{"users", len(ds.Users)},
				{"assets", len(ds.AssetCustomer)},
			} {
				if got := count(t, db, `SELECT COUNT(*) FROM `+c.table+` WHERE account_id = ?`, ds.AccountID); got != c.want {
					t.Errorf("%s: %d rows, want %d", c.table, got, c.want)
				}
			}
			perCustomer := make(map[int64]int)
			for _, c := range ds.AssetCustomer {
				perCustomer[ds.Customers[c].ID]++
			}
			for _, c := range []int{0, 1, len(ds.Customers) - 1} {
				id := ds.Customers[c].ID
				if got := count(t, db, `SELECT COUNT(*) FROM assets WHERE account_id = ? AND customer_id = ?`, ds.AccountID, id); got != perCustomer[id] {
					t.Errorf("customer %d has %d assets stored, %d generated", id, got, perCustomer[id])
				}
			}

			// The stored account decides exactly as the dataset does.
			rng := rand.New(rand.NewPCG(1, 2))
			now := time.Now()
			for u := range ds.Users {
				stored, _, err := db.Subject(ctx, ds.AccountID, ds.Users[u].ID)
				if err != nil {
					t.Fatal(err)
				}
				got, want := access.Compile(stored, now), access.Compile(ds.Subject(u), now)
				for range 200 {
					p := catalog.Perm(rng.IntN(catalog.Len()))
					c := ds.Customers[rng.IntN(len(ds.Customers))].ID
					if got.Check(p, c) != want.Check(p, c) {
						t.Fatalf("user %s, %s on customer %d: stored %v, generated %v", ds.Users[u].Email, p.Key(), c, got.Check(p, c), want.Check(p, c))
					}
				}
			}

			// Sequences moved past the loaded IDs: ordinary inserts still work.
			n := "After"
			c, err := db.CreateCustomer(ctx, ds.AccountID, gatehouse.CustomerFields{Name: &n})
			if err != nil {
				t.Fatalf("create customer after load: %v", err)
			}
			if c.ID <= ds.Customers[len(ds.Customers)-1].ID {
				t.Errorf("new customer got ID %d, inside the loaded range", c.ID)
			}

			// The same account name again is refused and writes nothing.
			before := count(t, db, `SELECT COUNT(*) FROM customers`)
			again := mustGenerate(t, Options{Seed: 3, Customers: 120, Groups: 25, Users: 60, Assets: 2500})
			err = Load(ctx, db, again, LoadOptions{})
			if gatehouse.ErrorCode(err) != gatehouse.EConflict {
				t.Fatalf("second load: err = %v, want conflict", err)
			}
			if after := count(t, db, `SELECT COUNT(*) FROM customers`); after != before {
				t.Errorf("a refused load left %d customers behind", after-before)
			}
		})
	}
}

func TestBulkGroupsRefuseAccountWidePermissionsInSelectGroups(t *testing.T) {
	for _, be := range dbtest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := be.Open(t)
			bl, err := db.BeginBulkLoad(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := bl.NextIDs()
			if err != nil {
				t.Fatal(err)
			}
			if err := bl.Account(ids.Account, "Bulk", time.Now()); err != nil {
				t.Fatal(err)
			}
			err = bl.Groups(ids.Account, 1, func(int) gatehouse.SecurityGroup {
				return gatehouse.SecurityGroup{ID: ids.Group, Name: "Sneaky", AccessType: gatehouse.SelectCustomers,
					Permissions: []string{"assets.view", "users.manage"}}
			})
			var e *gatehouse.Error
			if !errors.As(err, &e) || e.Code != gatehouse.EInvalid || e.Field != "permissions" {
				t.Fatalf("err = %v, want invalid permissions", err)
			}
			bl.Rollback()
			if n := count(t, db, `SELECT COUNT(*) FROM accounts WHERE name = 'Bulk'`); n != 0 {
				t.Fatal("a rolled-back load left its account behind")
			}
		})
	}
}
