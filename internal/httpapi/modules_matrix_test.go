package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/records"
)

// The authorization matrix: every route of the API, called by every kind
// of caller, with the status each must get and — for every response,
// lists, CSV exports, search and reports included — no record or name
// the caller must not see.
//
// Customer X's fixtures carry "xmark" in their text, customer Y's
// "ymark", shared-library records "libmark", the MSP's own restricted
// records "mspmark", and the account's users and groups "amark" or the
// a-msp.example domain.

const (
	roleAdmin   = "global admin"
	roleIn      = "holder in scope"
	roleOut     = "holder out of scope"
	rolePairing = "holder through another group scoped elsewhere"
	roleNoArea  = "user without the area"
	roleOther   = "other-account user"
	roleAnon    = "anonymous"
)

var roles = []string{roleAnon, roleOther, roleNoArea, rolePairing, roleOut, roleIn, roleAdmin}

// forbiddenText is what each role must never read.
var forbiddenText = map[string][]string{
	roleIn:      {"ymark", "mspmark"},
	roleOut:     {"xmark", "mspmark"},
	rolePairing: {"xmark", "mspmark"},
	roleNoArea:  {"ymark", "mspmark"},
	roleOther:   {"xmark", "ymark", "libmark", "mspmark", "amark", "a-msp.example"},
	roleAnon:    {"xmark", "ymark", "libmark", "mspmark", "amark", "a-msp.example"},
}

type matrix struct {
	w            *world
	x, xd, xa, y int64
	xIDs, yIDs   map[string]int64 // module key → that customer's record
	mspIDs       map[string]int64 // module key → the MSP's restricted record
	spareUser    int64
	spareGroup   int64
	spareClient  int64
	provider     int64             // an identity provider of the account
	tokens       map[string]string // role or role+opening set → token
	otherTokens  string
	n            int
}

func (mx *matrix) unique(prefix string) string {
	mx.n++
	return fmt.Sprintf("%s %d", prefix, mx.n)
}

// buildMatrix fills the account with one record of every module for X
// and for Y, shared-library and restricted records, and the callers.
func buildMatrix(t *testing.T, w *world) *matrix {
	t.Helper()
	mx := &matrix{w: w, xIDs: map[string]int64{}, yIDs: map[string]int64{}, mspIDs: map[string]int64{}, tokens: map[string]string{}}
	mx.x = w.customer(w.acct.ID, "Xenon xmark Clinic")
	mx.xd = w.customer(w.acct.ID, "Xd xmark doomed")
	mx.xa = w.customer(w.acct.ID, "Xa xmark archived")
	mx.y = w.customer(w.acct.ID, "Yarrow ymark Farms")
	mx.xIDs["customers"], mx.yIDs["customers"] = mx.x, mx.y
	admin, _ := w.db.UserByEmail(context.Background(), w.acct.ID, "admin@a-msp.example")
	for _, side := range []struct {
		customer int64
		mark     string
		ids      map[string]int64
	}{{mx.x, "xmark", mx.xIDs}, {mx.y, "ymark", mx.yIDs}} {
		c, mk, ids := side.customer, side.mark, side.ids
		ids["contacts"] = w.rec("contacts", c, records.Values{"name": mk + " contact", "email": mk + ".contact@example.com"})
		ids["assets"] = w.rec("assets", c, records.Values{"name": mk + " asset", "serial": mk + "-serial"})
		ids["alerts"] = w.rec("alerts", 0, records.Values{"asset_id": ids["assets"], "message": mk + " alert"})
		ids["tickets"] = w.rec("tickets", c, records.Values{"subject": mk + " ticket", "asset_id": ids["assets"], "contact_id": ids["contacts"]})
		w.db.AddNote(context.Background(), w.acct.ID, records.TicketComments, ids["tickets"], admin.ID, mk+" comment", everywhere)
		ids["timelogs"] = w.rec("timelogs", 0, records.Values{"ticket_id": ids["tickets"], "minutes": int64(30), "note": mk + " timelog", "user_id": admin.ID})
		ids["scripts"] = w.rec("scripts", c, records.Values{"name": mk + " script", "body": "echo " + mk})
		run, err := w.db.CreateScriptRun(context.Background(), w.acct.ID, ids["scripts"], ids["assets"], admin.ID, everywhere, everywhere,
			func(int64, int64) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		ids["script-runs"] = run.ID
		if err := w.db.FinishScriptRun(context.Background(), w.acct.ID, run.ID, "succeeded", mk+" output"); err != nil {
			t.Fatal(err)
		}
		ids["policies"] = w.rec("policies", c, records.Values{"name": mk + " policy"})
		if err := w.db.AssignPolicy(context.Background(), w.acct.ID, ids["policies"], c, true, everywhere, func(int64, int64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		ids["documents"] = w.rec("documents", c, records.Values{"title": mk + " doc", "body": mk + " body"})
		var cred struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(c), "name": mk + " cred", "secret": mk + " secret"}, &cred)
		fmt.Sscan(cred.ID, new(int64))
		ids["credentials"] = mustID(t, cred.ID)
		ids["invoices"] = w.rec("invoices", c, records.Values{"number": mk + "-INV"}, records.Line{Description: mk + " line", Quantity: 2, UnitPrice: 1500})
		ids["estimates"] = w.rec("estimates", c, records.Values{"number": mk + "-EST"}, records.Line{Description: mk + " line", Quantity: 1, UnitPrice: 900})
		ids["payments"] = w.rec("payments", 0, records.Values{"invoice_id": ids["invoices"], "amount": int64(1000), "reference": mk + " payment"})
		ids["contracts"] = w.rec("contracts", c, records.Values{"name": mk + " contract", "amount": int64(5000)})
		ids["appointments"] = w.rec("appointments", c, records.Values{"title": mk + " appointment", "user_id": admin.ID, "starts_at": soon, "ends_at": soon.Add(3600e9)})
		ids["chats"] = w.rec("chats", c, records.Values{"subject": mk + " chat", "user_id": admin.ID})
		w.db.AddNote(context.Background(), w.acct.ID, records.ChatMessages, ids["chats"], admin.ID, mk+" message", everywhere)
		ids["leads"] = w.rec("leads", c, records.Values{"name": mk + " lead"})
		ids["campaigns"] = w.rec("campaigns", c, records.Values{"name": mk + " campaign", "subject": mk + " news"})
	}
	w.rec("scripts", 0, records.Values{"name": "libmark script"})
	w.rec("policies", 0, records.Values{"name": "libmark policy"})
	w.rec("documents", 0, records.Values{"title": "libmark doc"})
	var cred struct{ ID string }
	w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"name": "mspmark cred", "secret": "mspmark secret"}, &cred)
	mx.mspIDs["credentials"] = mustID(t, cred.ID)
	mx.mspIDs["leads"] = w.rec("leads", 0, records.Values{"name": "mspmark lead"})
	mx.mspIDs["campaigns"] = w.rec("campaigns", 0, records.Values{"name": "mspmark campaign", "subject": "mspmark news"})

	w.newUser(w.acct.ID, "spare@a-msp.example", false)
	spare, _ := w.db.UserByEmail(context.Background(), w.acct.ID, "spare@a-msp.example")
	mx.spareUser = spare.ID
	mx.spareGroup = w.group("amark spare group", gatehouse.AllCustomers, nil)
	mx.spareClient = mx.apiClient("amark spare client")
	mx.provider = mx.ssoProvider()

	all := customerScoped()
	mx.tokens[roleAdmin] = w.admin
	mx.tokens[roleIn] = w.login(w.newUser(w.acct.ID, "in@a-msp.example", false,
		w.group("in scope", gatehouse.SelectCustomers, []int64{mx.x, mx.xd, mx.xa}, all...)))
	mx.tokens[roleOut] = w.login(w.newUser(w.acct.ID, "out@a-msp.example", false,
		w.group("out of scope", gatehouse.SelectCustomers, []int64{mx.y}, all...)))
	mx.tokens["wide"] = w.login(w.newUser(w.acct.ID, "wide@a-msp.example", false,
		w.group("account-wide", gatehouse.AllCustomers, nil, append(accountWide(), "customers.view")...)))
	other := w.account("B bmark MSP")
	w.customer(other.ID, "Zed of B")
	mx.otherTokens = w.login(w.newUser(other.ID, "admin@b-msp.example", true))
	return mx
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		t.Fatalf("bad id %q", s)
	}
	return n
}

// opening is the permissions that open a route.
func opening(rt httpapi.Route) []string {
	return append([]string{rt.Need.Permission}, rt.AlsoOpens()...)
}

// token returns the caller for a role on a route, creating the pairing
// and no-area users the route needs.
func (mx *matrix) token(rt httpapi.Route, role string) string {
	w := mx.w
	switch role {
	case roleAnon:
		return ""
	case roleOther:
		return mx.otherTokens
	case roleIn:
		if isWide(rt) {
			return mx.tokens["wide"]
		}
	case rolePairing:
		open := opening(rt)
		key := "pairing " + strings.Join(open, ",")
		if tok, ok := mx.tokens[key]; ok {
			return tok
		}
		ga := w.group(mx.unique("pairing A"), gatehouse.SelectCustomers, []int64{mx.x},
			without(customerScoped(), func(p string) bool { return slices.Contains(open, p) })...)
		gb := w.group(mx.unique("pairing B"), gatehouse.SelectCustomers, []int64{mx.y}, open...)
		mx.tokens[key] = w.login(w.newUser(w.acct.ID, strings.ReplaceAll(mx.unique("pairing"), " ", "")+"@a-msp.example", false, ga, gb))
		return mx.tokens[key]
	case roleNoArea:
		area, _ := catalog.AreaOf(rt.Need.Permission)
		key := "noarea " + area.Key
		if tok, ok := mx.tokens[key]; ok {
			return tok
		}
		open := opening(rt)
		g := w.group(mx.unique("no area"), gatehouse.SelectCustomers, []int64{mx.x}, without(customerScoped(), func(p string) bool {
			a, _ := catalog.AreaOf(p)
			return a.Key == area.Key || slices.Contains(open, p)
		})...)
		mx.tokens[key] = w.login(w.newUser(w.acct.ID, strings.ReplaceAll(mx.unique("noarea"), " ", "")+"@a-msp.example", false, g))
		return mx.tokens[key]
	}
	return mx.tokens[role]
}

func isWide(rt httpapi.Route) bool {
	p, ok := catalog.Lookup(rt.Need.Permission)
	return ok && !p.CustomerScoped()
}

// moduleOf is the module key of a path: /api/v1/<key>/….
func moduleOf(path string) string {
	rest := strings.TrimPrefix(path, "/api/v1/")
	key, _, _ := strings.Cut(rest, "/")
	return key
}

// allowed reports whether a role must succeed on a route.
func allowed(role string) bool { return role == roleAdmin || role == roleIn }

// destructive calls consume their target, so allowed callers get a fresh one.
func destructive(method, path string) bool {
	return method == "DELETE" || path == "/api/v1/customers/{id}/security-groups" && method == "PUT" ||
		path == "/api/v1/campaigns/{id}/send" || path == "/api/v1/leads/{id}/convert" || path == "/api/v1/estimates/{id}/convert" ||
		archiving(path)
}

func archiving(path string) bool {
	return path == "/api/v1/customers/{id}/archive" || path == "/api/v1/customers/{id}/unarchive"
}

// fresh makes a new record of X (in the in-scope user's customers) to be
// consumed by a destructive call.
// tokenOf issues an API token for a user straight in the store.
func (mx *matrix) tokenOf(userID int64) int64 {
	_, hash, _ := auth.NewToken()
	t, err := mx.w.db.CreateToken(context.Background(), gatehouse.Token{AccountID: mx.w.acct.ID, UserID: userID,
		Kind: gatehouse.TokenAPI, Name: mx.unique("matrix token"), Hash: hash, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		mx.w.t.Fatal(err)
	}
	return t.ID
}

// apiClient makes an API client of the account straight in the store.
func (mx *matrix) apiClient(name string) int64 {
	_, hash, _ := auth.NewClientSecret()
	c, err := mx.w.db.CreateAPIClient(context.Background(), gatehouse.APIClient{AccountID: mx.w.acct.ID, Name: name,
		IDs: gatehouse.IDsGatehouse, RateLimit: 10, Permissions: []string{"decisions.ask"}, Hash: hash, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		mx.w.t.Fatal(err)
	}
	return c.ID
}

// ssoProvider adds an identity provider of the account straight in the
// store.
func (mx *matrix) ssoProvider() int64 {
	p, err := mx.w.db.CreateSSOProvider(context.Background(), mx.w.acct.ID, gatehouse.SSOProvider{Name: mx.unique("amark idp"),
		Issuer: "https://idp.a-msp.example", ClientID: "amark-client", AllowedDomains: []string{}, GroupsClaim: "groups", Enabled: true}, nil)
	if err != nil {
		mx.w.t.Fatal(err)
	}
	return p.ID
}

func (mx *matrix) fresh(key, role, method string) int64 {
	w := mx.w
	name := mx.unique("fresh xmark")
	x := mx.xIDs
	switch key {
	case "api-clients":
		return mx.apiClient(mx.unique("amark fresh client"))
	case "sso-providers":
		return mx.ssoProvider()
	case "customers":
		if role == roleIn && method == "DELETE" {
			return mx.xd // the in-scope holder deletes a customer of its own
		}
		if role == roleIn && method == "POST" {
			return mx.xa // and archives one; unarchiving it is then beyond it
		}
		return w.customer(w.acct.ID, name)
	case "security-groups":
		return w.group(name, gatehouse.AllCustomers, nil)
	case "users":
		w.newUser(w.acct.ID, strings.ReplaceAll(name, " ", "")+"@a-msp.example", false)
		u, _ := w.db.UserByEmail(context.Background(), w.acct.ID, strings.ReplaceAll(name, " ", "")+"@a-msp.example")
		return u.ID
	}
	m := records.MustLookup(key)
	v := records.Values{}
	switch key {
	case "alerts":
		v = records.Values{"asset_id": x["assets"], "message": name}
	case "timelogs":
		v = records.Values{"ticket_id": x["tickets"], "minutes": int64(5)}
	case "payments":
		v = records.Values{"invoice_id": x["invoices"], "amount": int64(1)}
	case "appointments":
		v = records.Values{"title": name, "starts_at": soon, "ends_at": soon.Add(3600e9)}
	case "campaigns":
		v = records.Values{"name": name, "subject": name}
	default:
		v[m.Order] = name
	}
	return w.rec(key, mx.x, v)
}

// request builds the call a role makes on a route: X's records as
// targets, bodies that would act on X.
func (mx *matrix) request(rt httpapi.Route, role string) (method, path string, body any) {
	method, pattern, _ := strings.Cut(rt.Pattern, " ")
	key := moduleOf(pattern)
	x := mx.xIDs
	target := x[key]
	switch key {
	case "customers":
		target = mx.x
	case "security-groups":
		target = mx.spareGroup
	case "users":
		target = mx.spareUser
	case "api-clients":
		target = mx.spareClient
	case "sso-providers":
		target = mx.provider
	}
	if allowed(role) && destructive(method, pattern) {
		target = mx.fresh(key, role, method)
	}
	path = strings.ReplaceAll(pattern, "{id}", id(target))
	path = strings.ReplaceAll(path, "{customer_id}", id(mx.x))
	if strings.Contains(path, "{token_id}") {
		path = strings.ReplaceAll(path, "{token_id}", id(mx.tokenOf(target)))
	}
	switch pattern {
	case "/api/v1/search":
		path += "?q=mark"
	case "/api/v1/access/explain":
		path += "?" + url.Values{"user": {id(mx.spareUser)}, "permission": {"assets.view"}, "customer": {id(mx.x)}}.Encode()
	}
	xs := id(mx.x)
	switch method + " " + pattern {
	case "POST /api/v1/customers":
		body = map[string]any{"name": mx.unique("created customer")}
	case "PATCH /api/v1/customers/{id}":
		body = map[string]any{"notes": "matrix"}
	case "PUT /api/v1/customers/{id}/security-groups":
		body = map[string]any{"security_group_ids": []string{}}
	case "POST /api/v1/security-groups":
		body = map[string]any{"name": mx.unique("created group"), "access_type": "all_customers", "permissions": []string{}}
	case "PATCH /api/v1/security-groups/{id}":
		body = map[string]any{"description": "matrix"}
	case "POST /api/v1/security-groups/{id}/copy":
		body = map[string]any{"name": mx.unique("copied group")}
	case "POST /api/v1/users":
		body = map[string]any{"email": strings.ReplaceAll(mx.unique("created"), " ", "") + "@new.example", "name": "created",
			"password": testPassword, "security_group_ids": []string{}}
	case "PATCH /api/v1/users/{id}":
		body = map[string]any{"name": "patched"}
	case "POST /api/v1/api-clients":
		body = map[string]any{"name": mx.unique("created client")}
	case "POST /api/v1/estimates/{id}/convert":
		body = map[string]any{"number": mx.unique("converted")}
	case "PATCH /api/v1/settings":
		body = map[string]any{"step_up_minutes": 15}
	case "POST /api/v1/sso-providers":
		body = map[string]any{"name": mx.unique("created idp"), "issuer": "https://idp.example.com", "client_id": "created"}
	case "PATCH /api/v1/sso-providers/{id}":
		body = map[string]any{"enabled": true}
	case "POST /api/v1/tickets/{id}/comments", "POST /api/v1/chats/{id}/messages":
		body = map[string]any{"body": "matrix note"}
	case "POST /api/v1/scripts/{id}/runs":
		body = map[string]any{"asset_id": id(x["assets"])}
	case "PUT /api/v1/assets/{id}/policy":
		body = map[string]any{"policy_id": id(x["policies"])}
	case "POST /api/v1/contacts":
		body = map[string]any{"customer_id": xs, "name": "created contact"}
	case "POST /api/v1/assets":
		body = map[string]any{"customer_id": xs, "name": "created asset"}
	case "POST /api/v1/alerts":
		body = map[string]any{"asset_id": id(x["assets"]), "message": "created alert"}
	case "POST /api/v1/tickets":
		body = map[string]any{"customer_id": xs, "subject": "created ticket", "asset_id": id(x["assets"]), "contact_id": id(x["contacts"])}
	case "POST /api/v1/timelogs":
		body = map[string]any{"ticket_id": id(x["tickets"]), "minutes": 15}
	case "POST /api/v1/scripts":
		body = map[string]any{"customer_id": xs, "name": "created script", "body": "echo"}
	case "POST /api/v1/policies":
		body = map[string]any{"customer_id": xs, "name": "created policy", "settings": map[string]any{"patching": "weekly"}}
	case "POST /api/v1/documents":
		body = map[string]any{"customer_id": xs, "title": "created doc", "body": "# hello"}
	case "POST /api/v1/credentials":
		body = map[string]any{"customer_id": xs, "name": "created cred", "secret": "created secret"}
	case "POST /api/v1/invoices", "POST /api/v1/estimates":
		body = map[string]any{"customer_id": xs, "number": "created-1", "lines": []map[string]any{{"description": "work", "quantity": 1, "unit_price": 100}}}
	case "POST /api/v1/payments":
		body = map[string]any{"invoice_id": id(x["invoices"]), "amount": 100}
	case "POST /api/v1/contracts":
		body = map[string]any{"customer_id": xs, "name": "created contract", "amount": 100}
	case "POST /api/v1/appointments":
		body = map[string]any{"customer_id": xs, "title": "created appointment", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T11:00:00Z"}
	case "POST /api/v1/chats":
		body = map[string]any{"customer_id": xs, "subject": "created chat", "contact_id": id(x["contacts"])}
	case "POST /api/v1/leads":
		body = map[string]any{"customer_id": xs, "name": "created lead"}
	case "POST /api/v1/campaigns":
		body = map[string]any{"customer_id": xs, "name": "created campaign", "subject": "hello"}
	}
	if method == "PATCH" && body == nil {
		body = patchBodies[key]
	}
	return method, path, body
}

var patchBodies = map[string]map[string]any{
	"contacts": {"phone": "555"}, "assets": {"os": "Linux"}, "alerts": {"severity": "critical"}, "tickets": {"priority": "high"},
	"timelogs": {"minutes": 45}, "scripts": {"description": "patched"}, "policies": {"description": "patched"},
	"documents": {"body": "patched"}, "credentials": {"username": "patched"}, "invoices": {"notes": "patched"},
	"estimates": {"notes": "patched"}, "contracts": {"notes": "patched"}, "appointments": {"location": "patched"},
	"chats": {"status": "closed"}, "leads": {"status": "contacted"}, "campaigns": {"body": "patched"},
}

// signedInSelf are routes acting on the caller's own session, tokens or
// second factors: only a throwaway session calls them.
var signedInSelf = []string{"POST /api/v1/auth/logout", "POST /api/v1/me/tokens", "DELETE /api/v1/me/tokens/{id}",
	"POST /api/v1/auth/step-up", "POST /api/v1/me/mfa/totp/confirm", "DELETE /api/v1/me/mfa/totp", "POST /api/v1/me/mfa/recovery-codes",
	"DELETE /api/v1/me/passkeys/{id}", "DELETE /api/v1/me/sessions/{id}"}

func TestAuthorizationMatrixOverEveryRoute(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		mx := buildMatrix(t, w)
		routes := httpapi.New(nil, nil, nil, nil).Routes()
		calls, leaksChecked := 0, 0
		formats := map[string]int{} // content type → bodies read for ids
		for _, rt := range routes {
			method, pattern, _ := strings.Cut(rt.Pattern, " ")
			switch {
			case pattern == "/api/v1/auth/mfa":
				// A sign-in's second step: a made-up challenge is no sign-in.
				body := map[string]any{"challenge_id": "gh_madeup", "code": "123456"}
				if status, raw, _ := w.do("", method, pattern, body); status != 401 {
					t.Errorf("%s with a made-up challenge: %d: %s", rt.Pattern, status, raw)
				}
				continue
			case rt.Need.Permission == authz.Public:
				body := any(nil)
				if pattern == "/api/v1/auth/login" {
					body = w.creds("admin@a-msp.example", testPassword)
				}
				if status, raw, _ := w.do("", method, pattern, body); status/100 != 2 {
					t.Errorf("%s: anonymous got %d: %s", rt.Pattern, status, raw)
				}
				continue
			case slices.Contains(signedInSelf, rt.Pattern):
				if status, _, _ := w.do("", method, strings.ReplaceAll(pattern, "{id}", "1"), nil); status != 401 {
					t.Errorf("%s: anonymous got %d, want 401", rt.Pattern, status)
				}
				mx.selfRoute(t, rt)
				continue
			}
			for _, role := range roles {
				if isWide(rt) && (role == roleOut || role == rolePairing) {
					continue // account-wide permissions have no customer scope to be out of
				}
				if rt.Need.Permission == authz.SignedIn && role == rolePairing {
					continue
				}
				tok := mx.token(rt, role)
				m, path, body := mx.request(rt, role)
				variants := []string{path}
				if m == "GET" && rt.Doc.CSV {
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					variants = append(variants, path+sep+"format=csv")
				}
				for _, p := range variants {
					status, raw, hdr := w.do(tok, m, p, body)
					calls++
					mx.expect(t, rt, role, m+" "+p, status, raw)
					mx.checkIDs(t, rt, role, m+" "+p, hdr.Get("Content-Type"), raw, formats)
					leaksChecked++
				}
			}
		}
		t.Logf("%d routes, %d calls, %d responses checked for leaks; bodies read for ids by type: %v", len(routes), calls, leaksChecked, formats)
		for _, ct := range []string{"application/json", "application/problem+json", "text/csv", "image/svg+xml"} {
			if formats[ct] == 0 {
				t.Errorf("no %s body was read for ids: the check no longer sees that format", ct)
			}
		}
	})
}

// expect asserts a role's status on a route and that the body holds
// nothing the role must not read.
func (mx *matrix) expect(t *testing.T, rt httpapi.Route, role, call string, status int, raw []byte) {
	t.Helper()
	_, pattern, _ := strings.Cut(rt.Pattern, " ")
	method, _, _ := strings.Cut(rt.Pattern, " ")
	item := strings.Contains(pattern, "{id}")
	signed := rt.Need.Permission == authz.SignedIn
	want := func(ok bool, what string) {
		if !ok {
			t.Errorf("%s as %s: status %d, want %s; body %.300s", call, role, status, what, raw)
		}
	}
	switch {
	case role == roleAnon:
		want(status == 401, "401")
	case role == roleIn && rt.Need.AllCustomers:
		want(status == 403, "403: the route needs the permission for all customers")
		mx.wantReason(t, call, role, raw, forbidden(rt.Need.Permission, "all customers"))
	case role == roleOther && ownAccountCreates[rt.Pattern]:
		want(status/100 == 2, "2xx, in its own account")
	case role == roleIn && pattern == "/api/v1/customers/{id}/unarchive":
		// An archived customer is in no select-customers group's reach:
		// only an all-customers holder brings it back.
		want(status == 404, "404: the archived customer left the holder's scope")
	case allowed(role) || signed:
		want(status/100 == 2, "2xx")
	case role == roleNoArea:
		want(status == 403, "403")
		mx.wantReason(t, call, role, raw, forbidden(rt.Need.Permission))
	case item:
		want(status == 404, "404 (exactly like a missing record)")
	case method == "GET":
		want(status == 200 || (role == roleOther && isWide(rt) && status/100 == 4 && status != 401 && status != 403), "200 with nothing out of scope")
	default: // creating on X from outside X
		want(status/100 == 4 && status != 401, "a 4xx refusal")
	}
	if role == roleIn && isWide(rt) {
		return // the account-wide holder holds all customers: nothing is out of its scope
	}
	lower := strings.ToLower(string(raw))
	for _, mark := range forbiddenText[role] {
		if strings.Contains(lower, mark) {
			t.Errorf("LEAK: %s as %s: response contains %q: %.400s", call, role, mark, raw)
		}
	}
}

// wantReason asserts a refusal names the route's own requirement, so the
// 403 is the route's and not some other rule's.
func (mx *matrix) wantReason(t *testing.T, call, role string, raw []byte, r refusal) {
	t.Helper()
	if msg := r.mismatch(403, raw, "application/problem+json"); msg != "" {
		t.Errorf("%s as %s: %s", call, role, msg)
	}
}

// checkIDs reads every id of a response, whatever its format, and fails
// on one naming a record the role must not see — and on a body it cannot
// read. formats counts the bodies read, by content type.
func (mx *matrix) checkIDs(t *testing.T, rt httpapi.Route, role, call, contentType string, raw []byte, formats map[string]int) {
	t.Helper()
	_, pattern, _ := strings.Cut(rt.Pattern, " ")
	refs, err := bodyRefs(pattern, contentType, raw)
	if err != nil {
		t.Errorf("UNREAD: %s as %s: %v; body %.300s", call, role, err, raw)
		return
	}
	if len(raw) > 0 {
		mediaType, _, _ := strings.Cut(contentType, ";")
		formats[mediaType]++
		formats["ids found"] += len(refs)
	}
	if role == roleIn && isWide(rt) {
		return // the account-wide holder holds all customers: nothing is out of its scope
	}
	forbidden := map[string]map[string]int64{}
	switch role {
	case roleIn, roleNoArea:
		forbidden["y"], forbidden["msp"] = mx.yIDs, mx.mspIDs
	case roleOut, rolePairing:
		forbidden["x"], forbidden["msp"] = mx.xIDs, mx.mspIDs
	case roleOther:
		forbidden["x"], forbidden["y"], forbidden["msp"] = mx.xIDs, mx.yIDs, mx.mspIDs
	}
	for _, r := range refs {
		for side, ids := range forbidden {
			if ids[r.module] == r.id {
				t.Errorf("LEAK: %s as %s: %s %d of %s is in the response (%s)", call, role, r.module, r.id, side, r.where)
			}
		}
	}
}

// selfRoute calls a route about the caller's own session with a
// throwaway admin session.
func (mx *matrix) selfRoute(t *testing.T, rt httpapi.Route) {
	w := mx.w
	tok := w.login("admin@a-msp.example")
	switch rt.Pattern {
	case "POST /api/v1/auth/logout":
		w.want(204, tok, "POST", "/api/v1/auth/logout", nil, nil)
		w.want(401, tok, "GET", "/api/v1/me", nil, nil)
	case "POST /api/v1/me/tokens":
		w.want(201, tok, "POST", "/api/v1/me/tokens", map[string]any{"name": "matrix"}, nil)
	case "DELETE /api/v1/me/tokens/{id}":
		var created struct{ ID string }
		w.want(201, tok, "POST", "/api/v1/me/tokens", map[string]any{"name": "matrix"}, &created)
		w.want(404, mx.otherTokens, "DELETE", "/api/v1/me/tokens/"+created.ID, nil, nil)
		w.want(204, tok, "DELETE", "/api/v1/me/tokens/"+created.ID, nil, nil)
	case "DELETE /api/v1/me/sessions/{id}":
		var sessions struct{ Items []struct{ ID string } }
		w.want(200, tok, "GET", "/api/v1/me/sessions", nil, &sessions)
		w.want(404, mx.otherTokens, "DELETE", "/api/v1/me/sessions/"+sessions.Items[0].ID, nil, nil)
		w.want(204, tok, "DELETE", "/api/v1/me/sessions/"+sessions.Items[0].ID, nil, nil)
	default: // second factors: a throwaway user's, so the admin keeps none
		mx.selfMFARoute(t, rt)
	}
}

// selfMFARoute calls a route about the caller's own second factors as a
// new user with an authenticator app.
func (mx *matrix) selfMFARoute(t *testing.T, rt httpapi.Route) {
	w := mx.w
	email := strings.ReplaceAll(mx.unique("factor"), " ", "") + "@a-msp.example"
	tok := w.login(w.newUser(w.acct.ID, email, false))
	secret := w.enrolTOTP(tok)
	switch rt.Pattern {
	case "POST /api/v1/auth/step-up":
		w.want(401, mx.otherTokens, "POST", "/api/v1/auth/step-up", map[string]any{"code": totpAt(secret, time.Now().Add(30*time.Second))}, nil)
		w.want(200, tok, "POST", "/api/v1/auth/step-up", map[string]any{"code": totpAt(secret, time.Now().Add(30*time.Second))}, nil)
	case "POST /api/v1/me/mfa/totp/confirm":
		var e struct {
			ChallengeID string `json:"challenge_id"`
		}
		w.want(201, tok, "POST", "/api/v1/me/mfa/totp", nil, &e)
		w.want(409, mx.otherTokens, "POST", "/api/v1/me/mfa/totp/confirm", map[string]any{"challenge_id": e.ChallengeID, "code": "123456"}, nil)
	case "DELETE /api/v1/me/mfa/totp":
		w.want(204, tok, "DELETE", "/api/v1/me/mfa/totp", nil, nil)
		w.want(404, tok, "DELETE", "/api/v1/me/mfa/totp", nil, nil)
	case "POST /api/v1/me/mfa/recovery-codes":
		w.want(200, tok, "POST", "/api/v1/me/mfa/recovery-codes", nil, nil)
		w.want(409, mx.otherTokens, "POST", "/api/v1/me/mfa/recovery-codes", nil, nil)
	case "DELETE /api/v1/me/passkeys/{id}":
		w.want(404, tok, "DELETE", "/api/v1/me/passkeys/1", nil, nil)
	default:
		t.Errorf("%s: the matrix does not know how to call it", rt.Pattern)
	}
}

func TestEveryRouteIsInTheMatrix(t *testing.T) {
	// The matrix builds a request for every route from its pattern; a new
	// module route needs a body here or it would be called without one.
	mx := &matrix{xIDs: map[string]int64{}}
	for _, rt := range httpapi.New(nil, nil, nil, nil).Routes() {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		if (method == "POST" || method == "PUT" || method == "PATCH") && !slices.Contains(signedInSelf, rt.Pattern) {
			if _, _, body := mx.request(rt, roleOut); body == nil && !noBody[rt.Pattern] {
				t.Errorf("%s has no request body in the matrix", rt.Pattern)
			}
		}
		if rt.Need.Permission == authz.Public && pattern != "/api/v1/auth/login" && pattern != "/api/v1/auth/mfa" && method != "GET" {
			t.Errorf("%s is public", rt.Pattern)
		}
	}
}

// ownAccountCreates create records that refer to nothing of X: another
// account's admin creates them in its own account.
var ownAccountCreates = map[string]bool{
	"POST /api/v1/customers":       true,
	"POST /api/v1/security-groups": true,
	"POST /api/v1/users":           true,
	"POST /api/v1/api-clients":     true,
	"POST /api/v1/sso-providers":   true,
	"PATCH /api/v1/settings":       true,
}

// noBody are the write routes that take no body.
var noBody = map[string]bool{
	"POST /api/v1/auth/login":                           true, // built by the public branch
	"POST /api/v1/auth/mfa":                             true, // built by its own branch
	"POST /api/v1/alerts/{id}/clear":                    true,
	"PUT /api/v1/policies/{id}/customers/{customer_id}": true,
	"POST /api/v1/campaigns/{id}/send":                  true,
	"POST /api/v1/leads/{id}/convert":                   true,
	"POST /api/v1/customers/{id}/archive":               true,
	"POST /api/v1/customers/{id}/unarchive":             true,
	"POST /api/v1/me/mfa/totp":                          true,
}

var _ = http.StatusOK
