package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

var rowTitleRE = regexp.MustCompile(`<td><a href="/tickets/\d+">(?:#\d+ )?([^<]*)</a></td>`)

// A module list sorts by its columns, filters by customer and status,
// pages both ways and shows the filtered total — all in the store's query
// and within the caller's reach: a customer outside it filters to nothing.
func TestModuleListsSortFilterPageAndCount(t *testing.T) {
	e := newEnv(t)
	x, y := e.customer("Xenon"), e.customer("Yarrow")
	for i := range 60 {
		e.record("tickets", x, records.Values{"subject": fmt.Sprintf("X ticket %02d", i), "status": []string{"open", "closed"}[i%2]})
	}
	e.record("tickets", y, records.Values{"subject": "Y ticket"})
	admin := e.signedIn("admin@test.example")
	titles := func(body string) []string {
		var out []string
		for _, m := range rowTitleRE.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}

	res := admin.get("/tickets?sort=subject&order=desc")
	got := titles(res.body)
	if len(got) != 50 || got[0] != "Y ticket" || got[1] != "X ticket 59" {
		t.Fatalf("sorted by subject, descending: %q", got[:min(3, len(got))])
	}
	if !strings.Contains(res.body, "61 ticket records") || !strings.Contains(res.body, `aria-sort="descending"`) {
		t.Fatalf("no total or no sort mark: %.500s", res.body)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(res.body)
	if next == nil {
		t.Fatal("no next page")
	}
	page2 := admin.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if got := titles(page2.body); len(got) != 11 || got[0] != "X ticket 10" {
		t.Fatalf("page 2: %q", got)
	}
	prev := regexp.MustCompile(`href="([^"]+)" rel="prev"`).FindStringSubmatch(page2.body)
	if prev == nil {
		t.Fatal("no previous page")
	}
	if back := titles(admin.get(strings.ReplaceAll(prev[1], "&amp;", "&")).body); len(back) != 50 || back[0] != "Y ticket" {
		t.Fatalf("back to page 1: %q", back[:min(3, len(back))])
	}

	if got := titles(admin.get(fmt.Sprintf("/tickets?customer=%d&status=closed&sort=subject", x)).body); len(got) != 30 || got[0] != "X ticket 01" {
		t.Fatalf("Xenon's closed tickets: %d, first %q", len(got), got[:min(1, len(got))])
	}

	// A client's IT sees its own customer's tickets only; filtering by
	// another customer lists nothing, like a customer that does not exist.
	g := e.group(gatehouse.SecurityGroup{Name: "Yarrow IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{y},
		Permissions: []string{"tickets.view", "customers.view"}})
	e.user("it@yarrow.example", false, g)
	it := e.signedIn("it@yarrow.example")
	res = it.get(fmt.Sprintf("/tickets?customer=%d", x))
	if res.status != http.StatusOK || len(titles(res.body)) != 0 || strings.Contains(res.body, "Xenon") || !strings.Contains(res.body, "0 ticket records") {
		t.Fatalf("another customer's filter: %d %q", res.status, titles(res.body))
	}
	if got := titles(it.get("/tickets").body); len(got) != 1 || got[0] != "Y ticket" {
		t.Fatalf("Yarrow IT's tickets: %q", got)
	}
}
