package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
)

// The list queries' cost must follow the caller's scope, not the table.
// These tests pin the plans SQLite makes of them, so a change that loses
// an index (or a schema change that drops one) fails here, without
// timing anything: a small scope reads its customers' index ranges and
// merges them, a large one walks the sort key's index, neither sorts the
// table, and no plan scans a table.

func planDB(t *testing.T) (*sqldb.DB, *gen.Dataset) {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ds, err := gen.Generate(gen.Options{Seed: 5, Customers: 600, Groups: 3, Users: 1, Assets: 20_000, Account: "Plans"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Load(context.Background(), db, ds, gen.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	return db, ds
}

func plan(t *testing.T, db *sqldb.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.SQL().Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%v: %s", err, query)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// assetsAccess are the plan's lines that read the assets table.
var assetsAccess = regexp.MustCompile(`(?m)^(SEARCH|SCAN) assets\b.*$`)

func TestListPlansFollowTheScope(t *testing.T) {
	ctx := context.Background()
	for _, analyzed := range []bool{false, true} {
		db, ds := planDB(t)
		if analyzed {
			if _, err := db.SQL().Exec("ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		spread := func(k int) access.Scope {
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
			index string // the index every read of assets uses, %s the sort key
			seek  string // the constraint it seeks on
		}{
			{"one customer", spread(1), "assets_by_customer%s", "(account_id=? AND customer_id=?)"},
			{"50 customers", spread(50), "assets_by_customer%s", "(account_id=? AND customer_id=?)"},
			{"300 customers", spread(300), "assets_by%s", "(account_id=?)"},
			{"all customers", access.All(), "assets_by%s", "(account_id=?)"},
		} {
			for _, key := range assets.SortKeys() {
				suffix := "_" + key
				if key == "name" {
					suffix = map[bool]string{true: "", false: "_name"}[strings.HasPrefix(sc.index, "assets_by_customer")]
				}
				index := fmt.Sprintf(sc.index, suffix)
				for _, desc := range []bool{false, true} {
					name := fmt.Sprintf("analyzed=%v/%s/by %s desc=%v", analyzed, sc.name, key, desc)
					t.Run(name, func(t *testing.T) {
						reach := records.Reach{Customers: sc.scope}
						f := gatehouse.ListFilter{Sort: key, Desc: desc, Limit: 5}
						q, args, err := db.ListQuery(ctx, ds.AccountID, assets, f, reach)
						if err != nil {
							t.Fatal(err)
						}
						checkPlan(t, plan(t, db, q, args...), index, sc.seek, key, false)

						// A later page seeks past the cursor in the same index.
						page, err := db.ListRecords(ctx, ds.AccountID, assets, f, reach)
						if err != nil || page.NextCursor == "" {
							t.Fatalf("first page: %v", err)
						}
						f.Cursor = page.NextCursor
						q, args, _ = db.ListQuery(ctx, ds.AccountID, assets, f, reach)
						checkPlan(t, plan(t, db, q, args...), index, strings.TrimSuffix(sc.seek, ")"), key, true)
					})
				}
			}
		}
	}
}

// checkPlan requires every read of assets to seek index on seek, no read
// to scan the table, and no sort but the page's own (of at most a page
// of rows fetched by id).
func checkPlan(t *testing.T, p, index, seek, key string, later bool) {
	t.Helper()
	reads := assetsAccess.FindAllString(p, -1)
	if len(reads) == 0 {
		t.Fatalf("no read of assets in the plan:\n%s", p)
	}
	for _, r := range reads {
		if strings.Contains(r, "USING INTEGER PRIMARY KEY (rowid=?)") {
			continue // the page's rows, read by id
		}
		if !strings.Contains(r, " INDEX "+index+" ") || !strings.Contains(r, seek) {
			t.Fatalf("read %q, want index %s seeking %s; plan:\n%s", r, index, seek, p)
		}
		if later && key != "id" && !strings.Contains(r, key+">?") && !strings.Contains(r, key+"<?") && !strings.Contains(r, key+"=? AND id") {
			t.Fatalf("a later page reads %q without seeking past the cursor; plan:\n%s", r, p)
		}
	}
	if n := strings.Count(p, "USE TEMP B-TREE"); n > 1 || n == 1 && !strings.Contains(p, "USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Fatalf("the plan sorts rows it read by scope:\n%s", p)
	}
}

func TestSearchAndReadPlansUseIndexes(t *testing.T) {
	db, ds := planDB(t)
	query, args := dialect{}.SearchCandidates("assets", []string{"name", "serial"}, "ws-12", ds.AccountID)
	p := plan(t, db, query, args...)
	// "INDEX 0:M": FTS5 answers the MATCH from its index.
	if !strings.Contains(p, "assets_search VIRTUAL TABLE INDEX 0:M") || strings.Contains(p, "SCAN assets\n") {
		t.Fatalf("text search does not read the trigram index:\n%s", p)
	}
	// One record by id reads one row, whatever the scope.
	p = plan(t, db, `SELECT id FROM assets WHERE account_id = ? AND id = ?`, ds.AccountID, ds.AssetBase+1)
	if !strings.Contains(p, "SEARCH assets USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Fatalf("a read by id does not seek the primary key:\n%s", p)
	}
}
