package authzen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/authzen"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/usecase"
	"gatehouse/internal/versions"
)

// Property tests on generated accounts: the decision API answers what the
// JSON API enforces — for every user, every record of a sample of modules
// and every operation, and for customers — and its searches list exactly
// what evaluates to true.

// genWorld is a generated account served by the JSON API and the decision
// API, with a token per user and records of several modules, some owned.
type genWorld struct {
	t       *testing.T
	srv     *httptest.Server
	db      *sqldb.DB
	ds      *gen.Dataset
	admin   string
	tokens  map[int64]string // user id → API token
	secret  string
	records map[string][]string // module → record ids
	owners  []int64             // users records are assigned to
}

// propertyModules are the modules the properties are checked on: plain
// (contacts), owned by assignee (tickets), by user (timelogs, a child of
// tickets), owned and a shared library (documents), restricted
// (credentials) and a shared library (scripts).
var propertyModules = []string{"contacts", "tickets", "timelogs", "documents", "credentials", "scripts"}

func newGenWorld(t *testing.T, db *sqldb.DB, seed uint64) *genWorld {
	t.Helper()
	ctx := context.Background()
	vs := versions.New(db.SecurityVersion)
	db.OnSecurityChange(func(c sqldb.SecurityChange) { vs.Observe(c.AccountID, c.Version) })
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: auth.Params{Memory: 64, Time: 1, Threads: 1}, HashSlots: 4})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	httpapi.New(db, uc, gate, log).Mount(mux)
	authzen.New(db, gate, authz.NewClients(db, vs, nil), vs, log).Mount(mux)
	w := &genWorld{t: t, srv: httptest.NewServer(mux), db: db, tokens: map[int64]string{}, records: map[string][]string{}}
	t.Cleanup(w.srv.Close)
	ds, err := gen.Generate(gen.Options{Seed: seed, Customers: 12, Groups: 8, Users: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	w.ds = ds
	for _, u := range ds.Users {
		secret, hash, _ := auth.NewToken()
		if _, err := db.CreateToken(ctx, gatehouse.Token{AccountID: ds.AccountID, UserID: u.ID, Kind: gatehouse.TokenAPI,
			Name: "property", Hash: hash, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		w.tokens[u.ID] = secret
	}
	w.admin = w.tokens[ds.Users[0].ID]
	secret, hash, _ := auth.NewClientSecret()
	if _, err := db.CreateAPIClient(ctx, gatehouse.APIClient{AccountID: ds.AccountID, Name: "property", IDs: gatehouse.IDsGatehouse,
		RateLimit: 100_000, Permissions: []string{"decisions.ask"}, Hash: hash, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	w.secret = secret
	w.grantOwnRecords(seed)
	w.makeRecords(seed)
	return w
}

// grantOwnRecords adds groups holding the own-record permissions (the
// generated templates predate them) and puts some users in them.
func (w *genWorld) grantOwnRecords(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	cs := w.ds.Customers
	some := []string{strconv.FormatInt(cs[rng.IntN(len(cs))].ID, 10), strconv.FormatInt(cs[rng.IntN(len(cs))].ID, 10)}
	own := map[string]any{"name": "own records", "access_type": "select_customers", "customer_ids": some,
		"permissions": []string{"tickets.view_own", "tickets.edit_own", "tickets.delete_own", "timelogs.view_own", "timelogs.edit_own",
			"timelogs.delete_own", "documentation.view_own", "documentation.edit_own", "documentation.delete_own", "contacts.view"}}
	var g struct{ ID string }
	w.want(201, w.admin, "POST", "/api/v1/security-groups", own, &g)
	everywhere := map[string]any{"name": "own documents everywhere", "access_type": "all_customers",
		"permissions": []string{"documentation.view_own", "documentation.edit_own", "tickets.view"}}
	var g2 struct{ ID string }
	w.want(201, w.admin, "POST", "/api/v1/security-groups", everywhere, &g2)
	for i, u := range w.ds.Users[1:] {
		var groups []string
		for _, gi := range u.Groups {
			groups = append(groups, strconv.FormatInt(w.ds.Groups[gi].ID, 10))
		}
		switch i % 3 {
		case 0:
			groups = append(groups, g.ID)
		case 1:
			groups = append(groups, g2.ID)
		}
		if groups == nil {
			groups = []string{}
		}
		w.want(200, w.admin, "PATCH", "/api/v1/users/"+strconv.FormatInt(u.ID, 10), map[string]any{"security_group_ids": groups}, nil)
		if i%2 == 0 {
			w.owners = append(w.owners, u.ID)
		}
	}
}

// makeRecords creates records of every property module through the API
// as the global admin: over the customers, owned by various users, and
// shared or account-level where the module allows.
func (w *genWorld) makeRecords(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 4))
	cust := func(allowNone bool) any {
		if allowNone && rng.IntN(4) == 0 {
			return nil
		}
		return strconv.FormatInt(w.ds.Customers[rng.IntN(len(w.ds.Customers))].ID, 10)
	}
	owner := func() string { return strconv.FormatInt(w.owners[rng.IntN(len(w.owners))], 10) }
	for i := range 10 {
		n := strconv.Itoa(i)
		w.create("contacts", map[string]any{"customer_id": cust(false), "name": "contact " + n})
		t := w.create("tickets", map[string]any{"customer_id": cust(false), "subject": "ticket " + n, "assignee_id": owner()})
		w.create("timelogs", map[string]any{"ticket_id": t, "minutes": 10, "user_id": owner()})
		doc := map[string]any{"title": "doc " + n, "author_id": owner()}
		if c := cust(true); c != nil {
			doc["customer_id"] = c
		}
		w.create("documents", doc)
		cred := map[string]any{"name": "cred " + n}
		if c := cust(true); c != nil {
			cred["customer_id"] = c
		}
		w.create("credentials", cred)
		script := map[string]any{"name": "script " + n}
		if c := cust(true); c != nil {
			script["customer_id"] = c
		}
		w.create("scripts", script)
	}
}

func (w *genWorld) create(module string, body map[string]any) string {
	var out struct{ ID string }
	w.want(201, w.admin, "POST", "/api/v1/"+module, body, &out)
	w.records[module] = append(w.records[module], out.ID)
	return out.ID
}

func (w *genWorld) do(token, method, path string, body any) (int, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytesReader(raw)
	}
	req, _ := http.NewRequest(method, w.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func (w *genWorld) want(status int, token, method, path string, body, out any) {
	w.t.Helper()
	got, raw := w.do(token, method, path, body)
	if got != status {
		w.t.Fatalf("%s %s: %d %s, want %d", method, path, got, raw, status)
	}
	if out != nil {
		json.Unmarshal(raw, out)
	}
}

// enforced is what the JSON API lets the user do: 2xx is allowed; 403 and
// 404 are refusals; anything else fails the test.
func (w *genWorld) enforced(user int64, method, path string, body any) bool {
	w.t.Helper()
	status, raw := w.do(w.tokens[user], method, path, body)
	switch {
	case status/100 == 2:
		return true
	case status == 403 || status == 404:
		return false
	}
	w.t.Fatalf("%s %s as user %d: %d %s", method, path, user, status, raw)
	return false
}

// decide asks the decision API a batch of evaluations.
func (w *genWorld) decide(items []map[string]any) []bool {
	w.t.Helper()
	var out struct{ Evaluations []struct{ Decision bool } }
	w.want(200, w.secret, "POST", "/access/v1/evaluations", map[string]any{"evaluations": items}, &out)
	if len(out.Evaluations) != len(items) {
		w.t.Fatalf("%d answers to %d evaluations", len(out.Evaluations), len(items))
	}
	res := make([]bool, len(items))
	for i, e := range out.Evaluations {
		res[i] = e.Decision
	}
	return res
}

func item(user int64, action, typ, id string) map[string]any {
	return map[string]any{"subject": map[string]any{"type": "user", "id": strconv.FormatInt(user, 10)},
		"action": map[string]any{"name": action}, "resource": map[string]any{"type": typ, "id": id}}
}

var nouns = map[string]string{"contacts": "contact", "tickets": "ticket", "timelogs": "time_log", "documents": "document",
	"credentials": "credential", "scripts": "script"}

// titleOf reads a record's title field, to send it back unchanged.
var titleOf = map[string]string{"contacts": "name", "tickets": "subject", "timelogs": "note", "documents": "title",
	"credentials": "name", "scripts": "name"}

func TestEveryEvaluationAgreesWithWhatTheJSONAPIEnforces(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			w := newGenWorld(t, b.Open(t), 21)
			checked, allowed := 0, 0
			for _, u := range w.ds.Users {
				for _, module := range propertyModules {
					var items []map[string]any
					var calls []func() bool
					for _, id := range w.records[module] {
						path := "/api/v1/" + module + "/" + id
						items = append(items, item(u.ID, "view", nouns[module], id), item(u.ID, "edit", nouns[module], id))
						calls = append(calls,
							func() bool { return w.enforced(u.ID, "GET", path, nil) },
							func() bool { return w.enforced(u.ID, "PATCH", path, map[string]any{}) })
					}
					for i, got := range w.decide(items) {
						want := calls[i]()
						if got != want {
							t.Errorf("user %d, %s: decision %v, the JSON API %v", u.ID, items[i]["action"], got, want)
						}
						checked++
						if want {
							allowed++
						}
					}
				}
				w.checkCustomers(u.ID)
			}
			w.checkDeletes()
			if allowed == 0 || allowed == checked {
				t.Fatalf("%d of %d checks allowed: the account tests nothing", allowed, checked)
			}
			t.Logf("%d view and edit checks agree (%d allowed)", checked, allowed)
		})
	}
}

// checkCustomers compares the customer routes with the decision API:
// viewing and editing each customer.
func (w *genWorld) checkCustomers(user int64) {
	var items []map[string]any
	var calls []func() bool
	for _, c := range w.ds.Customers {
		id := strconv.FormatInt(c.ID, 10)
		items = append(items, item(user, "view", "customer", id), item(user, "edit", "customer", id))
		calls = append(calls,
			func() bool { return w.enforced(user, "GET", "/api/v1/customers/"+id, nil) },
			func() bool { return w.enforced(user, "PATCH", "/api/v1/customers/"+id, map[string]any{}) })
	}
	for i, got := range w.decide(items) {
		if want := calls[i](); got != want {
			w.t.Errorf("user %d, %v on customer %v: decision %v, the JSON API %v", user, items[i]["action"], items[i]["resource"], got, want)
		}
	}
}

// checkDeletes asks, for every user and record, whether the user may
// delete it, then deletes it as that user; a deleted record is made again
// (same customer and owner) for the next user.
func (w *genWorld) checkDeletes() {
	for _, module := range []string{"tickets", "documents", "credentials"} {
		for i := range w.records[module] {
			for _, u := range w.ds.Users {
				id := w.records[module][i]
				var rec map[string]any
				w.want(200, w.admin, "GET", "/api/v1/"+module+"/"+id, nil, &rec)
				got := w.decide([]map[string]any{item(u.ID, "delete", nouns[module], id)})[0]
				want := w.enforced(u.ID, "DELETE", "/api/v1/"+module+"/"+id, nil)
				if got != want {
					w.t.Errorf("user %d deleting %s %s: decision %v, the JSON API %v", u.ID, module, id, got, want)
				}
				if want {
					w.records[module] = slices.Delete(w.records[module], i, i+1)
					again := map[string]any{titleOf[module]: rec[titleOf[module]]}
					for _, k := range []string{"customer_id", "assignee_id", "author_id"} {
						if v, ok := rec[k]; ok && v != nil {
							again[k] = v
						}
					}
					id := w.create(module, again)
					w.records[module] = slices.Insert(w.records[module][:len(w.records[module])-1], i, id)
				}
			}
		}
	}
}

func TestSearchesListExactlyWhatEvaluatesTrue(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			w := newGenWorld(t, b.Open(t), 22)
			for _, u := range w.ds.Users {
				for _, module := range propertyModules {
					for _, action := range []string{"view", "edit", "delete"} {
						w.checkResourceSearch(u.ID, module, action)
					}
				}
				w.checkResourceSearchCustomers(u.ID)
			}
			for _, module := range []string{"tickets", "documents"} {
				for _, id := range w.records[module] {
					for _, action := range []string{"view", "edit"} {
						w.checkSubjectSearch(module, id, action)
					}
				}
			}
		})
	}
}

// search pages through a search with small pages and returns the ids.
func (w *genWorld) search(kind string, body map[string]any) []string {
	w.t.Helper()
	var ids []string
	token := ""
	for range 100 {
		page := map[string]any{"limit": 3}
		if token != "" {
			page["token"] = token
		}
		body["page"] = page
		var out struct {
			Results []struct{ ID, Type string }
			Page    struct {
				NextToken string `json:"next_token"`
			}
		}
		w.want(200, w.secret, "POST", "/access/v1/search/"+kind, body, &out)
		for _, r := range out.Results {
			ids = append(ids, r.ID)
		}
		if token = out.Page.NextToken; token == "" {
			slices.Sort(ids)
			return ids
		}
	}
	w.t.Fatal("a search did not end within 100 pages")
	return nil
}

// truthy evaluates action on every candidate and keeps the allowed ones.
func (w *genWorld) truthy(items []map[string]any, ids []string) []string {
	var out []string
	for i, ok := range w.decide(items) {
		if ok {
			out = append(out, ids[i])
		}
	}
	slices.Sort(out)
	return out
}

func (w *genWorld) checkResourceSearch(user int64, module, action string) {
	found := w.search("resource", map[string]any{"subject": map[string]any{"type": "user", "id": strconv.FormatInt(user, 10)},
		"action": map[string]any{"name": action}, "resource": map[string]any{"type": nouns[module]}})
	var items []map[string]any
	for _, id := range w.records[module] {
		items = append(items, item(user, action, nouns[module], id))
	}
	if want := w.truthy(items, w.records[module]); !slices.Equal(found, want) {
		w.t.Errorf("user %d, %s %s: resource search %v, evaluating each %v", user, action, module, found, want)
	}
	if action == "view" {
		// The list the JSON API serves the user is the same set.
		var page struct{ Items []struct{ ID string } }
		status, raw := w.do(w.tokens[user], "GET", "/api/v1/"+module+"?limit=500", nil)
		var listed []string
		if status == 200 {
			json.Unmarshal(raw, &page)
			for _, it := range page.Items {
				listed = append(listed, it.ID)
			}
		}
		slices.Sort(listed)
		if !slices.Equal(found, listed) {
			w.t.Errorf("user %d, %s: resource search %v, the JSON API's list %v", user, module, found, listed)
		}
	}
}

func (w *genWorld) checkResourceSearchCustomers(user int64) {
	var ids []string
	for _, c := range w.ds.Customers {
		ids = append(ids, strconv.FormatInt(c.ID, 10))
	}
	for _, action := range []string{"view", "edit", "assets.view", "tickets.edit_own"} {
		found := w.search("resource", map[string]any{"subject": map[string]any{"type": "user", "id": strconv.FormatInt(user, 10)},
			"action": map[string]any{"name": action}, "resource": map[string]any{"type": "customer"}})
		var items []map[string]any
		for _, id := range ids {
			items = append(items, item(user, action, "customer", id))
		}
		if want := w.truthy(items, ids); !slices.Equal(found, want) {
			w.t.Errorf("user %d, %s: customer search %v, evaluating each %v", user, action, found, want)
		}
	}
}

func (w *genWorld) checkSubjectSearch(module, id, action string) {
	found := w.search("subject", map[string]any{"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": action},
		"resource": map[string]any{"type": nouns[module], "id": id}})
	var items []map[string]any
	var users []string
	for _, u := range w.ds.Users {
		items = append(items, item(u.ID, action, nouns[module], id))
		users = append(users, strconv.FormatInt(u.ID, 10))
	}
	if want := w.truthy(items, users); !slices.Equal(found, want) {
		w.t.Errorf("%s %s %s: subject search %v, evaluating each user %v", action, module, id, found, want)
	}
}

var _ = fmt.Sprint

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
