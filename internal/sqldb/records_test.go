package sqldb_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
)

// The WHERE clause a reach becomes and Reach.Allows must agree on every
// record: lists (SQL) and single decisions (Go) may never differ.
func TestReachQueriesAgreeWithReachAllows(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := context.Background()
			acct, err := db.CreateAccount(ctx, "Reach")
			if err != nil {
				t.Fatal(err)
			}
			other, _ := db.CreateAccount(ctx, "Other")
			var customers []int64
			for _, n := range []string{"c1", "c2", "c3", "c4"} {
				c, err := db.CreateCustomer(ctx, acct.ID, gatehouse.CustomerFields{Name: &n})
				if err != nil {
					t.Fatal(err)
				}
				customers = append(customers, c.ID)
			}
			var users []int64
			for _, e := range []string{"u1@reach.example", "u2@reach.example"} {
				u, err := db.CreateUser(ctx, acct.ID, gatehouse.UserCreate{Email: e, GroupIDs: []int64{}})
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, u.ID)
			}
			all := records.Reach{Customers: access.All(), Library: true}
			type row struct{ id, customer, owner int64 }
			rows := map[string][]row{}
			add := func(module string, customer, owner int64, v records.Values) {
				m := records.MustLookup(module)
				if m.OwnerField != "" {
					v[m.OwnerField] = owner
				}
				r, err := db.CreateRecord(ctx, acct.ID, m, all, records.Input{CustomerID: customer, Values: v})
				if err != nil {
					t.Fatal(err)
				}
				rows[module] = append(rows[module], row{r.ID, customer, owner})
			}
			for i, c := range customers {
				for _, u := range users {
					add("tickets", c, u, records.Values{"subject": "t"})
				}
				add("scripts", c, 0, records.Values{"name": "s"})
				add("credentials", c, 0, records.Values{"name": "k"})
				if i == 0 {
					add("scripts", 0, 0, records.Values{"name": "shared"})
					add("credentials", 0, 0, records.Values{"name": "msp"})
				}
			}
			// Another account's records never appear, whatever the reach.
			oc := "other"
			ocust, _ := db.CreateCustomer(ctx, other.ID, gatehouse.CustomerFields{Name: &oc})
			db.CreateRecord(ctx, other.ID, records.MustLookup("tickets"), all, records.Input{CustomerID: ocust.ID, Values: records.Values{"subject": "t"}})

			rng := rand.New(rand.NewPCG(1, 2))
			scope := func() access.Scope {
				switch rng.IntN(4) {
				case 0:
					return access.Scope{}
				case 1:
					return access.All()
				case 2:
					return access.AllExcept(customers[rng.IntN(4)])
				}
				var ids []int64
				for _, c := range customers {
					if rng.IntN(2) == 0 {
						ids = append(ids, c)
					}
				}
				return access.Only(ids...)
			}
			for i := 0; i < 300; i++ {
				r := records.Reach{Customers: scope(), Library: rng.IntN(2) == 0, Own: scope(), OwnerID: users[rng.IntN(2)]}
				for module, want := range rows {
					m := records.MustLookup(module)
					var expect []int64
					for _, w := range want {
						if r.Allows(w.customer, w.owner) {
							expect = append(expect, w.id)
						}
					}
					got := listIDs(t, db, acct.ID, m, r)
					slices.Sort(expect)
					if !slices.Equal(got, expect) {
						t.Fatalf("%s with reach %+v: query gives %v, Allows gives %v", module, r, got, expect)
					}
				}
			}
		})
	}
}

func listIDs(t *testing.T, db *sqldb.DB, accountID int64, m *records.Module, r records.Reach) []int64 {
	t.Helper()
	var out []int64
	f := gatehouse.ListFilter{Limit: 2}
	for {
		page, err := db.ListRecords(context.Background(), accountID, m, f, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Items {
			out = append(out, rec.ID)
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	slices.Sort(out)
	return out
}

func TestNewestFirstListsPageByID(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := context.Background()
			acct, _ := db.CreateAccount(ctx, "Paging")
			n := "c"
			c, _ := db.CreateCustomer(ctx, acct.ID, gatehouse.CustomerFields{Name: &n})
			all := records.Reach{Customers: access.All(), Library: true}
			asset, err := db.CreateRecord(ctx, acct.ID, records.MustLookup("assets"), all, records.Input{CustomerID: c.ID, Values: records.Values{"name": "pc"}})
			if err != nil {
				t.Fatal(err)
			}
			alerts := records.MustLookup("alerts")
			var want []int64
			for _, msg := range []string{"one", "two", "three"} {
				a, err := db.CreateRecord(ctx, acct.ID, alerts, all, records.Input{Values: records.Values{"asset_id": asset.ID, "message": msg}})
				if err != nil {
					t.Fatal(err)
				}
				if a.CustomerID != c.ID {
					t.Fatalf("alert customer %d, want the asset's %d", a.CustomerID, c.ID)
				}
				want = append([]int64{a.ID}, want...)
			}
			var got []int64
			f := gatehouse.ListFilter{Limit: 1}
			for {
				page, err := db.ListRecords(ctx, acct.ID, alerts, f, all)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page.Items {
					got = append(got, r.ID)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pages %v, want newest first %v", got, want)
			}
			page, _ := db.ListRecords(ctx, acct.ID, alerts, gatehouse.ListFilter{Q: "TW"}, all)
			if len(page.Items) != 1 || page.Items[0].Values.Str("message") != "two" {
				t.Fatalf("q=TW found %v", page.Items)
			}
		})
	}
}

func TestOutboxRetriesThenGivesUp(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := context.Background()
			acct, _ := db.CreateAccount(ctx, "Mail")
			n := "c"
			c, _ := db.CreateCustomer(ctx, acct.ID, gatehouse.CustomerFields{Name: &n})
			all := records.Reach{Customers: access.All(), Library: true}
			for _, e := range []string{"a@example.com", "b@example.com"} {
				if _, err := db.CreateRecord(ctx, acct.ID, records.MustLookup("contacts"), all, records.Input{CustomerID: c.ID, Values: records.Values{"name": e, "email": e}}); err != nil {
					t.Fatal(err)
				}
			}
			camp, _ := db.CreateRecord(ctx, acct.ID, records.MustLookup("campaigns"), all, records.Input{CustomerID: c.ID, Values: records.Values{"name": "n", "subject": "s"}})
			if _, err := db.SendCampaign(ctx, acct.ID, camp.ID, func(int64) access.Scope { return access.All() }, all); err != nil {
				t.Fatal(err)
			}
			mail, err := db.PendingMail(ctx, 10)
			if err != nil || len(mail) != 2 {
				t.Fatalf("pending %d (%v), want 2", len(mail), err)
			}
			if err := db.MarkMail(ctx, mail[0].ID, nil); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				db.MarkMail(ctx, mail[1].ID, context.DeadlineExceeded)
			}
			if left, _ := db.PendingMail(ctx, 10); len(left) != 0 {
				t.Fatalf("still pending after sending one and failing the other five times: %v", left)
			}
			var status string
			db.SQL().QueryRow(`SELECT status FROM outbox WHERE id = ` + strconv.FormatInt(mail[1].ID, 10)).Scan(&status)
			if status != "failed" {
				t.Fatalf("status %q, want failed", status)
			}
		})
	}
}
