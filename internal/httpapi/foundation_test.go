package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/httpapi/contract"
	"gatehouse/internal/metrics"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/usecase"
)

// fastHash keeps tests quick; production uses auth.DefaultParams.
var fastHash = auth.Params{Memory: 64, Time: 1, Threads: 1}

const testPassword = "correct-horse-battery"

// world is one running API over a real store, with an account in it.
type world struct {
	t    *testing.T
	db   *sqldb.DB
	srv  *httptest.Server
	acct gatehouse.Account
	// admin is a global admin's token.
	admin string
	// client validates every exchange against the OpenAPI document.
	client *http.Client
	// clk is the use cases' clock, when a test moves it; lastCodes are
	// the recovery codes of the last enrolment.
	clk       *clock
	lastCodes []string
}

func newWorld(t *testing.T, db *sqldb.DB) *world {
	t.Helper()
	w := &world{t: t, db: db, srv: serveAPI(t, db)}
	w.acct = w.account("Test MSP")
	w.admin = w.login(w.newUser(w.acct.ID, "admin@test.example", true))
	return w
}

// serveAPI starts an API instance over db, wired as the binary wires it.
func serveAPI(t testing.TB, db *sqldb.DB) *httptest.Server {
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: fastHash, HashSlots: 4})
	uc.Vault = testVault
	api := httpapi.New(db, uc, gate, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Metrics = metrics.New(gate, db.SQL()).Handler()
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// eachBackend runs fn against SQLite and, when configured, PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, w *world)) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, newWorld(t, b.Open(t))) })
	}
}

func (w *world) account(name string) gatehouse.Account {
	a, err := w.db.CreateAccount(context.Background(), name)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *world) newUser(accountID int64, email string, admin bool, groups ...int64) string {
	w.t.Helper()
	hash, _ := auth.HashPassword(testPassword, fastHash)
	if groups == nil {
		groups = []int64{}
	}
	if _, err := w.db.CreateUser(context.Background(), accountID, gatehouse.UserCreate{Email: email, Name: email,
		PasswordHash: hash, GlobalAdmin: admin, GroupIDs: groups}); err != nil {
		w.t.Fatal(err)
	}
	return email
}

func (w *world) login(email string) string {
	w.t.Helper()
	var out struct{ Token string }
	w.want(http.StatusOK, "", "POST", "/api/v1/auth/login", w.creds(email, testPassword), &out)
	return out.Token
}

// creds is a sign-in body naming the account that holds the address.
func (w *world) creds(email, password string) map[string]string {
	w.t.Helper()
	slug := w.acct.Slug
	w.db.SQL().QueryRow(`SELECT a.slug FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.email = $1`, email).Scan(&slug)
	return map[string]string{"account": slug, "email": email, "password": password}
}

// scoped makes a user whose only group grants perms on the customers.
func (w *world) scoped(email string, customers []int64, perms ...string) string {
	w.t.Helper()
	g := w.group(email+" group", gatehouse.SelectCustomers, customers, perms...)
	return w.login(w.newUser(w.acct.ID, email, false, g))
}

func (w *world) group(name string, at gatehouse.AccessType, customers []int64, perms ...string) int64 {
	w.t.Helper()
	g, err := w.db.CreateGroup(context.Background(), w.acct.ID, gatehouse.SecurityGroup{Name: name, AccessType: at, CustomerIDs: customers, Permissions: perms})
	if err != nil {
		w.t.Fatal(err)
	}
	return g.ID
}

func (w *world) customer(accountID int64, name string) int64 {
	w.t.Helper()
	c, err := w.db.CreateCustomer(context.Background(), accountID, gatehouse.CustomerFields{Name: &name})
	if err != nil {
		w.t.Fatal(err)
	}
	return c.ID
}

// do sends a request and returns the status and body.
func (w *world) do(token, method, path string, body any) (int, []byte, http.Header) {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, w.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.httpClient().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

// httpClient validates every exchange against the OpenAPI document.
func (w *world) httpClient() *http.Client {
	if w.client == nil {
		w.client = contract.Default.Client(w.t)
	}
	return w.client
}

// want asserts the status and decodes the body into out (if not nil).
func (w *world) want(status int, token, method, path string, body, out any) []byte {
	w.t.Helper()
	got, raw, _ := w.do(token, method, path, body)
	if got != status {
		w.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			w.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return raw
}

func id(n int64) string { return fmt.Sprint(n) }

func TestRouteTableDeclaresAPermissionForEveryRoute(t *testing.T) {
	api := httpapi.New(nil, nil, nil, nil)
	seen := map[string]bool{}
	public := []string{"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/v1/openapi.json", "POST /api/v1/auth/login",
		"POST /api/v1/auth/mfa"} // a sign-in's second step: the challenge id is its credential
	for _, rt := range api.Routes() {
		if !rt.Need.Valid() {
			t.Errorf("route %q declares no valid permission: %+v", rt.Pattern, rt.Need)
		}
		if rt.Need.Permission == authz.Public && !slices.Contains(public, rt.Pattern) {
			t.Errorf("route %q is public; only %v may be", rt.Pattern, public)
		}
		if seen[rt.Pattern] {
			t.Errorf("route %q declared twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		// A permission that also opens the route is a real permission of
		// the same area, never a marker that would open it to everyone.
		for _, p := range rt.AlsoOpens() {
			alt := authz.Requirement{Permission: p}
			area, _ := catalog.AreaOf(p)
			own, _ := catalog.AreaOf(rt.Need.Permission)
			if !alt.Valid() || p == authz.Public || p == authz.SignedIn || area.Key != own.Key {
				t.Errorf("route %q is also opened by %q, not a permission of its own area", rt.Pattern, p)
			}
		}
	}
}

func TestPermissionsPairWithTheirOwnGroupsScope(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X Corp"), w.customer(w.acct.ID, "Y Corp")
		ga := w.group("A", gatehouse.SelectCustomers, []int64{x}, "customers.view", "customers.edit")
		gb := w.group("B", gatehouse.SelectCustomers, []int64{y}, "customers.view", "customers.delete")
		tok := w.login(w.newUser(w.acct.ID, "pair@test.example", false, ga, gb))

		w.want(200, tok, "PATCH", "/api/v1/customers/"+id(x), map[string]string{"notes": "edited"}, nil)
		w.want(404, tok, "PATCH", "/api/v1/customers/"+id(y), map[string]string{"notes": "edited"}, nil)
		w.want(404, tok, "DELETE", "/api/v1/customers/"+id(x), nil, nil)
		w.want(200, tok, "GET", "/api/v1/customers/"+id(x), nil, nil)
		w.want(200, tok, "GET", "/api/v1/customers/"+id(y), nil, nil)
	})
}

func TestScopedUserSeesOnlyTheirCustomers(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "Xanadu"), w.customer(w.acct.ID, "Yonder")
		other := w.account("Other MSP")
		z := w.customer(other.ID, "Zed of another account")
		tok := w.scoped("it@xanadu.example", []int64{x}, "customers.view", "customers.edit", "customers.delete")

		var page struct {
			Items []struct{ ID, Name string }
		}
		raw := w.want(200, tok, "GET", "/api/v1/customers", nil, &page)
		if len(page.Items) != 1 || page.Items[0].ID != id(x) || strings.Contains(string(raw), "Yonder") {
			t.Fatalf("scoped list = %s", raw)
		}
		w.want(200, tok, "GET", "/api/v1/customers?q=yon", nil, &page)
		if len(page.Items) != 0 {
			t.Fatalf("search reached an out-of-scope customer: %+v", page.Items)
		}

		_, missing, _ := w.do(tok, "GET", "/api/v1/customers/999999", nil)
		for _, target := range []int64{y, z} {
			for _, m := range []string{"GET", "PATCH", "DELETE"} {
				status, body, hdr := w.do(tok, m, "/api/v1/customers/"+id(target), map[string]string{"name": "Hijacked"})
				if m == "GET" || m == "DELETE" {
					status, body, hdr = w.do(tok, m, "/api/v1/customers/"+id(target), nil)
				}
				if status != 404 || !bytes.Equal(body, missing) || hdr.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s customer %d: %d %s; want 404 %s", m, target, status, body, missing)
				}
			}
		}
		var cy, cz struct{ Name string }
		w.want(200, w.admin, "GET", "/api/v1/customers/"+id(y), nil, &cy)
		if cy.Name != "Yonder" {
			t.Fatalf("out-of-scope customer changed: %q", cy.Name)
		}
		w.want(404, w.admin, "GET", "/api/v1/customers/"+id(z), nil, &cz)
	})
}

func TestEmptySelectListGrantsNoCustomer(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := w.customer(w.acct.ID, "Anyone")
		tok := w.scoped("empty@test.example", []int64{}, "customers.view")
		for _, path := range []string{"/api/v1/customers", "/api/v1/customers/" + id(c)} {
			if status, body, _ := w.do(tok, "GET", path, nil); status == 200 || strings.Contains(string(body), "Anyone") {
				t.Errorf("GET %s with an empty select list: %d %s", path, status, body)
			}
		}
		var me struct {
			Permissions []struct{ Permission string }
		}
		w.want(200, tok, "GET", "/api/v1/me", nil, &me)
		if len(me.Permissions) != 0 {
			t.Fatalf("empty group shows effective permissions: %+v", me.Permissions)
		}
	})
}

func TestCustomerPageAndGroupListAreOneRelation(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c1, c2 := w.customer(w.acct.ID, "One"), w.customer(w.acct.ID, "Two")
		var g struct {
			ID          string
			CustomerIDs []string `json:"customer_ids"`
		}
		w.want(201, w.admin, "POST", "/api/v1/security-groups", map[string]any{"name": "Co-managed One",
			"access_type": "select_customers", "customer_ids": []string{id(c1)}, "permissions": []string{"customers.view"}}, &g)

		w.want(200, w.admin, "PUT", "/api/v1/customers/"+id(c2)+"/security-groups", map[string]any{"security_group_ids": []string{g.ID}}, nil)
		w.want(200, w.admin, "GET", "/api/v1/security-groups/"+g.ID, nil, &g)
		if !slices.Equal(g.CustomerIDs, []string{id(c1), id(c2)}) {
			t.Fatalf("group list after customer-page edit: %v", g.CustomerIDs)
		}
		w.want(200, w.admin, "PATCH", "/api/v1/security-groups/"+g.ID, map[string]any{"customer_ids": []string{id(c2)}}, nil)
		var cg struct {
			IDs []string `json:"security_group_ids"`
		}
		w.want(200, w.admin, "GET", "/api/v1/customers/"+id(c1)+"/security-groups", nil, &cg)
		if len(cg.IDs) != 0 {
			t.Fatalf("customer page still shows the group: %v", cg.IDs)
		}
		w.want(200, w.admin, "GET", "/api/v1/customers/"+id(c2)+"/security-groups", nil, &cg)
		if !slices.Equal(cg.IDs, []string{g.ID}) {
			t.Fatalf("customer page groups = %v", cg.IDs)
		}
	})
}

func TestTheLastActiveGlobalAdminStays(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		var me struct{ ID string }
		w.want(200, w.admin, "GET", "/api/v1/me", nil, &me)
		for _, body := range []map[string]any{{"global_admin": false}, {"disabled": true}} {
			raw := w.want(409, w.admin, "PATCH", "/api/v1/users/"+me.ID, body, nil)
			if !strings.Contains(string(raw), "last active global admin") {
				t.Errorf("409 without a clear message: %s", raw)
			}
		}
		w.want(409, w.admin, "DELETE", "/api/v1/users/"+me.ID, nil, nil)

		var second struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/users", map[string]any{"email": "second@test.example", "password": testPassword, "global_admin": true}, &second)
		w.want(200, w.admin, "PATCH", "/api/v1/users/"+me.ID, map[string]any{"global_admin": false}, nil)
		w.want(403, w.admin, "GET", "/api/v1/users", nil, nil) // no longer an admin, no groups
	})
}

func TestDisablingAUserStopsTheirTokensAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		w.customer(w.acct.ID, "C")
		g := w.group("Token makers", gatehouse.AllCustomers, nil, "customers.view", "api_tokens.manage")
		tok := w.login(w.newUser(w.acct.ID, "soon-gone@test.example", false, g))
		var personal struct{ Token string }
		w.want(201, tok, "POST", "/api/v1/me/tokens", map[string]any{"name": "script"}, &personal)
		w.want(200, personal.Token, "GET", "/api/v1/customers", nil, nil)

		var users struct{ Items []struct{ ID, Email string } }
		w.want(200, w.admin, "GET", "/api/v1/users?q=soon-gone", nil, &users)
		w.want(200, w.admin, "PATCH", "/api/v1/users/"+users.Items[0].ID, map[string]any{"disabled": true}, nil)
		w.want(401, tok, "GET", "/api/v1/customers", nil, nil)
		w.want(401, personal.Token, "GET", "/api/v1/customers", nil, nil)
		w.want(401, "", "POST", "/api/v1/auth/login", w.creds("soon-gone@test.example", testPassword), nil)
	})
}

func TestSecurityChangesApplyOnTheNextRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := w.customer(w.acct.ID, "C")
		g := w.group("Viewers", gatehouse.SelectCustomers, []int64{c}, "customers.view")
		tok := w.login(w.newUser(w.acct.ID, "v@test.example", false, g))
		w.want(200, tok, "GET", "/api/v1/customers/"+id(c), nil, nil)
		w.want(200, w.admin, "PATCH", "/api/v1/security-groups/"+id(g), map[string]any{"customer_ids": []string{}}, nil)
		w.want(403, tok, "GET", "/api/v1/customers/"+id(c), nil, nil)
		w.want(200, w.admin, "PUT", "/api/v1/customers/"+id(c)+"/security-groups", map[string]any{"security_group_ids": []string{id(g)}}, nil)
		w.want(200, tok, "GET", "/api/v1/customers/"+id(c), nil, nil)
	})
}

func TestAuthentication(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		w.want(401, "", "GET", "/api/v1/me", nil, nil)
		w.want(401, "gh_not-a-real-token", "GET", "/api/v1/me", nil, nil)
		_, wrongPw, _ := w.do("", "POST", "/api/v1/auth/login", w.creds("admin@test.example", "wrong-password"))
		_, noUser, _ := w.do("", "POST", "/api/v1/auth/login", w.creds("nobody@test.example", "wrong-password"))
		if !bytes.Equal(wrongPw, noUser) {
			t.Fatalf("sign-in failures differ: %s vs %s", wrongPw, noUser)
		}
		tok := w.login("admin@test.example")
		w.want(200, tok, "GET", "/api/v1/me", nil, nil)
		w.want(204, tok, "POST", "/api/v1/auth/logout", nil, nil)
		w.want(401, tok, "GET", "/api/v1/me", nil, nil)
	})
}

func TestBadInputIsAProblemNamingTheFieldAndChangesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		cases := []struct {
			name, path string
			body       string
			field      string
		}{
			{"an unknown field", "/api/v1/users", `{"email":"a@test.example","password":"long-enough-pw","role":"root"}`, "role"},
			{"a malformed email", "/api/v1/users", `{"email":"not-an-email","password":"long-enough-pw"}`, "email"},
			{"a short password", "/api/v1/users", `{"email":"b@test.example","password":"short"}`, "password"},
			{"a wrong type", "/api/v1/users", `{"email":"c@test.example","password":"long-enough-pw","global_admin":"yes"}`, "global_admin"},
			{"an unknown permission", "/api/v1/security-groups", `{"name":"G","permissions":["assets.teleport"]}`, "permissions"},
			{"an account-wide permission in a select group", "/api/v1/security-groups", `{"name":"G","access_type":"select_customers","permissions":["settings.manage"]}`, "permissions"},
			{"a bad id", "/api/v1/security-groups", `{"name":"G","access_type":"select_customers","customer_ids":["x1"]}`, "customer_ids"},
			{"a customer without a name", "/api/v1/customers", `{"city":"Oslo"}`, "name"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, raw, hdr := w.do(w.admin, "POST", tc.path, tc.body)
				var p httpapi.Problem
				json.Unmarshal(raw, &p)
				if status != 400 || hdr.Get("Content-Type") != "application/problem+json" || p.Field != tc.field {
					t.Fatalf("got %d %s %s, want 400 problem on %q", status, hdr.Get("Content-Type"), raw, tc.field)
				}
			})
		}
		var users struct{ Items []any }
		w.want(200, w.admin, "GET", "/api/v1/users", nil, &users)
		if len(users.Items) != 1 {
			t.Fatalf("bad input created users: %d", len(users.Items))
		}
	})
}

func TestGroupCopyAndDeleteShowTheUsersAffected(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := w.customer(w.acct.ID, "C")
		g := w.group("Doomed", gatehouse.SelectCustomers, []int64{c}, "customers.view")
		w.newUser(w.acct.ID, "member@test.example", false, g)
		var cp struct {
			ID          string
			Name        string
			CustomerIDs []string `json:"customer_ids"`
			Permissions []string
		}
		w.want(201, w.admin, "POST", "/api/v1/security-groups/"+id(g)+"/copy", map[string]string{"name": "Doomed copy"}, &cp)
		if cp.Name != "Doomed copy" || !slices.Equal(cp.CustomerIDs, []string{id(c)}) || !slices.Equal(cp.Permissions, []string{"customers.view"}) {
			t.Fatalf("copy = %+v", cp)
		}
		var impact struct {
			Users []struct {
				Email string
				Loses []string
			}
		}
		w.want(200, w.admin, "GET", "/api/v1/security-groups/"+id(g)+"/impact", nil, &impact)
		if len(impact.Users) != 1 || impact.Users[0].Email != "member@test.example" || !slices.Equal(impact.Users[0].Loses, []string{"customers.view"}) {
			t.Fatalf("impact = %+v", impact)
		}
		w.want(200, w.admin, "DELETE", "/api/v1/security-groups/"+id(g), nil, &impact)
		if len(impact.Users) != 1 {
			t.Fatalf("delete impact = %+v", impact)
		}
		w.want(404, w.admin, "GET", "/api/v1/security-groups/"+id(g), nil, nil)
	})
}

func TestOtherAccountsAreInvisible(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		other := w.account("Rival MSP")
		rivalTok := w.login(w.newUser(other.ID, "rival@test.example", true))
		var rival struct{ Items []struct{ ID string } }
		w.want(200, rivalTok, "GET", "/api/v1/security-groups", nil, &rival)
		var mine struct{ Items []struct{ ID string } }
		w.want(200, w.admin, "GET", "/api/v1/users", nil, &mine)
		for _, g := range rival.Items {
			w.want(404, w.admin, "GET", "/api/v1/security-groups/"+g.ID, nil, nil)
			w.want(404, w.admin, "PATCH", "/api/v1/security-groups/"+g.ID, map[string]any{"name": "x"}, nil)
		}
		w.want(404, rivalTok, "GET", "/api/v1/users/"+mine.Items[0].ID, nil, nil)
		w.want(404, rivalTok, "DELETE", "/api/v1/users/"+mine.Items[0].ID, nil, nil)
	})
}

// Two instances share one PostgreSQL: a change made through one must
// reach the grants the other has already compiled and cached.
func TestSecurityChangesReachEveryInstance(t *testing.T) {
	dsn, _ := dbtest.PostgresSchema(t)
	open := func() *sqldb.DB {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a := newWorld(t, open())
	b := *a // the same account, served by a second instance
	b.srv = serveAPI(t, open())
	c := a.customer(a.acct.ID, "Shared")
	g := a.group("Viewers", gatehouse.SelectCustomers, []int64{c}, "customers.view")
	tok := a.login(a.newUser(a.acct.ID, "viewer@test.example", false, g))

	b.want(200, tok, "GET", "/api/v1/customers/"+id(c), nil, nil) // b compiles and caches the grants
	a.want(200, a.admin, "PATCH", "/api/v1/security-groups/"+id(g), map[string]any{"customer_ids": []string{}}, nil)
	b.want(403, tok, "GET", "/api/v1/customers/"+id(c), nil, nil)
}

func TestRepeatedFailedSignInsAreSlowedDown(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	for i := 0; i < 10; i++ {
		w.want(401, "", "POST", "/api/v1/auth/login", w.creds("admin@test.example", "guess-"+id(int64(i))), nil)
	}
	raw := w.want(429, "", "POST", "/api/v1/auth/login", w.creds("admin@test.example", testPassword), nil)
	if !strings.Contains(string(raw), "too many failed sign-ins") {
		t.Fatalf("429 without a clear message: %s", raw)
	}
}

func TestUserAndGroupListsExportAsCSV(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	w.newUser(w.acct.ID, "=cmd|calc@test.example", false)
	for path, want := range map[string]string{"/api/v1/users?format=csv": "admin@test.example", "/api/v1/security-groups?format=csv": "Technicians"} {
		status, raw, hdr := w.do(w.admin, "GET", path, nil)
		if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(string(raw), want) {
			t.Fatalf("%s: %d %s", path, status, raw)
		}
	}
	_, raw, _ := w.do(w.admin, "GET", "/api/v1/users?format=csv", nil)
	if !strings.Contains(string(raw), "'=cmd|calc@test.example") {
		t.Fatalf("a formula-looking cell was not defused: %s", raw)
	}
}

func TestChangingACustomerNeedsItInView(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		w.want(200, w.admin, "PATCH", "/api/v1/customers/"+id(x), map[string]any{"notes": "private notes of X"}, nil)
		editX := w.group("edit X", gatehouse.SelectCustomers, []int64{x}, "customers.edit", "customers.delete")
		viewY := w.group("view Y", gatehouse.SelectCustomers, []int64{y}, "customers.view")
		callers := []struct{ name, token string }{
			{"holding edit and delete but not view", w.login(w.newUser(w.acct.ID, "blind@test.example", false, editX))},
			{"holding view only through another group's scope", w.login(w.newUser(w.acct.ID, "paired@test.example", false, editX, viewY))},
		}
		for _, call := range []struct {
			method string
			body   any
		}{{"PATCH", map[string]any{"notes": "overwritten"}}, {"DELETE", nil}} {
			for _, c := range callers {
				_, missing, _ := w.do(c.token, call.method, "/api/v1/customers/999999", call.body)
				status, raw, _ := w.do(c.token, call.method, "/api/v1/customers/"+id(x), call.body)
				if status != 404 || !bytes.Equal(raw, missing) {
					t.Fatalf("%s X, %s: %d %s, want the missing customer's 404 %s", call.method, c.name, status, raw, missing)
				}
			}
		}
		var got struct{ Notes string }
		w.want(200, w.admin, "GET", "/api/v1/customers/"+id(x), nil, &got)
		if got.Notes != "private notes of X" {
			t.Fatalf("notes %q: a refused change stuck", got.Notes)
		}
		seeing := w.scoped("seeing@test.example", []int64{x}, "customers.view", "customers.edit")
		w.want(200, seeing, "PATCH", "/api/v1/customers/"+id(x), map[string]any{"notes": "edited in view"}, nil)
	})
}
