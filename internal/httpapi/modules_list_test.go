package httpapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/records"
)

type listPage struct {
	Items []struct {
		ID         string  `json:"id"`
		CustomerID *string `json:"customer_id"`
		Name       string  `json:"name"`
		Kind       string  `json:"kind"`
	} `json:"items"`
	NextCursor  *string `json:"next_cursor"`
	PrevCursor  *string `json:"prev_cursor"`
	Total       *int    `json:"total"`
	TotalCapped *bool   `json:"total_capped"`
}

// The list parameters sort, order, customer_id, filters, cursors both
// ways and total, over HTTP, within the caller's scope.
func TestModuleListParameters(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		a, b, c := w.customer(w.acct.ID, "Alpha"), w.customer(w.acct.ID, "Bravo"), w.customer(w.acct.ID, "Charlie")
		kinds := []string{"laptop", "server", "printer"}
		for i := range 30 {
			w.rec("assets", []int64{a, b, c}[i%3], records.Values{"name": fmt.Sprintf("HOST-%02d", i%10), "kind": kinds[i%3]})
		}
		tech := w.scoped("tech@a-msp.example", []int64{a, b}, "assets.view")

		t.Run("pages by kind descending, both ways, within scope", func(t *testing.T) {
			var seen []string
			cursor := ""
			var last listPage
			for {
				var p listPage
				w.want(200, tech, "GET", "/api/v1/assets?sort=kind&order=desc&limit=7&cursor="+url.QueryEscape(cursor), nil, &p)
				for _, it := range p.Items {
					if *it.CustomerID == id(c) {
						t.Fatalf("asset %s of an out-of-scope customer", it.ID)
					}
					seen = append(seen, it.Kind+"/"+it.ID)
				}
				last = p
				if p.NextCursor == nil {
					break
				}
				cursor = *p.NextCursor
			}
			if len(seen) != 20 || !slices.IsSortedFunc(seen, func(x, y string) int { return -strings.Compare(x[:strings.Index(x, "/")], y[:strings.Index(y, "/")]) }) {
				t.Fatalf("got %v", seen)
			}
			var back listPage
			w.want(200, tech, "GET", "/api/v1/assets?sort=kind&order=desc&limit=7&cursor="+url.QueryEscape(*last.PrevCursor), nil, &back)
			if len(back.Items) != 7 || back.Items[0].Kind+"/"+back.Items[0].ID != seen[7] {
				t.Fatalf("the page before the last starts at %+v, want %s", back.Items, seen[7])
			}
		})

		t.Run("filters by customer and kind, and counts", func(t *testing.T) {
			var p listPage
			w.want(200, tech, "GET", "/api/v1/assets?customer_id="+id(a)+"&kind=laptop&total=true", nil, &p)
			if len(p.Items) != 10 || p.Total == nil || *p.Total != 10 || *p.TotalCapped {
				t.Fatalf("got %d items, total %v", len(p.Items), p.Total)
			}
			// Another customer's filter lists nothing and counts nothing:
			// the same answer as a customer that does not exist.
			for _, other := range []int64{c, 999999} {
				var q listPage
				w.want(200, tech, "GET", "/api/v1/assets?customer_id="+id(other)+"&total=true", nil, &q)
				if len(q.Items) != 0 || *q.Total != 0 {
					t.Fatalf("customer %d: %d items, total %d", other, len(q.Items), *q.Total)
				}
			}
			var plain listPage
			w.want(200, tech, "GET", "/api/v1/assets", nil, &plain)
			if plain.Total != nil {
				t.Fatal("a total nobody asked for")
			}
		})

		t.Run("bad parameters are refused by name", func(t *testing.T) {
			for param, path := range map[string]string{
				"sort":        "/api/v1/assets?sort=serial",
				"order":       "/api/v1/assets?order=sideways",
				"customer_id": "/api/v1/assets?customer_id=abc",
				"kind":        "/api/v1/assets?kind=toaster",
				"total":       "/api/v1/assets?total=maybe",
				"cursor":      "/api/v1/assets?cursor=nonsense",
			} {
				raw := w.want(400, tech, "GET", path, nil, nil)
				if !strings.Contains(string(raw), `"field":"`+param+`"`) {
					t.Errorf("%s: %s", path, raw)
				}
			}
		})

		t.Run("global search needs three characters", func(t *testing.T) {
			w.want(400, tech, "GET", "/api/v1/search?q=ho", nil, nil)
			var hits struct{ Items []struct{ Type, ID string } }
			w.want(200, tech, "GET", "/api/v1/search?q=host-0", nil, &hits)
			if len(hits.Items) == 0 {
				t.Fatal("no hits")
			}
		})
	})
}
