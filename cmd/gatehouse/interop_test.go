package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/sqldb/dbtest"
)

// The public AuthZEN interop suites (openid/authzen, MIT), run against the
// real program: the scenarios are loaded into accounts through the
// product's own command line and JSON API only, and every case is asked
// of the decision API and compared with the suites' own rules.
//
// The adapter, like the proxies other vendors put in front of their PDPs
// for these suites, maps only names: the resource types "record" →
// "document" (search, idp) and "todo" → "ticket" (todo), and the todo
// actions can_read_user/can_read_todos → view, can_create_todo → create,
// can_update_todo → edit, can_delete_todo → delete. Ids, subjects and
// every answer pass unchanged.

var (
	adaptTypes   = map[string]string{"record": "document", "todo": "ticket"}
	adaptActions = map[string]string{"can_read_user": "view", "can_read_todos": "view", "can_create_todo": "create",
		"can_update_todo": "edit", "can_delete_todo": "delete"}
)

// interopDir finds the suites' case files: GATEHOUSE_INTEROP_DIR, or the
// shared folder beside the repository. Outside CI their absence skips
// the test; with GATEHOUSE_TEST_REQUIRE_SHARED=1 it fails it.
func interopDir(t *testing.T) string {
	dir := os.Getenv("GATEHOUSE_INTEROP_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "authzen-interop")
	}
	if _, err := os.Stat(filepath.Join(dir, "search", "data", "records.json")); err != nil {
		if os.Getenv("GATEHOUSE_TEST_REQUIRE_SHARED") == "1" {
			t.Fatalf("GATEHOUSE_TEST_REQUIRE_SHARED=1 but the interop suites are not at %s: %v", dir, err)
		}
		t.Skipf("the interop suites are not at %s", dir)
	}
	return dir
}

func TestTheAuthZENInteropSuitesPass(t *testing.T) {
	dir := interopDir(t)
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := Config{DBPath: filepath.Join(t.TempDir(), "interop.db")}
			if b.Name == "postgres" {
				c.PostgresDSN, _ = dbtest.PostgresSchema(t)
			}
			search, todo := newInteropAccount(t, c, "Search Interop"), newInteropAccount(t, c, "Todo Interop")
			m := MustRunMain(t, c)
			search.url, todo.url = m.URL(), m.URL()
			search.signIn(t)
			todo.signIn(t)
			loadSearchScenario(t, search, dir)
			loadTodoScenario(t, todo)
			t.Run("search: 198 cases", func(t *testing.T) {
				n := 0
				for _, kind := range []string{"subject", "resource", "action"} {
					n += runSearchCases(t, search, filepath.Join(dir, "search", kind, "results.json"), kind)
				}
				if n != 198 {
					t.Errorf("ran %d search cases, the suite has 198", n)
				}
			})
			t.Run("idp: 6 cases", func(t *testing.T) {
				if n := runSearchCases(t, search, filepath.Join(dir, "idp", "results.json"), "resource"); n != 6 {
					t.Errorf("ran %d idp cases, the suite has 6", n)
				}
			})
			t.Run("todo, authorization-api-1_0-02: 43 cases", func(t *testing.T) {
				if n := runTodoCases(t, todo, filepath.Join(dir, "todo", "decisions-authorization-api-1_0-02.json")); n != 43 {
					t.Errorf("ran %d todo cases, the suite has 43", n)
				}
			})
		})
	}
}

// interopAccount is one account of the scenarios and the way in.
type interopAccount struct {
	name, slug, email string
	url, admin        string
	secret            string
}

const interopPassword = "interop-admin-password"

// newInteropAccount makes the account and its first global admin with the
// "admin create" command, as an operator would.
func newInteropAccount(t *testing.T, c Config, name string) *interopAccount {
	a := &interopAccount{name: name, email: "admin@" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) + ".example"}
	args := []string{"admin", "create", "--email", a.email, "--password", interopPassword, "--account", name}
	if c.PostgresDSN != "" {
		args = append(args, "--postgres", c.PostgresDSN)
	} else {
		args = append(args, "--db", c.DBPath)
	}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatalf("admin create: %v: %s", err, out.String())
	}
	a.slug = strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	return a
}

func (a *interopAccount) signIn(t *testing.T) {
	_, body := postJSON(t, a.url+"/api/v1/auth/login", "", map[string]string{"account": a.slug, "email": a.email, "password": interopPassword})
	tok, _ := body["token"].(string)
	if tok == "" {
		t.Fatalf("sign-in to %s: %v", a.name, body)
	}
	a.admin = tok
}

// create posts to the JSON API as the account's admin and returns the id.
func (a *interopAccount) create(t *testing.T, path string, body any) string {
	t.Helper()
	resp, out := postJSON(t, a.url+path, a.admin, body)
	if resp.StatusCode != 201 {
		t.Fatalf("POST %s %v: %d %v", path, body, resp.StatusCode, out)
	}
	if s, ok := out["secret"].(string); ok {
		a.secret = s
	}
	return out["id"].(string)
}

func (a *interopAccount) group(t *testing.T, name string, customers []string, perms ...string) string {
	body := map[string]any{"name": name, "access_type": "all_customers", "permissions": perms}
	if customers != nil {
		body["access_type"], body["customer_ids"] = "select_customers", customers
	}
	return a.create(t, "/api/v1/security-groups", body)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// loadSearchScenario: departments are customers; every user views their
// own department's records and views, edits and deletes their own
// (documents they wrote); managers view every department and edit in
// their own. Records are documents whose external ids are the suite's.
func loadSearchScenario(t *testing.T, a *interopAccount, dir string) {
	var users []struct{ ID, Role, Department string }
	var recs []struct {
		ID         int
		Title      string
		Department string
		Owner      string
	}
	readJSON(t, filepath.Join(dir, "search", "data", "users.json"), &users)
	readJSON(t, filepath.Join(dir, "search", "data", "records.json"), &recs)
	depts := map[string]string{}
	members := map[string]string{}
	for _, d := range []string{"Legal", "Accounting", "Sales", "Finance"} {
		depts[d] = a.create(t, "/api/v1/customers", map[string]any{"name": d})
		members[d] = a.group(t, d+" department", []string{depts[d]}, "documentation.view")
	}
	own := a.group(t, "Everyone: own records", nil, "documentation.view_own", "documentation.edit_own", "documentation.delete_own")
	managers := a.group(t, "Managers: every department", nil, "documentation.view")
	userIDs := map[string]string{}
	for _, u := range users {
		groups := []string{members[u.Department], own}
		if u.Role == "manager" {
			groups = append(groups, managers, a.group(t, u.Department+" managers", []string{depts[u.Department]}, "documentation.edit"))
		}
		userIDs[u.ID] = a.create(t, "/api/v1/users", map[string]any{"email": u.ID + "@search.example", "name": u.ID,
			"password": interopPassword, "external_id": u.ID, "security_group_ids": groups})
	}
	for _, r := range recs {
		a.create(t, "/api/v1/documents", map[string]any{"customer_id": depts[r.Department], "title": r.Title,
			"author_id": userIDs[r.Owner], "external_id": fmt.Sprint(r.ID)})
	}
	a.create(t, "/api/v1/api-clients", map[string]any{"name": "search interop", "ids": "external"})
}

// loadTodoScenario: one customer; the roles are groups over all
// customers; the five users' external ids are their PIDs; todos are
// tickets assigned to their owners.
func loadTodoScenario(t *testing.T, a *interopAccount) {
	customer := a.create(t, "/api/v1/customers", map[string]any{"name": "interop"})
	base := []string{"users.view", "tickets.view"}
	editor := append(slices.Clone(base), "tickets.create", "tickets.edit_own", "tickets.delete_own")
	groups := map[string]string{
		"viewer":      a.group(t, "viewer", nil, base...),
		"editor":      a.group(t, "editor", nil, editor...),
		"admin":       a.group(t, "admin", nil, append(slices.Clone(editor), "tickets.delete")...),
		"evil_genius": a.group(t, "evil_genius", nil, append(slices.Clone(editor), "tickets.edit")...),
	}
	// The users' PIDs, as the suite's subjects name them.
	pid := func(n int) string {
		return "CiRmZD" + string("AEIMQ"[n]) + "2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"
	}
	ids := map[string]string{}
	for i, u := range []struct {
		email string
		roles []string
	}{
		{"rick@the-citadel.com", []string{"admin", "evil_genius"}},
		{"morty@the-citadel.com", []string{"editor"}},
		{"summer@the-smiths.com", []string{"editor"}},
		{"beth@the-smiths.com", []string{"viewer"}},
		{"jerry@the-smiths.com", []string{"viewer"}},
	} {
		var gs []string
		for _, r := range u.roles {
			gs = append(gs, groups[r])
		}
		ids[u.email] = a.create(t, "/api/v1/users", map[string]any{"email": u.email, "name": u.email, "password": interopPassword,
			"external_id": pid(i), "security_group_ids": gs})
	}
	for ext, owner := range map[string]string{
		"todo-1":                               "rick@the-citadel.com",
		"7240d0db-8ff0-41ec-98b2-34a096273b91": "morty@the-citadel.com", "7240d0db-8ff0-41ec-98b2-34a096273b92": "rick@the-citadel.com",
		"7240d0db-8ff0-41ec-98b2-34a096273b93": "summer@the-smiths.com", "7240d0db-8ff0-41ec-98b2-34a096273b94": "beth@the-smiths.com",
		"7240d0db-8ff0-41ec-98b2-34a096273b95": "jerry@the-smiths.com",
	} {
		a.create(t, "/api/v1/tickets", map[string]any{"customer_id": customer, "subject": "todo " + ext, "assignee_id": ids[owner], "external_id": ext})
	}
	a.create(t, "/api/v1/api-clients", map[string]any{"name": "todo interop", "ids": "external"})
}

// adapt maps the suites' type and action names onto Gatehouse's, in a
// request as the suites send it.
func adapt(req map[string]any) map[string]any {
	for _, k := range []string{"subject", "resource"} {
		if e, ok := req[k].(map[string]any); ok {
			if to, ok := adaptTypes[fmt.Sprint(e["type"])]; ok {
				e["type"] = to
			}
		}
	}
	if act, ok := req["action"].(map[string]any); ok {
		if to, ok := adaptActions[fmt.Sprint(act["name"])]; ok {
			act["name"] = to
		}
	}
	return req
}

// ask sends a request as the runner does, with the API client's secret.
func (a *interopAccount) ask(t *testing.T, path string, body any) []byte {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", a.url+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", a.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return out
}

// runSearchCases runs a search suite's file with its runner's rule:
// results sorted by type and id (or name), compared as JSON.
func runSearchCases(t *testing.T, a *interopAccount, file, kind string) int {
	var suite map[string][]struct {
		Request  map[string]any
		Expected struct{ Results []map[string]any }
	}
	readJSON(t, file, &suite)
	n := 0
	for _, cases := range suite {
		for _, c := range cases {
			n++
			raw := a.ask(t, "/access/v1/search/"+kind, adapt(c.Request))
			var got struct{ Results []map[string]any }
			json.Unmarshal(raw, &got)
			for _, r := range got.Results {
				if back, ok := map[string]string{"document": "record", "ticket": "todo"}[fmt.Sprint(r["type"])]; ok {
					r["type"] = back
				}
			}
			if g, w := canonical(got.Results), canonical(c.Expected.Results); g != w {
				t.Errorf("%s search %v:\n got %s\nwant %s\n(answer %s)", kind, c.Request, g, w, raw)
			}
		}
	}
	return n
}

// canonical sorts results as the search runner does and writes them with
// their members in one order; nulls are dropped.
func canonical(rs []map[string]any) string {
	rs = slices.DeleteFunc(slices.Clone(rs), func(r map[string]any) bool { return r == nil })
	key := func(r map[string]any) string { return fmt.Sprint(r["type"], "\x00", r["id"], "\x00", r["name"]) }
	slices.SortFunc(rs, func(x, y map[string]any) int { return strings.Compare(key(x), key(y)) })
	b, _ := json.Marshal(rs)
	return string(b)
}

// runTodoCases runs the todo suite with its runner's rules: a single
// evaluation's decision (missing is false), and a batch's evaluations
// array compared exactly as JSON text.
func runTodoCases(t *testing.T, a *interopAccount, file string) int {
	var suite struct {
		Evaluation []struct {
			Request  map[string]any
			Expected bool
		}
		Evaluations []struct {
			Request  map[string]any
			Expected json.RawMessage
		}
	}
	readJSON(t, file, &suite)
	for _, c := range suite.Evaluation {
		raw := a.ask(t, "/access/v1/evaluation", adapt(c.Request))
		var got struct{ Decision bool }
		json.Unmarshal(raw, &got)
		if got.Decision != c.Expected {
			t.Errorf("evaluation %v: %s, want decision %v", c.Request, raw, c.Expected)
		}
	}
	for _, c := range suite.Evaluations {
		req := adapt(c.Request)
		if items, ok := req["evaluations"].([]any); ok {
			for _, it := range items {
				adapt(it.(map[string]any))
			}
		}
		raw := a.ask(t, "/access/v1/evaluations", req)
		var got struct{ Evaluations json.RawMessage }
		json.Unmarshal(raw, &got)
		var want bytes.Buffer
		json.Compact(&want, c.Expected)
		if string(got.Evaluations) != want.String() {
			t.Errorf("evaluations %v:\n got %s\nwant %s", c.Request, got.Evaluations, want.String())
		}
	}
	return len(suite.Evaluation) + len(suite.Evaluations)
}
