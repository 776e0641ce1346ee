package web_test

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// A co-managed user of the demo account — every module, Acme Dental only —
// opens every page of the route table, each {id} filled with one of Acme
// Dental's records (or a shared one), plus the pickers' searches. No page
// names another customer or shows a title of another customer's record;
// and every {id} page, opened with another customer's record (or the
// MSP's own), answers exactly as for a record that does not exist: 404.
func TestCoManagedPagesNameNothingOutOfScope(t *testing.T) {
	d := newDemoEnv(t)
	e := d.env
	acme, ok := customerNamed(e, "Acme Dental")
	if !ok {
		t.Fatal("no Acme Dental in the demo")
	}
	g, ok := e.groupByName("Acme Dental IT")
	if !ok {
		t.Fatal("no Acme Dental IT group in the demo")
	}
	me := e.user("acme-it@test.example", false, g.ID)
	c := e.signedIn("acme-it@test.example")

	// What must not show: other customers' names, and the titles of their
	// records that no in-scope record shares.
	all, err := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var forbidden []string
	for _, cu := range all.Items {
		if cu.ID != acme {
			forbidden = append(forbidden, cu.Name)
		}
	}
	var inScope strings.Builder // every text of the records the user may see
	mine := map[string]int64{}
	outTitles := map[string]bool{}
	everything := records.Reach{Customers: access.All(), Library: true}
	for _, m := range records.All() {
		f, ok := m.Field(m.Title)
		if !ok || f.Kind != records.String {
			continue
		}
		page, err := e.db.ListRecords(e.ctx, e.account, m, gatehouse.ListFilter{Limit: 500}, everything)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Items {
			title, _ := rec.Values[m.Title].(string)
			if rec.CustomerID == acme || (rec.CustomerID == 0 && m.Ownership == records.SharedLibrary) {
				for _, v := range rec.Values {
					fmt.Fprintln(&inScope, v)
				}
				if m.Lines {
					full, err := e.db.Record(e.ctx, e.account, m, rec.ID, everything)
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range full.Lines {
						fmt.Fprintln(&inScope, l.Description)
					}
				}
				if _, ok := mine[m.Key]; !ok {
					mine[m.Key] = rec.ID
				}
			} else if len(title) >= 6 {
				outTitles[title] = true
			}
		}
	}
	theirs := outOfScope(t, e, acme)
	for _, title := range d.renamed { // the audit log keeps the names before
		fmt.Fprintln(&inScope, title)
	}
	for title := range outTitles {
		if !strings.Contains(inScope.String(), title) {
			forbidden = append(forbidden, title)
		}
	}

	opened, refused := 0, 0
	for _, rt := range e.web.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method != "GET" || rt.Need.Permission == authz.Public || strings.HasPrefix(path, "/static/") {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		pattern := path
		if strings.Contains(path, "{id}") {
			seg := strings.Split(path, "/")[1]
			var id int64
			switch seg {
			case "customers":
				id = acme
			case "security-groups":
				id = g.ID
			case "users":
				id = me.ID
			default:
				var ok bool
				if id, ok = mine[seg]; !ok {
					id = d.record[seg] // none in scope: the page must refuse it
				}
			}
			path = strings.Replace(path, "{id}", fmt.Sprint(id), 1)
		}
		var ownStatus int
		for _, p := range []string{path, path + "?q=e"} {
			res := c.get(p)
			if res.status == http.StatusOK {
				opened++
			}
			if p == path {
				ownStatus = res.status
			}
			body := html.UnescapeString(res.body)
			for _, name := range forbidden {
				if strings.Contains(body, name) {
					t.Errorf("%s (%d) shows %q", p, res.status, name)
				}
			}
		}
		seg := strings.Split(pattern, "/")[1]
		if !strings.Contains(pattern, "{id}") || len(theirs[seg]) == 0 {
			continue
		}
		missing := c.get(strings.Replace(pattern, "{id}", "999999999", 1))
		for _, id := range theirs[seg] {
			p := strings.Replace(pattern, "{id}", fmt.Sprint(id), 1)
			res := c.get(p)
			switch {
			case ownStatus == http.StatusOK && res.status != http.StatusNotFound:
				t.Errorf("%s, out of scope, answers %d; its in-scope page opens: want 404", p, res.status)
			case res.status != missing.status || res.body != missing.body:
				t.Errorf("%s, out of scope, answers %d unlike a missing record (%d)", p, res.status, missing.status)
			case res.status == http.StatusNotFound:
				refused++
			}
		}
	}
	if opened < 40 {
		t.Fatalf("only %d pages opened", opened)
	}
	t.Logf("%d pages opened, %d out-of-scope record pages answered 404", opened, refused)
	if refused < 20 {
		t.Fatalf("only %d out-of-scope pages answered 404", refused)
	}
}

// outOfScope picks, for customers and each module, records a user
// confined to customer acme must not reach: one of another customer and,
// for a module whose records may have no customer, one of the MSP's own
// when the module restricts those.
func outOfScope(t *testing.T, e *env, acme int64) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	all, err := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, cu := range all.Items {
		if cu.ID != acme {
			out["customers"] = []int64{cu.ID}
			break
		}
	}
	everything := records.Reach{Customers: access.All(), Library: true}
	for _, m := range records.All() {
		page, err := e.db.ListRecords(e.ctx, e.account, m, gatehouse.ListFilter{Limit: 500}, everything)
		if err != nil {
			t.Fatal(err)
		}
		other, msp := int64(0), int64(0)
		for _, rec := range page.Items {
			switch {
			case rec.CustomerID != 0 && rec.CustomerID != acme && other == 0:
				other = rec.ID
			case rec.CustomerID == 0 && m.Ownership == records.Restricted && msp == 0:
				msp = rec.ID
			}
		}
		for _, id := range []int64{other, msp} {
			if id != 0 {
				out[m.Key] = append(out[m.Key], id)
			}
		}
		if other == 0 {
			t.Errorf("the demo has no %s of a customer other than Acme Dental", m.Key)
		}
	}
	return out
}

func customerNamed(e *env, name string) (int64, bool) {
	page, err := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{Q: name, Limit: 10})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, cu := range page.Items {
		if cu.Name == name {
			return cu.ID, true
		}
	}
	return 0, false
}

// Every answer of the web admin with content — pages, their CSV and
// picture, the search and error pages — forbids caching (pages carry
// names and secrets), framing and content sniffing; pages also carry the
// content security policy. (A 303 redirect is not stored without an
// explicit freshness, and carries nothing.)
func TestEveryAnswerForbidsCachingAndFraming(t *testing.T) {
	d := newDemoEnv(t)
	c := d.signedIn("admin@test.example")
	paths := append(d.pages(t), "/customers/search?q=a", "/audit.csv", "/access/map.svg",
		fmt.Sprintf("/customers/%d/access.csv", d.customer), "/no/such/page")
	weak := map[string][]string{} // a weak policy and its problems → the pages with it
	for _, p := range paths {
		res := c.get(p)
		if res.status >= 500 {
			t.Errorf("%s: status %d", p, res.status)
		}
		h := res.header
		if cc := h.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q", p, res.status, cc)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Frame-Options %q, X-Content-Type-Options %q", p, h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			if problems := cspProblems(h); len(problems) > 0 {
				key := fmt.Sprintf("%q: %s", h.Values("Content-Security-Policy"), strings.Join(problems, "; "))
				weak[key] = append(weak[key], p)
			}
		}
	}
	for policy, pages := range weak {
		t.Errorf("Content-Security-Policy %s — on %d pages: %v", policy, len(pages), pages)
	}
	res := d.client().get("/signin")
	if res.header.Get("Cache-Control") != "no-store" || res.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("the sign-in page: Cache-Control %q, X-Frame-Options %q", res.header.Get("Cache-Control"), res.header.Get("X-Frame-Options"))
	}
	for _, problem := range cspProblems(res.header) {
		t.Errorf("the sign-in page: Content-Security-Policy: %s", problem)
	}
}
