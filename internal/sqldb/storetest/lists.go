package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
)

func listTests() []namedTest {
	return []namedTest{
		{"module lists return exactly the reach, in order, across pages both ways", testListReach},
		{"module lists filter by customer and field, and count within scope", testListFilters},
		{"shared-library and own records page with the rest", testListLibraryAndOwn},
		{"text search in lists and global search stays within the reach", testListSearch},
		{"list requests naming unknown sorts, filters or cursors are refused by field", testListInvalid},
	}
}

var modAssets = records.MustLookup("assets")

// listAccount loads a generated account of 150 customers and 900 assets
// (names and kinds repeat, so sort keys tie) plus assets named alike in
// several customers.
func listAccount(t *testing.T, db *sqldb.DB) (*gen.Dataset, []int64) {
	t.Helper()
	ds, err := gen.Generate(gen.Options{Seed: 11, Customers: 150, Groups: 3, Users: 2, Assets: 900, Account: "Listing MSP"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(ds.Customers))
	for i := range ds.Customers {
		ids[i] = ds.Customers[i].ID
	}
	everywhere := records.Reach{Customers: access.All()}
	for i := range 12 {
		c := ids[i*7]
		if _, err := db.CreateRecord(ctx, ds.AccountID, modAssets, everywhere, records.Input{CustomerID: c,
			Values: records.Values{"name": "SAME-NAME", "os": "", "kind": "server"}}); err != nil {
			t.Fatal(err)
		}
	}
	return ds, ids
}

// allRecords reads every record of m in the account with no limit on
// reach, by id: the ground truth the lists are checked against.
func allRecords(t *testing.T, db *sqldb.DB, accountID int64, m *records.Module) []records.Record {
	t.Helper()
	var out []records.Record
	f := gatehouse.ListFilter{Limit: 500}
	for {
		page, err := db.ListRecords(ctx, accountID, m, f, records.Reach{Customers: access.All(), Library: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

// expected orders the records a reach allows as the list must.
func expected(m *records.Module, all []records.Record, keep func(records.Record) bool, key string, desc bool) []int64 {
	var in []records.Record
	for _, r := range all {
		if keep(r) {
			in = append(in, r)
		}
	}
	f, _ := m.SortField(key)
	slices.SortFunc(in, func(a, b records.Record) int {
		c := 0
		switch {
		case key == records.IDSort:
		case f.TextSort():
			c = strings.Compare(a.Values.Str(key), b.Values.Str(key))
		case f.Kind == records.Time:
			c = a.Values.Time(key).Compare(b.Values.Time(key))
		default:
			c = cmp.Compare(a.Values.Int(key), b.Values.Int(key))
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			c = -c
		}
		return c
	})
	ids := make([]int64, len(in))
	for i, r := range in {
		ids[i] = r.ID
	}
	return ids
}

// pageAll reads a list forwards to its end, then backwards to its start,
// and checks both readings against want.
func pageAll(t *testing.T, db *sqldb.DB, accountID int64, m *records.Module, f gatehouse.ListFilter, want []int64, reaches ...records.Reach) {
	t.Helper()
	var got []int64
	var last gatehouse.Page[records.Record]
	pages := 0
	for {
		page, err := db.ListRecords(ctx, accountID, m, f, reaches...)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if pages > 0 && page.PrevCursor == "" && len(page.Items) > 0 {
			t.Fatalf("%+v: page %d has no previous-page cursor", f, pages)
		}
		for _, r := range page.Items {
			got = append(got, r.ID)
		}
		pages++
		last = page
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
		if pages > len(want)+2 {
			t.Fatalf("%+v: paging does not end", f)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%+v: forwards got %d records %v…, want %d %v…", f, len(got), head(got), len(want), head(want))
	}
	// Backwards from the last page: every page before it, in order.
	var back []int64
	if len(last.Items) > 0 {
		for _, r := range slices.Backward(last.Items) {
			back = append(back, r.ID)
		}
	}
	for cursor := last.PrevCursor; cursor != ""; {
		f.Cursor = cursor
		page, err := db.ListRecords(ctx, accountID, m, f, reaches...)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if page.NextCursor == "" {
			t.Fatalf("%+v: a page read backwards has no next-page cursor", f)
		}
		for _, r := range slices.Backward(page.Items) {
			back = append(back, r.ID)
		}
		cursor = page.PrevCursor
	}
	slices.Reverse(back)
	if !slices.Equal(back, want) {
		t.Fatalf("%+v: backwards got %d records %v…, want %d %v…", f, len(back), head(back), len(want), head(want))
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }

func testListReach(t *testing.T, db *sqldb.DB) {
	ds, ids := listAccount(t, db)
	all := allRecords(t, db, ds.AccountID, modAssets)
	if len(all) != 912 {
		t.Fatalf("%d assets", len(all))
	}
	spread := func(k int) []int64 {
		out := make([]int64, k)
		for i := range out {
			out[i] = ids[i*len(ids)/k]
		}
		return out
	}
	scopes := []struct {
		name  string
		scope access.Scope
	}{
		{"one customer", access.Only(ids[0])},
		{"50 customers, read one by one", access.Only(spread(50)...)},
		{"120 customers, walked", access.Only(spread(120)...)},
		{"all customers", access.All()},
		{"all but 30 customers", access.AllExcept(spread(30)...)},
	}
	for _, sc := range scopes {
		reach := records.Reach{Customers: sc.scope}
		keep := func(r records.Record) bool { return reach.Allows(r.CustomerID, 0) }
		for _, key := range modAssets.SortKeys() {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s by %s desc=%v", sc.name, key, desc), func(t *testing.T) {
					want := expected(modAssets, all, keep, key, desc)
					limit := 37
					if key == "kind" {
						limit = 7 // many ties: pages end inside a run of one value
					}
					pageAll(t, db, ds.AccountID, modAssets, gatehouse.ListFilter{Sort: key, Desc: desc, Limit: limit}, want, reach)
				})
			}
		}
	}
	t.Run("one record by id is found exactly within the reach", func(t *testing.T) {
		reach := records.Reach{Customers: access.Only(spread(50)...)}
		for _, r := range all[:200] {
			_, err := db.Record(ctx, ds.AccountID, modAssets, r.ID, reach)
			if reach.Allows(r.CustomerID, 0) != (err == nil) {
				t.Fatalf("asset %d of customer %d: %v", r.ID, r.CustomerID, err)
			}
			if err != nil && gatehouse.ErrorCode(err) != gatehouse.ENotFound {
				t.Fatalf("asset %d: %v", r.ID, err)
			}
		}
	})
}

func testListFilters(t *testing.T, db *sqldb.DB) {
	ds, ids := listAccount(t, db)
	all := allRecords(t, db, ds.AccountID, modAssets)
	scope := access.Only(ids[:80]...)
	reach := records.Reach{Customers: scope}
	inScope, outOfScope := ids[3], ids[100]
	cases := []struct {
		name string
		f    gatehouse.ListFilter
		keep func(records.Record) bool
	}{
		{"a customer in scope", gatehouse.ListFilter{CustomerID: inScope},
			func(r records.Record) bool { return r.CustomerID == inScope }},
		{"a customer out of scope lists nothing", gatehouse.ListFilter{CustomerID: outOfScope},
			func(records.Record) bool { return false }},
		{"a kind", gatehouse.ListFilter{Where: map[string]string{"kind": "laptop"}},
			func(r records.Record) bool { return reach.Allows(r.CustomerID, 0) && r.Values.Str("kind") == "laptop" }},
		{"a kind and a customer, sorted by os", gatehouse.ListFilter{Where: map[string]string{"kind": "server"}, CustomerID: ids[0], Sort: "os", Desc: true},
			func(r records.Record) bool { return r.CustomerID == ids[0] && r.Values.Str("kind") == "server" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, desc := tc.f.Sort, tc.f.Desc
			if key == "" {
				key = "name"
			}
			want := expected(modAssets, all, tc.keep, key, desc)
			f := tc.f
			f.Limit = 11
			pageAll(t, db, ds.AccountID, modAssets, f, want, reach)
			f.Total = true
			page, err := db.ListRecords(ctx, ds.AccountID, modAssets, f, reach)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(want) || page.TotalCapped {
				t.Fatalf("total %d (capped %v), want %d", page.Total, page.TotalCapped, len(want))
			}
		})
	}
}

func testListLibraryAndOwn(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "Library MSP")
	var cs []int64
	for i := range 4 {
		cs = append(cs, mustCustomer(t, db, a.ID, fmt.Sprintf("Customer %d", i)).ID)
	}
	u := mustUser(t, db, a.ID, "tech@library.example", false, nil)
	other := mustUser(t, db, a.ID, "other@library.example", false, nil)
	everywhere := records.Reach{Customers: access.All(), Library: true}
	scripts := records.MustLookup("scripts")
	for i := range 30 {
		in := records.Input{Values: records.Values{"name": fmt.Sprintf("Script %02d", i%9)}}
		if i%3 != 0 {
			in.CustomerID = cs[i%4]
		}
		if _, err := db.CreateRecord(ctx, a.ID, scripts, everywhere, in); err != nil {
			t.Fatal(err)
		}
	}
	tickets := records.MustLookup("tickets")
	for i := range 40 {
		owner := u.ID
		if i%2 == 0 {
			owner = other.ID
		}
		if _, err := db.CreateRecord(ctx, a.ID, tickets, everywhere, records.Input{CustomerID: cs[i%4],
			Values: records.Values{"subject": fmt.Sprintf("Ticket %d", i%5), "assignee_id": owner, "status": []string{"open", "closed"}[i%2]}}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		m     *records.Module
		reach records.Reach
	}{
		{"scripts of one customer and the library", scripts, records.Reach{Customers: access.Only(cs[1]), Library: true}},
		{"the library alone", scripts, records.Reach{Library: true}},
		{"scripts of every customer, no library", scripts, records.Reach{Customers: access.All()}},
		{"tickets of one customer and one's own of two others", tickets,
			records.Reach{Customers: access.Only(cs[0]), Own: access.Only(cs[1], cs[2]), OwnerID: u.ID}},
		{"one's own tickets only", tickets, records.Reach{Own: access.All(), OwnerID: u.ID}},
	}
	for _, tc := range cases {
		all := allRecords(t, db, a.ID, tc.m)
		keep := func(r records.Record) bool { return tc.reach.Allows(r.CustomerID, r.Owner(tc.m)) }
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", tc.name, desc), func(t *testing.T) {
				want := expected(tc.m, all, keep, tc.m.Order, desc)
				pageAll(t, db, a.ID, tc.m, gatehouse.ListFilter{Sort: tc.m.Order, Desc: desc, Limit: 4}, want, tc.reach)
				page, err := db.ListRecords(ctx, a.ID, tc.m, gatehouse.ListFilter{Total: true, Limit: 1}, tc.reach)
				if err != nil || page.Total != len(want) {
					t.Fatalf("total %d, want %d (%v)", page.Total, len(want), err)
				}
			})
		}
	}
}

func testListSearch(t *testing.T, db *sqldb.DB) {
	ds, ids := listAccount(t, db)
	all := allRecords(t, db, ds.AccountID, modAssets)
	reach := records.Reach{Customers: access.Only(ids[:40]...)}
	// Terms: a name prefix, a serial fragment, one that matches nothing,
	// a short one no trigram index serves, and one in another case.
	terms := []string{strings.ToLower(all[5].Values.Str("name")[:6]), all[17].Values.Str("serial")[2:8], "zzzq", "-L", "same-NAME"}
	for _, q := range terms {
		t.Run("list ?q="+q, func(t *testing.T) {
			lq := strings.ToLower(q)
			keep := func(r records.Record) bool {
				return reach.Allows(r.CustomerID, 0) && (strings.Contains(strings.ToLower(r.Values.Str("name")), lq) ||
					strings.Contains(strings.ToLower(r.Values.Str("serial")), lq))
			}
			want := expected(modAssets, all, keep, "name", false)
			pageAll(t, db, ds.AccountID, modAssets, gatehouse.ListFilter{Q: q, Limit: 9}, want, reach)
			if len(q) < 3 {
				return
			}
			hits, err := db.Search(ctx, ds.AccountID, q, reach.Customers, []records.SearchPart{{Module: modAssets, Reach: reach}}, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, h := range hits {
				if h.Module == "assets" {
					got = append(got, h.ID)
					if !reach.Allows(h.CustomerID, 0) {
						t.Fatalf("search hit %+v is out of scope", h)
					}
				}
			}
			if !slices.Equal(got, want[:min(10, len(want))]) {
				t.Fatalf("search %q: got %v, want %v", q, got, head(want))
			}
		})
	}
}

func testListInvalid(t *testing.T, db *sqldb.DB) {
	ds, _ := listAccount(t, db)
	reach := records.Reach{Customers: access.All()}
	page, err := db.ListRecords(ctx, ds.AccountID, modAssets, gatehouse.ListFilter{Sort: "kind", Limit: 5}, reach)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		f     gatehouse.ListFilter
	}{
		{"sort", gatehouse.ListFilter{Sort: "serial"}},
		{"sort", gatehouse.ListFilter{Sort: "customer_id"}},
		{"cursor", gatehouse.ListFilter{Cursor: "garbage"}},
		{"cursor", gatehouse.ListFilter{Cursor: page.NextCursor, Sort: "name"}},
		{"cursor", gatehouse.ListFilter{Cursor: page.NextCursor, Sort: "kind", Desc: true}},
		{"kind", gatehouse.ListFilter{Where: map[string]string{"kind": "toaster"}}},
		{"os", gatehouse.ListFilter{Where: map[string]string{"os": "Debian 12"}}},
	} {
		_, err := db.ListRecords(ctx, ds.AccountID, modAssets, tc.f, reach)
		var e *gatehouse.Error
		if !errors.As(err, &e) || e.Code != gatehouse.EInvalid || e.Field != tc.field {
			t.Errorf("%+v: got %v, want an invalid %s", tc.f, err, tc.field)
		}
	}
}
