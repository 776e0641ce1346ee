package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb/dbtest"
)

// randomAccount fills w's account with customers, groups of both kinds
// and users in 0–3 groups, some disabled or global admins.
func randomAccount(t *testing.T, w *world, seed uint64) (customers []int64, users []string) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < 8; i++ {
		customers = append(customers, w.customer(w.acct.ID, fmt.Sprintf("Customer %02d", i)))
	}
	perms := []string{"customers.view", "customers.edit", "assets.view", "tickets.view", "credentials.reveal"}
	var groups []int64
	for i := 0; i < 6; i++ {
		var ps []string
		for _, p := range perms {
			if r.IntN(2) == 0 {
				ps = append(ps, p)
			}
		}
		if i%3 == 0 {
			groups = append(groups, w.group(fmt.Sprintf("All %d", i), gatehouse.AllCustomers, nil, ps...))
			continue
		}
		var cs []int64
		for _, c := range customers {
			if r.IntN(3) == 0 {
				cs = append(cs, c)
			}
		}
		groups = append(groups, w.group(fmt.Sprintf("Select %d", i), gatehouse.SelectCustomers, cs, ps...))
	}
	for i := 0; i < 10; i++ {
		var gs []int64
		for n := r.IntN(4); n > 0; n-- {
			gs = append(gs, groups[r.IntN(len(groups))])
		}
		email := fmt.Sprintf("user%02d@test.example", i)
		w.newUser(w.acct.ID, email, i == 9, dedupIDs(gs)...)
		users = append(users, email)
	}
	return customers, users
}

func dedupIDs(in []int64) []int64 {
	out := []int64{}
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func userIDs(t *testing.T, w *world) map[string]string {
	var page struct{ Items []struct{ ID, Email string } }
	w.want(200, w.admin, "GET", "/api/v1/users?limit=500", nil, &page)
	out := map[string]string{}
	for _, u := range page.Items {
		out[u.Email] = u.ID
	}
	return out
}

// Explain must agree with what enforcement actually does: for every
// user and customer, "allowed" for customers.view exactly when the user's
// GET of that customer succeeds, and for customers.edit and view both
// exactly when their PATCH does (no one changes what they cannot see).
func TestExplainAgreesWithEnforcement(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		customers, users := randomAccount(t, w, 7)
		ids := userIDs(t, w)
		disabled := users[3]
		w.want(200, w.admin, "PATCH", "/api/v1/users/"+ids[disabled], map[string]any{"disabled": true}, nil)
		for _, email := range users {
			tok := ""
			if email != disabled {
				tok = w.login(email)
			}
			for _, c := range customers {
				canView := false
				for _, probe := range []struct{ perm, method string }{{"customers.view", "GET"}, {"customers.edit", "PATCH"}} {
					var ex struct {
						Allowed bool
						Reason  string
					}
					w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/access/explain?user=%s&permission=%s&customer=%d", ids[email], probe.perm, c), nil, &ex)
					var body any
					if probe.method == "PATCH" {
						body = map[string]any{}
					}
					status := 401
					if tok != "" {
						status, _, _ = w.do(tok, probe.method, "/api/v1/customers/"+id(c), body)
					}
					want := ex.Allowed
					if probe.perm == "customers.view" {
						canView = ex.Allowed
					} else {
						want = ex.Allowed && canView
					}
					if want != (status == 200) {
						t.Fatalf("%s %s on %d: explain allowed=%v (%s), enforcement answered %d", email, probe.perm, c, ex.Allowed, ex.Reason, status)
					}
					if email == disabled && ex.Reason != "user_disabled" {
						t.Fatalf("disabled user explained as %q", ex.Reason)
					}
				}
			}
		}
	})
}

func TestExplainSaysWhy(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		g := w.group("X techs", gatehouse.SelectCustomers, []int64{x}, "assets.view")
		w.newUser(w.acct.ID, "tech@test.example", false, g)
		uid := userIDs(t, w)["tech@test.example"]
		cases := []struct {
			perm     string
			customer int64
			allowed  bool
			reason   string
			group    string
		}{
			{"assets.view", x, true, "granted", "X techs"},
			{"assets.view", y, false, "other_customers", "X techs"},
			{"assets.edit", x, false, "not_held", ""},
		}
		for _, tc := range cases {
			var ex struct {
				Allowed   bool
				Reason    string
				Message   string
				Granting  []struct{ Name string } `json:"granting_groups"`
				Elsewhere []struct{ Name string } `json:"groups_for_other_customers"`
			}
			w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/access/explain?user=%s&permission=%s&customer=%d", uid, tc.perm, tc.customer), nil, &ex)
			names := ex.Granting
			if !tc.allowed {
				names = ex.Elsewhere
			}
			if ex.Allowed != tc.allowed || ex.Reason != tc.reason || ex.Message == "" || (tc.group != "" && (len(names) != 1 || names[0].Name != tc.group)) {
				t.Errorf("%s on %d: %+v", tc.perm, tc.customer, ex)
			}
		}
		w.want(400, w.admin, "GET", "/api/v1/access/explain?user="+uid+"&permission=assets.view", nil, nil)
		w.want(400, w.admin, "GET", "/api/v1/access/explain?user="+uid+"&permission=assets.fly&customer="+id(x), nil, nil)
		w.want(404, w.admin, "GET", "/api/v1/access/explain?user=999999&permission=assets.view&customer="+id(x), nil, nil)
	})
}

// The access review of a customer lists exactly the users whose Check
// passes for it (computed here user by user), with the right permissions.
func TestAccessReviewListsExactlyTheUsersCheckLetsIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		customers, _ := randomAccount(t, w, 11)
		ids := userIDs(t, w)
		ctx := context.Background()
		for _, c := range customers {
			want := map[string][]string{}
			for email, uid := range ids {
				var n int64
				fmt.Sscan(uid, &n)
				s, _, err := w.db.Subject(ctx, w.acct.ID, n)
				if err != nil {
					t.Fatal(err)
				}
				g := access.Compile(s, time.Now())
				for _, p := range catalog.All() {
					if p.CustomerScoped && g.Check(p.Index, c) {
						want[email] = append(want[email], p.Key)
					}
				}
			}
			var review struct {
				Users []struct {
					Email       string
					Permissions []struct{ Permission string }
				}
			}
			w.want(200, w.admin, "GET", "/api/v1/customers/"+id(c)+"/access", nil, &review)
			got := map[string][]string{}
			for _, u := range review.Users {
				for _, p := range u.Permissions {
					got[u.Email] = append(got[u.Email], p.Permission)
				}
			}
			if fmt.Sprint(sortedMap(got)) != fmt.Sprint(sortedMap(want)) {
				t.Fatalf("customer %d review:\n got %v\nwant %v", c, sortedMap(got), sortedMap(want))
			}
		}
		status, raw, hdr := w.do(w.admin, "GET", "/api/v1/customers/"+id(customers[0])+"/access?format=csv", nil)
		rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
		if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || err != nil || rows[0][1] != "email" {
			t.Fatalf("CSV export: %d %s %v", status, raw, err)
		}
	})
}

func sortedMap(m map[string][]string) []string {
	var out []string
	for k, v := range m {
		sort.Strings(v)
		out = append(out, k+"="+strings.Join(v, ","))
	}
	sort.Strings(out)
	return out
}

func TestAccessReviewAndMapStayInTheCallersScope(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "Visible Co"), w.customer(w.acct.ID, "Hidden Co")
		g := w.group("Reviewers", gatehouse.AllCustomers, nil, "users.view")
		sel := w.group("See X", gatehouse.SelectCustomers, []int64{x}, "customers.view")
		tok := w.login(w.newUser(w.acct.ID, "reviewer@test.example", false, g, sel))
		w.want(200, tok, "GET", "/api/v1/customers/"+id(x)+"/access", nil, nil)
		w.want(404, tok, "GET", "/api/v1/customers/"+id(y)+"/access", nil, nil)
		w.want(404, tok, "GET", fmt.Sprintf("/api/v1/access/explain?user=1&permission=assets.view&customer=%d", y), nil, nil)
		status, svg, hdr := w.do(tok, "GET", "/api/v1/access/map.svg", nil)
		if status != 200 || hdr.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(svg), "Visible Co") || strings.Contains(string(svg), "Hidden Co") {
			t.Fatalf("map: %d %s", status, svg)
		}
		if err := xml.Unmarshal(svg, new(struct{})); err != nil {
			t.Fatalf("map is not well-formed: %v", err)
		}
		if problem := svgPolicyProblem(hdr.Values("Content-Security-Policy")); problem != "" {
			t.Errorf("the map's Content-Security-Policy %q: %s", hdr.Values("Content-Security-Policy"), problem)
		}
		status, svg, _ = w.do(w.admin, "GET", "/api/v1/access/map.svg?by=groups&q="+url.QueryEscape("hidden"), nil)
		if status != 200 || !strings.Contains(string(svg), "Hidden Co") || strings.Contains(string(svg), "Visible Co") {
			t.Fatalf("filtered group map: %d %s", status, svg)
		}
	})
}

func TestAScopedAuditorSeesOnlyTheirCustomersEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "Audited X"), w.customer(w.acct.ID, "Audited Y")
		for _, c := range []int64{x, y} {
			w.want(200, w.admin, "PATCH", "/api/v1/customers/"+id(c), map[string]any{"notes": "changed"}, nil)
		}
		tok := w.scoped("auditor@test.example", []int64{x}, "audit_log.view")
		var page struct {
			Items []struct {
				Action     string
				CustomerID *string `json:"customer_id"`
				ActorEmail string  `json:"actor_email"`
				SourceIP   string  `json:"source_ip"`
			}
		}
		w.want(200, tok, "GET", "/api/v1/audit?limit=500", nil, &page)
		if len(page.Items) != 2 {
			t.Fatalf("scoped auditor sees %d entries: %+v", len(page.Items), page.Items)
		}
		for _, e := range page.Items {
			if e.CustomerID == nil || *e.CustomerID != id(x) {
				t.Fatalf("scoped auditor sees %+v", e)
			}
		}
		// The auditor holds no customers.view: the changes are named,
		// their values withheld, in the list and the export alike.
		status, raw, _ := w.do(tok, "GET", "/api/v1/audit?format=csv", nil)
		if status != 200 || strings.Contains(string(raw), "Audited") || strings.Count(string(raw), "withheld") != 3 || !strings.Contains(string(raw), "customer.update") {
			t.Fatalf("scoped CSV: %d %s", status, raw)
		}
		viewer := w.scoped("auditor-and-viewer@test.example", []int64{x}, "audit_log.view", "customers.view")
		status, raw, _ = w.do(viewer, "GET", "/api/v1/audit?format=csv", nil)
		if status != 200 || strings.Contains(string(raw), "Audited Y") || !strings.Contains(string(raw), "Audited X") {
			t.Fatalf("scoped CSV of an auditor who may view the customer: %d %s", status, raw)
		}
		w.want(200, w.admin, "GET", "/api/v1/audit?action=customer.update&limit=500", nil, &page)
		if len(page.Items) != 2 || page.Items[0].ActorEmail != "admin@test.example" || page.Items[0].SourceIP != "127.0.0.1" {
			t.Fatalf("admin's view of updates: %+v", page.Items)
		}
		w.want(200, w.admin, "GET", "/api/v1/audit?action=security_group.&limit=500", nil, &page)
		if len(page.Items) == 0 {
			t.Fatal("account-level events are missing for an all-customers auditor")
		}
		w.want(400, w.admin, "GET", "/api/v1/audit?since=yesterday", nil, nil)
	})
}

func TestSignInsAreAudited(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		w.do("", "POST", "/api/v1/auth/login", w.creds("admin@test.example", "not-the-password"))
		var page struct {
			Items []struct{ Action, ActorEmail string }
		}
		w.want(200, w.admin, "GET", "/api/v1/audit?action=auth.&limit=500", nil, &page)
		var actions []string
		for _, e := range page.Items {
			actions = append(actions, e.Action)
		}
		if !slices.Contains(actions, "auth.sign_in_failed") || !slices.Contains(actions, "auth.sign_in") {
			t.Fatalf("sign-in events: %v", actions)
		}
	})
}

// svgPolicyProblem checks the policy an SVG answer carries: opened on its
// own, the picture must run no script and load nothing, whatever its
// text holds — so default-src is 'none' and nothing loosens scripts.
func svgPolicyProblem(policies []string) string {
	if len(policies) != 1 {
		return "want exactly one policy"
	}
	dirs := map[string][]string{}
	for _, part := range strings.Split(strings.ToLower(policies[0]), ";") {
		if f := strings.Fields(part); len(f) > 0 {
			if _, dup := dirs[f[0]]; dup {
				return f[0] + " appears twice"
			}
			dirs[f[0]] = f[1:]
		}
	}
	if d := dirs["default-src"]; len(d) != 1 || d[0] != "'none'" {
		return "default-src is not 'none'"
	}
	for name, srcs := range dirs {
		if name == "default-src" || name == "style-src" || !strings.HasSuffix(name, "-src") && !strings.HasPrefix(name, "script-src") {
			continue
		}
		if len(srcs) != 1 || srcs[0] != "'none'" {
			return name + " loosens the default"
		}
	}
	return ""
}

// The audit log never shows a viewer the field values of an area they
// are not granted on that customer: an auditor of customer X without
// credentials.view reads no credential's name or username in the entries,
// while the values of an area they hold (scripts) still show.
func TestTheAuditLogShowsNoValuesOfAreasTheViewerIsNotGranted(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		w.want(201, w.admin, "POST", "/api/v1/scripts", map[string]any{"customer_id": id(x), "name": "visible-script-name", "body": "echo"}, nil)
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(x), "name": "vault-entry-name",
			"username": "vault-root-user", "secret": "vault-secret"}, nil)
		tok := w.scoped("auditor@test.example", []int64{x}, "audit_log.view", "scripts.view")
		for _, path := range []string{"/api/v1/audit?limit=500", "/api/v1/audit?format=csv"} {
			raw := string(w.want(200, tok, "GET", path, nil, nil))
			if !strings.Contains(raw, "visible-script-name") {
				t.Errorf("%s: the values of a granted area are missing: %s", path, raw)
			}
			for _, value := range []string{"vault-entry-name", "vault-root-user"} {
				if strings.Contains(raw, value) {
					t.Errorf("%s: an auditor without credentials.view reads %q", path, value)
				}
			}
		}
	})
}

// The audit log records every change in every module: creating one record
// of each module (the matrix's fixtures) leaves a create event for each.
func TestEveryModulesChangesAreAudited(t *testing.T) {
	w := newModuleWorld(t, dbtest.OpenSQLite(t))
	buildMatrix(t, w)
	var page struct {
		Items []struct {
			Action     string
			TargetType string `json:"target_type"`
		}
	}
	w.want(200, w.admin, "GET", "/api/v1/audit?limit=500", nil, &page)
	created := map[string]bool{}
	for _, e := range page.Items {
		created[e.TargetType+" "+e.Action] = true
	}
	for _, m := range records.All() {
		action := strings.ReplaceAll(m.Noun, " ", "_") + ".create"
		if m.Key == "script-runs" && created["script script.run"] {
			continue // a run is recorded as its script's run event
		}
		if !created[m.Noun+" "+action] {
			t.Errorf("creating a record of %s leaves no %s event", m.Key, action)
		}
	}
}
