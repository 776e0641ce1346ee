package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gatehouse/internal/authz"
	"gatehouse/internal/clientip"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/usecase"
)

// The findings of the security review of the running server, each pinned
// through the JSON API. The web admin's side is pinned by the web
// package's parity test, which sends the same bad inputs through both.

func TestParallelWrongPasswordsEvaluateAtMostTheLimit(t *testing.T) {
	w := newWorld(t, dbtest.Backends(t)[0].Open(t))
	w.newUser(w.acct.ID, "victim@test.example", false)
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status, _, _ := w.do("", "POST", "/api/v1/auth/login", w.creds("victim@test.example", "guess-"+id(int64(i))))
			mu.Lock()
			counts[status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if counts[http.StatusUnauthorized] > 10 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 60 {
		t.Fatalf("60 parallel wrong passwords answered %v: at most 10 may be evaluated (401), the rest refused (429)", counts)
	}
	status, _, hdr := w.do("", "POST", "/api/v1/auth/login", w.creds("victim@test.example", testPassword))
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Fatalf("the right password after the burst: %d (Retry-After %q), want 429 with Retry-After", status, hdr.Get("Retry-After"))
	}
}

// serveBehind starts an API over db that believes X-Forwarded-For from
// the trusted CIDRs.
func serveBehind(t *testing.T, db *sqldb.DB, trusted ...string) *world {
	gate := authz.NewGate(db, nil)
	var err error
	if gate.Addrs, err = clientip.New(trusted); err != nil {
		t.Fatal(err)
	}
	uc := usecase.New(db, usecase.Config{Password: fastHash, HashSlots: 4})
	api := httpapi.New(db, uc, gate, slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &world{t: t, db: db, srv: srv}
}

// A session used from somewhere new shows it at once: the address a
// stolen session is used from is what its owner looks for.
func TestSessionsShowWhereTheyWereLastUsedFrom(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			w := serveBehind(t, b.Open(t), "127.0.0.1/32")
			w.acct = w.account("Proxied MSP")
			w.newUser(w.acct.ID, "roams@test.example", false)
			call := func(from, token, method, path string, body any) []byte {
				t.Helper()
				raw, _ := json.Marshal(body)
				req, _ := http.NewRequest(method, w.srv.URL+path, bytes.NewReader(raw))
				req.Header.Set("X-Forwarded-For", from)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				} else {
					req.Body, req.ContentLength = nil, 0
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := w.httpClient().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				out, _ := io.ReadAll(res.Body)
				if res.StatusCode != 200 {
					t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
				}
				return out
			}
			var signIn struct{ Token string }
			json.Unmarshal(call("203.0.113.1", "", "POST", "/api/v1/auth/login", w.creds("roams@test.example", testPassword)), &signIn)
			for _, from := range []string{"203.0.113.1", "198.51.100.2"} {
				call(from, signIn.Token, "GET", "/api/v1/me", nil)
			}
			var list struct {
				Items []struct {
					CreatedIP  string `json:"created_ip"`
					LastUsedIP string `json:"last_used_ip"`
					Current    bool
				}
			}
			json.Unmarshal(call("198.51.100.2", signIn.Token, "GET", "/api/v1/me/sessions", nil), &list)
			if len(list.Items) != 1 || list.Items[0].CreatedIP != "203.0.113.1" || list.Items[0].LastUsedIP != "198.51.100.2" {
				t.Fatalf("sessions %+v, want one opened from 203.0.113.1 and last used from 198.51.100.2", list.Items)
			}
		})
	}
}

// Behind a reverse proxy every request comes from the proxy's address.
// Believing X-Forwarded-For only from a configured proxy keys the
// throttle on the real client: one client's guesses block that client,
// not every user behind the proxy — and a client cannot forge its way
// past the limit with the header.
func TestTheThrottleKeysOnTheClientBehindATrustedProxy(t *testing.T) {
	db := dbtest.Backends(t)[0].Open(t)
	serve := func(trusted ...string) *world { return serveBehind(t, db, trusted...) }
	w := serve("127.0.0.1/32")
	w.acct = w.account("Proxied MSP")
	w.newUser(w.acct.ID, "a@test.example", false)
	w.newUser(w.acct.ID, "b@test.example", false)
	from := func(client string) http.Header { return http.Header{"X-Forwarded-For": {client}} }
	for i := range 10 {
		w.wantStatusFrom(401, from("203.0.113.1"), w.creds("nobody"+id(int64(i))+"@test.example", "wrong password!"))
	}
	w.wantStatusFrom(429, from("203.0.113.1"), w.creds("a@test.example", testPassword))
	w.wantStatusFrom(200, from("198.51.100.2"), w.creds("b@test.example", testPassword))
	// A forged left-most address does not get the blocked client through.
	w.wantStatusFrom(429, from("198.51.100.99, 203.0.113.1"), w.creds("a@test.example", testPassword))

	// Without the proxy configured, the header is ignored: the peer is
	// the client, and it is now blocked.
	direct := serve()
	direct.acct = w.acct
	for i := range 10 {
		direct.wantStatusFrom(401, from("192.0.2."+id(int64(i))), direct.creds("nobody"+id(int64(i))+"@test.example", "wrong password!"))
	}
	direct.wantStatusFrom(429, from("192.0.2.200"), direct.creds("b@test.example", testPassword))
}

func (w *world) wantStatusFrom(want int, hdr http.Header, body any) {
	w.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/auth/login", strings.NewReader(string(b)))
	req.Header = hdr.Clone()
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != want {
		w.t.Fatalf("sign-in from %v: %d, want %d", hdr, res.StatusCode, want)
	}
}

func TestPersonalTokensAreGrantedAndLimited(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		scoped := w.scoped("scoped@test.example", []int64{x}, "customers.view")
		w.wantRefused(t, scoped, "POST", "/api/v1/me/tokens", map[string]any{"name": "mine"}, forbidden("api_tokens.manage"))

		makers := w.group("Token makers", gatehouse.AllCustomers, nil, "customers.view", "assets.view", "api_tokens.manage")
		owner := w.login(w.newUser(w.acct.ID, "owner@test.example", false, makers))
		w.wantRefused(t, owner, "POST", "/api/v1/me/tokens", map[string]any{"name": "too much", "permissions": []string{"credentials.reveal"}},
			refusal{status: 403, field: "permissions", says: []string{"credentials.reveal"}})
		var limited struct {
			ID, Token   string
			Permissions []string
		}
		w.want(201, owner, "POST", "/api/v1/me/tokens", map[string]any{"name": "reader", "permissions": []string{"customers.view"}}, &limited)
		w.want(200, limited.Token, "GET", "/api/v1/customers", nil, nil)
		w.wantRefused(t, limited.Token, "GET", "/api/v1/assets", nil, forbidden("assets.view"))
		// A token made through a limited token is limited alike.
		var child struct{ Permissions []string }
		w.wantRefused(t, limited.Token, "POST", "/api/v1/me/tokens", map[string]any{"name": "child"}, forbidden("api_tokens.manage"))
		_ = child

		// The limit is re-derived on every request: the owner losing the
		// permission takes it from the token at once.
		var full struct{ Token string }
		w.want(201, owner, "POST", "/api/v1/me/tokens", map[string]any{"name": "full"}, &full)
		w.want(200, full.Token, "GET", "/api/v1/assets", nil, nil)
		w.want(200, w.admin, "PATCH", "/api/v1/security-groups/"+id(makers), map[string]any{"permissions": []string{"api_tokens.manage", "assets.view"}}, nil)
		w.wantRefused(t, limited.Token, "GET", "/api/v1/customers", nil, forbidden("customers.view"))
		w.want(200, full.Token, "GET", "/api/v1/assets", nil, nil)

		// Last use shows; a manager of the user lists and revokes tokens.
		var users struct{ Items []struct{ ID, Email string } }
		w.want(200, w.admin, "GET", "/api/v1/users?q=owner", nil, &users)
		ownerID := users.Items[0].ID
		var list struct {
			Items []struct {
				ID         string
				Name       string
				LastUsedAt *string `json:"last_used_at"`
			}
		}
		w.want(200, w.admin, "GET", "/api/v1/users/"+ownerID+"/tokens", nil, &list)
		if len(list.Items) != 2 || list.Items[0].LastUsedAt == nil {
			t.Fatalf("the owner's tokens as their manager sees them: %+v", list.Items)
		}
		w.want(204, w.admin, "DELETE", "/api/v1/users/"+ownerID+"/tokens/"+list.Items[0].ID, nil, nil)
		w.want(401, limited.Token, "GET", "/api/v1/me", nil, nil)
		// A delegated manager may not list the tokens of someone holding more.
		mgrs := w.group("User managers", gatehouse.AllCustomers, nil, "users.view", "users.manage")
		mgr := w.login(w.newUser(w.acct.ID, "usermgr@test.example", false, mgrs))
		w.wantRefused(t, mgr, "GET", "/api/v1/users/"+ownerID+"/tokens", nil, forbidden(saysHoldsMore))

		// A password reset ends every token of the user, not only sessions.
		w.want(200, w.admin, "PATCH", "/api/v1/users/"+ownerID, map[string]any{"password": "a brand new passphrase"}, nil)
		w.want(401, full.Token, "GET", "/api/v1/me", nil, nil)
		w.want(401, owner, "GET", "/api/v1/me", nil, nil)
	})
}

// No answer about one account may reveal anything about another: an
// address used in another account is simply free here.
func TestAnotherAccountsAddressesAreInvisible(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		other := w.account("Other MSP")
		w.newUser(other.ID, "shared@example.com", true)
		w.want(201, w.admin, "POST", "/api/v1/users", map[string]any{"email": "shared@example.com", "password": testPassword, "security_group_ids": []string{}}, nil)
		w.wantRefused(t, w.admin, "POST", "/api/v1/users", map[string]any{"email": "shared@example.com", "password": testPassword, "security_group_ids": []string{}},
			refusal{status: 409, field: "email"})
		// Both sign in, each to their own account.
		for _, slug := range []string{w.acct.Slug, other.Slug} {
			var out struct{ Token string }
			w.want(200, "", "POST", "/api/v1/auth/login", map[string]string{"account": slug, "email": "shared@example.com", "password": testPassword}, &out)
			var me struct{ Account struct{ Name string } }
			w.want(200, out.Token, "GET", "/api/v1/me", nil, &me)
		}
		// With several accounts on the server, the account must be named.
		w.wantRefused(t, "", "POST", "/api/v1/auth/login", map[string]string{"email": "shared@example.com", "password": testPassword},
			refusal{status: 400, field: "account"})
	})
}

func TestEveryChangeIsAuditedWithNamesAndAFailedSignInWithTheAddressTried(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "Xenon")
		asset := w.rec("assets", x, records.Values{"name": "X laptop"})
		policy := w.rec("policies", 0, records.Values{"name": "Baseline"})
		alert := w.rec("alerts", 0, records.Values{"asset_id": asset, "message": "Disk full"})
		ticket := w.rec("tickets", x, records.Values{"subject": "Printer"})
		w.rec("contacts", x, records.Values{"name": "Pat", "email": "pat@x.example"})
		campaign := w.rec("campaigns", x, records.Values{"name": "Newsletter", "subject": "News"})
		w.want(200, w.admin, "PUT", "/api/v1/assets/"+id(asset)+"/policy", map[string]any{"policy_id": id(policy)}, nil)
		w.want(204, w.admin, "PUT", "/api/v1/policies/"+id(policy)+"/customers/"+id(x), nil, nil)
		w.want(204, w.admin, "DELETE", "/api/v1/policies/"+id(policy)+"/customers/"+id(x), nil, nil)
		w.want(200, w.admin, "POST", "/api/v1/alerts/"+id(alert)+"/clear", nil, nil)
		w.want(201, w.admin, "POST", "/api/v1/tickets/"+id(ticket)+"/comments", map[string]any{"body": "on it"}, nil)
		w.want(200, w.admin, "POST", "/api/v1/campaigns/"+id(campaign)+"/send", nil, nil)
		w.do("", "POST", "/api/v1/auth/login", map[string]string{"account": w.acct.Slug, "email": "Ghost@Test.example", "password": "not the password"})
		w.want(204, w.admin, "DELETE", "/api/v1/customers/"+id(x), nil, nil)

		var page struct {
			Items []struct {
				Action        string
				TargetType    string  `json:"target_type"`
				TargetID      *string `json:"target_id"`
				After, Before map[string]any
			}
		}
		w.want(200, w.admin, "GET", "/api/v1/audit?limit=500", nil, &page)
		seen := map[string]map[string]any{}
		deleted := map[string]bool{}
		for _, e := range page.Items {
			v := e.After
			if v == nil {
				v = e.Before
			}
			seen[e.Action] = v
			if strings.HasSuffix(e.Action, ".delete") {
				deleted[e.TargetType+":"+*e.TargetID] = true
			}
		}
		for action, named := range map[string]string{"asset.policy.set": "X laptop", "policy.assign": "Baseline", "policy.unassign": "Baseline",
			"alert.clear": "Disk full", "ticket.comment.add": "Printer", "campaign.send": "Newsletter"} {
			v, ok := seen[action]
			if !ok {
				t.Errorf("no %s entry", action)
				continue
			}
			if !strings.Contains(mustJSON(v), named) {
				t.Errorf("%s does not name the record: %v", action, v)
			}
		}
		if v := seen["auth.sign_in_failed"]; v["email"] != "ghost@test.example" {
			t.Errorf("a failed sign-in does not record the address tried: %v", v)
		}
		// Deleting the customer wrote one entry for each record it took.
		for _, want := range []string{"asset:" + id(asset), "ticket:" + id(ticket), "campaign:" + id(campaign), "alert:" + id(alert)} {
			if !deleted[want] {
				t.Errorf("the customer's deletion left no entry for %s", want)
			}
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Effective access shows what a user holds only as far as the caller may
// see: no customer outside the caller's view, and groups only to a caller
// who may see groups — as explain, the access review and the map do.
func TestEffectiveAccessShowsOnlyWhatTheCallerMaySee(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		both := w.group("Both", gatehouse.SelectCustomers, []int64{x, y}, "assets.view")
		w.newUser(w.acct.ID, "target@test.example", false, both)
		viewers := w.group("User viewers", gatehouse.AllCustomers, nil, "users.view")
		onX := w.group("See X", gatehouse.SelectCustomers, []int64{x}, "customers.view")
		tok := w.login(w.newUser(w.acct.ID, "viewer@test.example", false, viewers, onX))
		var users struct{ Items []struct{ ID, Email string } }
		w.want(200, w.admin, "GET", "/api/v1/users?q=target", nil, &users)
		raw := w.want(200, tok, "GET", "/api/v1/users/"+users.Items[0].ID+"/effective-access", nil, nil)
		var out struct {
			Permissions []struct {
				Permission string
				Scope      struct {
					Kind        string
					CustomerIDs []string `json:"customer_ids"`
				}
				Hidden bool `json:"also_customers_you_cannot_see"`
				Groups []struct{ Name string }
			}
		}
		json.Unmarshal(raw, &out)
		if len(out.Permissions) != 1 {
			t.Fatalf("permissions %s", raw)
		}
		p := out.Permissions[0]
		if strings.Join(p.Scope.CustomerIDs, ",") != id(x) || !p.Hidden || len(p.Groups) != 0 { // y is never named
			t.Fatalf("a viewer of X only sees %s", raw)
		}
		// The access map by groups names groups: it needs security_groups.view.
		w.wantRefused(t, tok, "GET", "/api/v1/access/map.svg?by=groups", nil, forbidden("security_groups.view"))
	})
}

// A dry run answers what the change would do and writes nothing; the
// real change then gives exactly the access the preview showed.
func TestDryRunPreviewsMatchTheChangeThatFollows(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		g := w.group("Client IT", gatehouse.SelectCustomers, []int64{x}, "credentials.view", "credentials.reveal")
		w.newUser(w.acct.ID, "it@test.example", false, g)
		var users struct{ Items []struct{ ID, Email string } }
		w.want(200, w.admin, "GET", "/api/v1/users?q=it@", nil, &users)
		uid := users.Items[0].ID
		effective := func() string {
			raw := w.want(200, w.admin, "GET", "/api/v1/users/"+uid+"/effective-access", nil, nil)
			var out struct {
				Permissions []struct {
					Permission string
					Scope      struct {
						Kind        string
						CustomerIDs []string `json:"customer_ids"`
					}
				}
			}
			json.Unmarshal(raw, &out)
			var b strings.Builder
			for _, p := range out.Permissions {
				b.WriteString(p.Permission + "=" + p.Scope.Kind + ":" + strings.Join(p.Scope.CustomerIDs, ",") + " ")
			}
			return b.String()
		}
		before := effective()
		change := map[string]any{"access_type": "all_customers", "customer_ids": []string{}}
		var preview struct {
			DryRun  bool   `json:"dry_run"`
			Summary string `json:"summary"`
			Digest  string `json:"digest"`
			Users   []struct {
				Email string
				Gains []struct {
					Permission string
					Scope      struct {
						Kind        string
						CustomerIDs []string `json:"customer_ids"`
					}
				}
			}
		}
		w.want(200, w.admin, "PATCH", "/api/v1/security-groups/"+id(g)+"?dry_run=true", change, &preview)
		if effective() != before {
			t.Fatal("a dry run changed the user's access")
		}
		if !preview.DryRun || len(preview.Users) != 1 || preview.Users[0].Email != "it@test.example" ||
			!strings.Contains(preview.Summary, "1 user gains access to all customers but 1, among them credentials.reveal") {
			t.Fatalf("preview %+v", preview)
		}
		// Gains are the customers beyond X: all customers but X.
		for _, gain := range preview.Users[0].Gains {
			if gain.Scope.Kind != "all_except" || strings.Join(gain.Scope.CustomerIDs, ",") != id(x) {
				t.Fatalf("gain %+v", gain)
			}
		}
		// A stale confirmation is refused; the previewed one applies.
		w.wantRefused(t, w.admin, "PATCH", "/api/v1/security-groups/"+id(g)+"?confirm=not-the-digest", change, refusal{status: 409, field: "confirm"})
		w.want(200, w.admin, "PATCH", "/api/v1/security-groups/"+id(g)+"?confirm="+preview.Digest, change, nil)
		after := effective()
		for _, gain := range preview.Users[0].Gains {
			if !strings.Contains(after, gain.Permission+"=all:") {
				t.Fatalf("after the change %s; the preview said %s gains all but X", after, gain.Permission)
			}
		}
		_ = y
		w.wantRefused(t, w.admin, "PATCH", "/api/v1/security-groups/"+id(g)+"?dry_run=maybe", change, refusal{status: 400, field: "dry_run"})
	})
}
