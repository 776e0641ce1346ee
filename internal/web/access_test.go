package web_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// reviewAccount: Acme and Beta; one user per way of reaching (or not
// reaching) Acme.
func reviewAccount(t *testing.T) (e *env, acme, beta int64) {
	e = newEnv(t)
	acme, beta = e.customer("Acme Dental"), e.customer("Beta Logistics")
	acmeIT := e.group(gatehouse.SecurityGroup{Name: "Acme IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "assets.view", "assets.edit"}})
	betaIT := e.group(gatehouse.SecurityGroup{Name: "Beta IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{beta},
		Permissions: []string{"customers.view", "tickets.view"}})
	techs := e.group(gatehouse.SecurityGroup{Name: "Techs", AccessType: gatehouse.AllCustomers, Permissions: []string{"tickets.view"}})
	nothing := e.group(gatehouse.SecurityGroup{Name: "Account only", AccessType: gatehouse.AllCustomers, Permissions: []string{"users.view"}})
	e.user("acme@test.example", false, acmeIT)
	e.user("beta@test.example", false, betaIT)
	e.user("tech@test.example", false, techs)
	e.user("accountonly@test.example", false, nothing)
	off := e.user("gone@test.example", false, acmeIT)
	disabled := true
	if _, err := e.db.UpdateUser(e.ctx, e.account, off.ID, gatehouse.UserUpdate{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	// Two groups pairing per group: assets on Beta and tickets on Acme
	// must not add up to assets on Acme.
	mixA := e.group(gatehouse.SecurityGroup{Name: "Mix A", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{beta},
		Permissions: []string{"assets.edit"}})
	mixB := e.group(gatehouse.SecurityGroup{Name: "Mix B", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"tickets.view"}})
	e.user("mix@test.example", false, mixA, mixB)
	return e, acme, beta
}

var dataUserRE = regexp.MustCompile(`data-user="([^"]+)"`)

func TestAccessReviewListsExactlyTheUsersCheckLetsIn(t *testing.T) {
	e, acme, beta := reviewAccount(t)
	c := e.signedIn("admin@test.example")
	subjects, err := e.db.AccountSubjects(e.ctx, e.account)
	if err != nil {
		t.Fatal(err)
	}
	for _, cu := range []int64{acme, beta} {
		var want []string
		for _, s := range subjects {
			g := access.Compile(s.Subject, time.Now())
			for _, p := range catalog.All() {
				if p.CustomerScoped && g.Check(p.Index, cu) {
					want = append(want, s.User.Email)
					break
				}
			}
		}
		res := c.get(fmt.Sprintf("/customers/%d/access", cu))
		if res.status != http.StatusOK {
			t.Fatalf("status %d", res.status)
		}
		var got []string
		for _, m := range dataUserRE.FindAllStringSubmatch(res.body, -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("customer %d: the review lists %q, Check lets in %q", cu, got, want)
		}
	}
	acmePage := c.get(fmt.Sprintf("/customers/%d/access", acme)).body
	for _, absent := range []string{"beta@test.example", "gone@test.example", "accountonly@test.example"} {
		if strings.Contains(acmePage, absent) {
			t.Errorf("%s is listed on Acme's review", absent)
		}
	}
	mixRow := regexp.MustCompile(`(?s)<tr data-user="mix@test.example">.*?</tr>`).FindString(acmePage)
	if !strings.Contains(mixRow, "Tickets: View") || strings.Contains(mixRow, "Assets: Edit") {
		t.Errorf("the review pairs permissions and customers across groups: %s", mixRow)
	}

	csvRes := c.get(fmt.Sprintf("/customers/%d/access.csv", acme))
	if !strings.HasPrefix(csvRes.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV content type %q", csvRes.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(csvRes.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for _, r := range rows[1:] {
		users[r[1]] = true
	}
	for _, m := range dataUserRE.FindAllStringSubmatch(acmePage, -1) {
		if !users[m[1]] {
			t.Errorf("%s is on the page but not in the CSV", m[1])
		}
	}
	if len(users) != len(dataUserRE.FindAllStringSubmatch(acmePage, -1)) {
		t.Errorf("the CSV lists %d users, the page %d", len(users), len(dataUserRE.FindAllStringSubmatch(acmePage, -1)))
	}
}

func TestAccessPagesNeedUsersViewAndStayInScope(t *testing.T) {
	e, acme, beta := reviewAccount(t)
	// users.view is account-wide; customers.view on Acme only.
	g := e.group(gatehouse.SecurityGroup{Name: "Reviewers", AccessType: gatehouse.AllCustomers, Permissions: []string{"users.view"}})
	seeAcme := e.group(gatehouse.SecurityGroup{Name: "See Acme", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view"}})
	e.user("reviewer@test.example", false, g, seeAcme)
	c := e.signedIn("reviewer@test.example")
	if res := c.get(fmt.Sprintf("/customers/%d/access", acme)); res.status != http.StatusOK {
		t.Fatalf("in-scope review: %d", res.status)
	}
	out, missing := c.get(fmt.Sprintf("/customers/%d/access", beta)), c.get(fmt.Sprintf("/customers/%d/access", beta+1000))
	if out.status != http.StatusNotFound || out.body != missing.body {
		t.Fatalf("an out-of-scope review answers %d, unlike a missing one", out.status)
	}
	if res := c.get(fmt.Sprintf("/customers/%d/access.csv", beta)); res.status != http.StatusNotFound {
		t.Fatalf("an out-of-scope review CSV answers %d", res.status)
	}
	svg := c.get("/access/map.svg")
	if svg.status != http.StatusOK || svg.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("map: %d %q", svg.status, svg.header.Get("Content-Type"))
	}
	if !strings.Contains(svg.body, "Acme Dental") || strings.Contains(svg.body, "Beta Logistics") {
		t.Fatal("the map's columns are not the customers the caller can see")
	}
	if page := c.get("/access/map?by=groups&q=acme"); page.status != http.StatusOK || !strings.Contains(page.body, `src="/access/map.svg?by=groups&amp;q=acme"`) {
		t.Fatalf("the map page does not embed the filtered picture: %d", page.status)
	}

	co := e.signedIn("acme@test.example")
	for _, p := range []string{fmt.Sprintf("/customers/%d/access", acme), "/access/map", "/access/map.svg", "/access/explain",
		fmt.Sprintf("/users/%d/access", e.admin.ID), "/audit"} {
		if res := co.get(p); res.status != http.StatusForbidden {
			t.Errorf("%s: %d for a user without the permission", p, res.status)
		}
	}
	home := co.get("/").body
	for _, hidden := range []string{"/access/map", "/access/explain", "/audit"} {
		if strings.Contains(home, `href="`+hidden+`"`) {
			t.Errorf("%s is in the navigation of a user who may not open it", hidden)
		}
	}
	if strings.Contains(co.get(fmt.Sprintf("/customers/%d", acme)).body, "/access\"") {
		t.Error("the customer page links the access review for a user without users.view")
	}
	admin := e.signedIn("admin@test.example").get("/").body
	for _, shown := range []string{"/access/map", "/access/explain", "/audit"} {
		if !strings.Contains(admin, `href="`+shown+`"`) {
			t.Errorf("%s missing from the admin's navigation", shown)
		}
	}
}

func TestEffectiveAccessAndExplainAgreeWithTheEngine(t *testing.T) {
	e, acme, beta := reviewAccount(t)
	c := e.signedIn("admin@test.example")
	mix, err := e.db.UserByEmail(e.ctx, e.account, "mix@test.example")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.get(fmt.Sprintf("/users/%d", mix.ID)).body, fmt.Sprintf(`href="/users/%d/access"`, mix.ID)) {
		t.Error("the user page does not link the effective access")
	}
	eff := c.get(fmt.Sprintf("/users/%d/access", mix.ID)).body
	for _, want := range []string{`data-permission="assets.edit"`, `data-permission="tickets.view"`, "Mix A", "Mix B"} {
		if !strings.Contains(eff, want) {
			t.Errorf("effective access misses %s", want)
		}
	}
	if strings.Contains(eff, `data-permission="assets.view"`) {
		t.Error("effective access shows a permission no group grants")
	}

	subject, _, err := e.db.Subject(e.ctx, e.account, mix.ID)
	if err != nil {
		t.Fatal(err)
	}
	g := access.Compile(subject, time.Now())
	for _, tc := range []struct {
		perm     string
		customer int64
	}{{"assets.edit", beta}, {"assets.edit", acme}, {"tickets.view", acme}, {"tickets.view", beta}, {"invoices.view", acme}} {
		t.Run(tc.perm+" on "+fmt.Sprint(tc.customer), func(t *testing.T) {
			res := c.get(fmt.Sprintf("/access/explain?user=%d&permission=%s&customer=%d", mix.ID, tc.perm, tc.customer))
			want := "Denied"
			if g.Check(catalog.MustLookup(tc.perm), tc.customer) {
				want = "Allowed"
			}
			m := regexp.MustCompile(`<h2 id="decision-heading">(\w+)</h2>`).FindStringSubmatch(res.body)
			if res.status != http.StatusOK || m == nil || m[1] != want {
				t.Fatalf("status %d, decision %v, Check says %s", res.status, m, want)
			}
		})
	}
	bad := c.get(fmt.Sprintf("/access/explain?user=%d&permission=nope.nope&customer=%d", mix.ID, acme))
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `href="#f-permission"`) {
		t.Fatalf("an unknown permission answers %d without naming the field", bad.status)
	}
	noCustomer := c.get(fmt.Sprintf("/access/explain?user=%d&permission=assets.view", mix.ID))
	if noCustomer.status != http.StatusBadRequest || !strings.Contains(noCustomer.body, `href="#f-customer"`) {
		t.Fatalf("a customer-scoped permission without a customer answers %d", noCustomer.status)
	}
}

// auditedAccount has events on Acme, on Beta and at account level.
func auditedAccount(t *testing.T) (e *env, acme, beta int64) {
	e = newEnv(t)
	acme, beta = e.customer("Acme Dental"), e.customer("Beta Logistics")
	admin := e.signedIn("admin@test.example")
	for _, id := range []int64{acme, beta} {
		if res := admin.postForm(fmt.Sprintf("/customers/%d", id), url.Values{"name": {fmt.Sprintf("Renamed %d", id)}, "notes": {"audited"}}); res.status != http.StatusSeeOther {
			t.Fatalf("rename: %d", res.status)
		}
	}
	g := e.group(gatehouse.SecurityGroup{Name: "Acme auditors", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "audit_log.view"}})
	e.user("auditor@test.example", false, g)
	return e, acme, beta
}

func auditCustomers(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`data-customer="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestAScopedAuditorSeesOnlyTheirCustomersEvents(t *testing.T) {
	e, acme, beta := auditedAccount(t)
	c := e.signedIn("auditor@test.example")
	res := c.get("/audit")
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	got := auditCustomers(res.body)
	if len(got) == 0 {
		t.Fatal("the auditor sees no events at all")
	}
	for _, cu := range got {
		if cu != fmt.Sprintf("Renamed %d", acme) {
			t.Fatalf("the scoped auditor sees an event of %q", cu)
		}
	}
	if strings.Contains(res.body, fmt.Sprintf("Renamed %d", beta)) || strings.Contains(res.body, "Beta Logistics") {
		t.Fatal("Beta's name leaks into the scoped audit page")
	}
	if f := c.get(fmt.Sprintf("/audit?customer=%d", beta)); f.status != http.StatusOK || len(auditCustomers(f.body)) != 0 {
		t.Fatalf("filtering on an out-of-scope customer answers %d with %q", f.status, auditCustomers(f.body))
	}
	rows, err := csv.NewReader(strings.NewReader(c.get("/audit.csv").body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if r[8] != fmt.Sprint(acme) {
			t.Fatalf("the CSV holds an event of customer %q", r[8])
		}
	}
	if len(rows)-1 != len(got) {
		t.Fatalf("the CSV has %d entries, the page %d", len(rows)-1, len(got))
	}

	all := e.signedIn("admin@test.example").get("/audit").body
	if !strings.Contains(all, `data-customer="— (account)"`) || !strings.Contains(all, fmt.Sprintf("Renamed %d", beta)) {
		t.Fatal("an all-customers holder misses account-level or Beta events")
	}
}

func TestAuditPageFiltersAndPages(t *testing.T) {
	e, acme, _ := auditedAccount(t)
	admin := e.signedIn("admin@test.example")
	for i := range 60 {
		if res := admin.postForm(fmt.Sprintf("/customers/%d", acme), url.Values{"name": {fmt.Sprintf("Acme v%d", i)}}); res.status != http.StatusSeeOther {
			t.Fatalf("rename: %d", res.status)
		}
	}
	first := admin.get(fmt.Sprintf("/audit?action=customer.update&customer=%d", acme))
	actions := regexp.MustCompile(`data-action="([^"]+)"`).FindAllStringSubmatch(first.body, -1)
	if len(actions) != 50 {
		t.Fatalf("first page holds %d entries, want 50", len(actions))
	}
	for _, a := range actions {
		if a[1] != "customer.update" {
			t.Fatalf("the action filter let %s through", a[1])
		}
	}
	next := regexp.MustCompile(`href="(/audit\?[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil || !strings.Contains(next[1], "action=customer.update") {
		t.Fatal("no next-page link keeping the filter")
	}
	second := admin.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := len(regexp.MustCompile(`data-action="customer.update"`).FindAllString(second.body, -1)); n != 11 {
		t.Fatalf("second page holds %d entries, want 11", n)
	}

	// The web's own changes name their actor and address.
	entries, err := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "customer.update", Limit: 1})
	if err != nil || len(entries.Items) != 1 || entries.Items[0].Actor.Email != "admin@test.example" || entries.Items[0].Actor.IP == "" {
		t.Fatalf("a change made through the web is attributed to %+v (%v)", entries.Items, err)
	}

	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if n := auditCustomers(admin.get("/audit?since=" + tomorrow).body); len(n) != 0 {
		t.Fatalf("entries from tomorrow on: %q", n)
	}
	if bad := admin.get("/audit?since=yesterday"); bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `href="#f-since"`) {
		t.Fatalf("a bad date answers %d without naming the field", bad.status)
	}
}

// The audit page never shows a viewer the field values of an area they
// are not granted on that customer: an auditor of Acme without
// credentials.view reads no credential's name or username there, while
// the values of an area they hold (scripts) still show.
func TestTheAuditPageShowsNoValuesOfAreasTheViewerIsNotGranted(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	e.record("scripts", acme, records.Values{"name": "visible-script-name", "body": "echo"})
	e.record("credentials", acme, records.Values{"name": "vault-entry-name", "username": "vault-root-user"})
	g := e.group(gatehouse.SecurityGroup{Name: "Acme auditors", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"audit_log.view", "scripts.view"}})
	e.user("auditor@test.example", false, g)
	c := e.signedIn("auditor@test.example")
	for _, p := range []string{"/audit", "/audit.csv"} {
		body := html.UnescapeString(c.get(p).body)
		if !strings.Contains(body, "visible-script-name") {
			t.Errorf("%s: the values of a granted area are missing", p)
		}
		for _, value := range []string{"vault-entry-name", "vault-root-user"} {
			if strings.Contains(body, value) {
				t.Errorf("%s: an auditor without credentials.view reads %q", p, value)
			}
		}
	}
}
