package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
)

// The list and search queries must be ones PostgreSQL can answer from
// the indexes built for them. On a small test table the planner would
// rightly prefer a sequential scan, so sequential scans are priced out
// and the test checks which index each read of assets then takes: a
// query shape no index serves (a lost index, a condition written so no
// index applies) fails here without timing anything.
func TestListPlansUseTheirIndexes(t *testing.T) {
	if dbtest.PostgresDSN(t) == "" {
		t.Skip("GATEHOUSE_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	db := dbtest.OpenPostgres(t)
	ds, err := gen.Generate(gen.Options{Seed: 5, Customers: 400, Groups: 3, Users: 1, Assets: 8000, Account: "Plans"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	explain := func(q string, args ...any) string {
		rows, err := conn.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatalf("%v: %s", err, q)
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var l string
			rows.Scan(&l)
			lines = append(lines, l)
		}
		return strings.Join(lines, "\n")
	}
	reads := regexp.MustCompile(`(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( Backward)? (using (\w+) )?on assets`)
	spread := func(k int) access.Scope {
		if k == 1 {
			// The busiest customer, so that a later page exists whatever
			// the generator drew.
			n := make([]int, len(ds.Customers))
			for _, c := range ds.AssetCustomer {
				n[c]++
			}
			return access.Only(ds.Customers[slices.Index(n, slices.Max(n))].ID)
		}
		ids := make([]int64, k)
		for i := range ids {
			ids[i] = ds.Customers[i*len(ds.Customers)/k].ID
		}
		return access.Only(ids...)
	}
	assets := records.MustLookup("assets")
	for _, sc := range []struct {
		name  string
		scope access.Scope
		index string // %s: "_" and the sort key, or "" for name
	}{
		{"one customer", spread(1), "assets_by_customer%s"},
		{"50 customers", spread(50), "assets_by_customer%s"},
		{"all customers", access.All(), "assets_by%s"},
	} {
		for _, key := range assets.SortKeys() {
			for _, later := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s by %s later=%v", sc.name, key, later), func(t *testing.T) {
					suffix := "_" + key
					if key == "name" {
						suffix = map[bool]string{true: "", false: "_name"}[strings.HasPrefix(sc.index, "assets_by_customer")]
					}
					want := fmt.Sprintf(sc.index, suffix)
					reach := records.Reach{Customers: sc.scope}
					f := gatehouse.ListFilter{Sort: key, Desc: later, Limit: 5}
					if later {
						page, err := db.ListRecords(ctx, ds.AccountID, assets, f, reach)
						if err != nil || page.NextCursor == "" {
							t.Fatalf("first page: %v", err)
						}
						f.Cursor = page.NextCursor
					}
					q, args, err := db.ListQuery(ctx, ds.AccountID, assets, f, reach)
					if err != nil {
						t.Fatal(err)
					}
					p := explain(q, args...)
					found := false
					for _, m := range reads.FindAllStringSubmatch(p, -1) {
						if m[4] == "assets_pkey" {
							continue // the page's rows, by id
						}
						if m[4] != want {
							t.Fatalf("reads %q, want %s:\n%s", m[0], want, p)
						}
						found = true
					}
					if !found {
						t.Fatalf("no read of %s:\n%s", want, p)
					}
					if later && !strings.Contains(p, "ROW("+key+", id)") && !strings.Contains(p, "(ROW(assets."+key) && !strings.Contains(p, key+", id) <") && !strings.Contains(p, key+", id) >") {
						t.Fatalf("a later page does not seek past the cursor:\n%s", p)
					}
				})
			}
		}
	}
	t.Run("text search reads the trigram index", func(t *testing.T) {
		conn.ExecContext(ctx, "SET enable_bitmapscan = on")
		cols := assets.SearchFields()
		q := `SELECT id FROM assets WHERE ` + sqldb.SearchExpr(cols) + ` LIKE $1 ESCAPE '\' AND account_id = $2`
		p := explain(q, "%ws-12%", ds.AccountID)
		if !strings.Contains(p, "assets_search") {
			t.Fatalf("the search does not use assets_search:\n%s", p)
		}
	})
}
