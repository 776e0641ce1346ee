package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/httpapi/contract"
)

func TestMain(m *testing.M) {
	// The provider logs every request through the default logger.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	doc, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m, "ssotest", doc))
}

// The people at the provider.
var (
	alice   = person{Username: "alice", Password: "alice-pass", Email: "alice@msp.example", EmailVerified: true, Groups: []string{"gh-techs", "unmapped"}}
	carol   = person{Username: "carol", Password: "carol-pass", Email: "carol@msp.example", EmailVerified: true, Groups: []string{}}
	eve     = person{Username: "eve", Password: "eve-pass", Email: "eve@msp.example", EmailVerified: false}
	outside = person{Username: "olga", Password: "olga-pass", Email: "olga@elsewhere.example", EmailVerified: true}
	bob     = person{Username: "bob", Password: "bob-pass", Email: "bob@xenon.example", EmailVerified: true, Groups: []string{"xenon-it", "xenon-docs"}}
	mallory = person{Username: "mallory", Password: "mallory-pass", Email: "admin@msp.example", EmailVerified: true, Groups: []string{"xenon-it"}}
)

// world is Gatehouse with an MSP provider and a customer's own provider
// configured at one real OpenID Provider.
type world struct {
	*gh
	idp                    *idp
	admin                  *api
	msp, xenon             int64 // provider ids
	x, y                   int64 // customers Xenon and Yarrow
	techs, gx, gxDocs, gy  int64 // groups
	mspSecret, xenonSecret string
}

func newWorld(t *testing.T) *world {
	g := startGatehouse(t)
	w := &world{gh: g, mspSecret: "msp-client-secret", xenonSecret: "xenon-client-secret"}
	w.idp = startIDP(t, []person{alice, carol, eve, outside, bob, mallory},
		map[string]string{"gatehouse-msp": w.mspSecret, "gatehouse-xenon": w.xenonSecret}, g.URL+"/sso/callback")
	w.x, w.y = g.customer("Xenon Clinic"), g.customer("Yarrow Farms")
	w.techs = g.group("Techs", gatehouse.AllCustomers, nil, "customers.view", "assets.view")
	w.gx = g.group("Xenon IT", gatehouse.SelectCustomers, []int64{w.x}, "customers.view", "assets.view", "scripts.create")
	w.gxDocs = g.group("Xenon docs", gatehouse.SelectCustomers, []int64{w.x}, "documentation.view")
	w.gy = g.group("Yarrow IT", gatehouse.SelectCustomers, []int64{w.y}, "customers.view", "assets.view")
	w.admin = g.adminAPI()
	w.msp = w.provider(map[string]any{"name": "MSP Login", "issuer": w.idp.Issuer, "client_id": "gatehouse-msp",
		"client_secret": w.mspSecret, "allowed_domains": []string{"msp.example"}, "provision": true,
		"group_mappings": []map[string]any{{"claim": "gh-techs", "security_group_id": fmt.Sprint(w.techs)}}})
	w.xenon = w.provider(map[string]any{"name": "Xenon Entra", "issuer": w.idp.Issuer, "client_id": "gatehouse-xenon",
		"client_secret": w.xenonSecret, "customer_id": fmt.Sprint(w.x), "provision": true,
		"group_mappings": []map[string]any{{"claim": "xenon-it", "security_group_id": fmt.Sprint(w.gx)},
			{"claim": "xenon-docs", "security_group_id": fmt.Sprint(w.gxDocs)}}})
	return w
}

func (w *world) provider(body map[string]any) int64 {
	var p struct{ ID string }
	w.admin.want(201, "POST", "/api/v1/sso-providers", body, &p)
	var id int64
	fmt.Sscan(p.ID, &id)
	return id
}

func TestSignInThroughTheProviderProvisionsAUserWithTheMappedGroups(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	res, page := b.ssoSignIn(w.msp, alice)
	if res.StatusCode != 200 || res.Request.URL.Host != strings.TrimPrefix(w.URL, "http://") || !b.signedIn() {
		t.Fatalf("after signing in at the provider: %d at %s: %.400s", res.StatusCode, res.Request.URL, page)
	}
	u, ok := w.user(alice.Email)
	if !ok {
		t.Fatal("no user was provisioned")
	}
	if !slices.Equal(u.GroupIDs, []int64{w.techs}) || u.PasswordHash != "" || u.GlobalAdmin {
		t.Errorf("provisioned %+v, want only the mapped Techs group and no password", u)
	}
	// Signing in again finds the same user by the linked identity.
	b2 := w.browser()
	b2.ssoSignIn(w.msp, alice)
	if !b2.signedIn() {
		t.Fatal("a second sign-in failed")
	}
	page2, err := w.db.ListUsers(context.Background(), w.acct.ID, gatehouse.ListFilter{Q: "alice", Limit: 10})
	if err != nil || len(page2.Items) != 1 {
		t.Fatalf("users named alice: %v %v", page2.Items, err)
	}
	signIns := w.audited("auth.sso_sign_in")
	if len(signIns) != 2 {
		t.Fatalf("%d SSO sign-ins audited, want 2", len(signIns))
	}
	var after map[string]any
	json.Unmarshal(signIns[0].After, &after)
	if after["provider"] != "MSP Login" || after["email"] != alice.Email || signIns[0].Actor.Email != alice.Email {
		t.Errorf("the SSO sign-in's audit entry does not name the provider and person: %s by %+v", signIns[0].After, signIns[0].Actor)
	}
	if len(w.audited("sso.provision")) != 1 || len(w.audited("sso.link")) != 1 {
		t.Error("provisioning and the identity link were not audited")
	}
	// The session is a real one: its user's API view shows the group's
	// permissions, and the sessions list names the provider.
	sessions, err := w.db.ListSessions(context.Background(), w.acct.ID, u.ID)
	if err != nil || len(sessions) != 2 || sessions[0].Name != "single sign-on: MSP Login" {
		t.Fatalf("sessions %+v %v", sessions, err)
	}
}

func TestAnExistingUserIsMatchedByVerifiedEmailAndMayBeHeldToSingleSignOn(t *testing.T) {
	w := newWorld(t)
	var created struct{ ID string }
	w.admin.want(201, "POST", "/api/v1/users", map[string]any{"email": carol.Email, "name": "Carol", "password": "staple-battery-horse-9",
		"security_group_ids": []string{fmt.Sprint(w.gy)}}, &created)
	b := w.browser()
	b.ssoSignIn(w.msp, carol)
	if !b.signedIn() {
		t.Fatal("carol could not sign in through the provider")
	}
	u, _ := w.user(carol.Email)
	if fmt.Sprint(u.ID) != created.ID || !slices.Equal(u.GroupIDs, []int64{w.gy}) {
		t.Fatalf("carol was not matched to her user, or her groups changed: %+v", u)
	}
	// Password sign-in still works until the account forbids it.
	a := w.api("")
	a.want(200, "POST", "/api/v1/auth/login", map[string]any{"email": carol.Email, "password": "staple-battery-horse-9"}, nil)
	w.admin.want(200, "PATCH", "/api/v1/settings", map[string]any{"sso_only": true}, nil)
	if status, raw := a.do("POST", "/api/v1/auth/login", map[string]any{"email": carol.Email, "password": "staple-battery-horse-9"}); status != 403 {
		t.Fatalf("password sign-in of an SSO user with sso_only: %d %s", status, raw)
	}
	// The admin, linked to no provider, still signs in with a password.
	w.adminAPI()
}

func TestUnverifiedAndOutOfDomainAddressesAreRefused(t *testing.T) {
	w := newWorld(t)
	for _, pe := range []person{eve, outside} {
		b := w.browser()
		res, page := b.ssoSignIn(w.msp, pe)
		if res.StatusCode != http.StatusForbidden || b.signedIn() {
			t.Errorf("%s: %d %.300s", pe.Username, res.StatusCode, page)
		}
		if _, ok := w.user(pe.Email); ok {
			t.Errorf("%s was provisioned", pe.Username)
		}
	}
	if n := len(w.audited("auth.sso_sign_in_failed")); n != 2 {
		t.Errorf("%d refused SSO sign-ins audited, want 2", n)
	}
}

func TestACustomersProviderYieldsUsersConfinedToThatCustomer(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	b.ssoSignIn(w.xenon, bob)
	if !b.signedIn() {
		t.Fatal("bob could not sign in through Xenon's provider")
	}
	u, ok := w.user(bob.Email)
	if !ok || !slices.Equal(u.GroupIDs, []int64{w.gx, w.gxDocs}) {
		t.Fatalf("bob: %+v", u)
	}
	if c, confined, _ := w.db.Confinement(context.Background(), w.acct.ID, u.ID); !confined || c != w.x {
		t.Fatalf("bob is not confined to Xenon: %d %v", c, confined)
	}
	bobPath := fmt.Sprintf("/api/v1/users/%d", u.ID)

	t.Run("through the API", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"security_group_ids": []string{fmt.Sprint(w.gx), fmt.Sprint(w.gy)}},
			{"security_group_ids": []string{fmt.Sprint(w.techs)}},
			{"global_admin": true},
		} {
			if status, raw := w.admin.do("PATCH", bobPath, body); status != 403 {
				t.Errorf("PATCH %v: %d %s", body, status, raw)
			}
		}
		if status, raw := w.admin.do("PATCH", fmt.Sprintf("/api/v1/security-groups/%d", w.gx),
			map[string]any{"customer_ids": []string{fmt.Sprint(w.x), fmt.Sprint(w.y)}}); status != 403 {
			t.Errorf("widening Xenon IT: %d %s", status, raw)
		}
		if status, raw := w.admin.do("PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", w.y),
			map[string]any{"security_group_ids": []string{fmt.Sprint(w.gy), fmt.Sprint(w.gx)}}); status != 403 {
			t.Errorf("adding Yarrow to Xenon IT: %d %s", status, raw)
		}
	})

	t.Run("through the web", func(t *testing.T) {
		admin := w.browser()
		res, err := admin.c.PostForm(w.URL+"/signin", url.Values{"email": {"admin@msp.example"}, "password": {adminPassword}})
		if err != nil || readAll(res) == "" || !admin.signedIn() {
			t.Fatalf("the admin's web sign-in: %v", err)
		}
		for name, form := range map[string]struct {
			path string
			form url.Values
		}{
			"a user's groups": {fmt.Sprintf("/users/%d", u.ID), url.Values{"email": {bob.Email}, "name": {u.Name},
				"group_id": {fmt.Sprint(w.gx), fmt.Sprint(w.gy)}}},
			"a group's customers": {fmt.Sprintf("/security-groups/%d", w.gx), url.Values{"name": {"Xenon IT"}, "access_type": {"select_customers"},
				"customer_id": {fmt.Sprint(w.x), fmt.Sprint(w.y)}, "permission": {"customers.view", "assets.view", "scripts.create"}}},
			"a group's access type": {fmt.Sprintf("/security-groups/%d", w.gx), url.Values{"name": {"Xenon IT"}, "access_type": {"all_customers"},
				"permission": {"customers.view", "assets.view", "scripts.create"}}},
			"a customer's groups": {fmt.Sprintf("/customers/%d/security-groups", w.y), url.Values{"group_id": {fmt.Sprint(w.gy), fmt.Sprint(w.gx)}}},
		} {
			res, page := admin.post(form.path, form.form)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "limited to that customer") {
				t.Errorf("%s: %d %.600s", name, res.StatusCode, page)
			}
		}
	})

	after, _ := w.user(bob.Email)
	if !slices.Equal(after.GroupIDs, []int64{w.gx, w.gxDocs}) || after.GlobalAdmin {
		t.Errorf("bob after the refused changes: %+v", after)
	}
	var gx struct {
		CustomerIDs []string `json:"customer_ids"`
	}
	w.admin.want(200, "GET", fmt.Sprintf("/api/v1/security-groups/%d", w.gx), nil, &gx)
	if len(gx.CustomerIDs) != 1 {
		t.Errorf("Xenon IT reaches %v", gx.CustomerIDs)
	}
}

func TestACustomersProviderNeverSignsInTheMSPsStaff(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	res, page := b.ssoSignIn(w.xenon, mallory) // claims the MSP admin's address
	if res.StatusCode != http.StatusForbidden || b.signedIn() {
		t.Fatalf("Xenon's provider signed in the MSP's admin: %d %.300s", res.StatusCode, page)
	}
	failed := w.audited("auth.sso_sign_in_failed")
	if len(failed) != 1 || !strings.Contains(string(failed[0].After), "Xenon Entra") {
		t.Errorf("refusal audited as %+v", failed)
	}
	if len(w.audited("sso.link")) != 0 {
		t.Error("the admin was linked to Xenon's provider")
	}
}

func TestAGroupWidenedBeforeSignInIsNotJoined(t *testing.T) {
	w := newWorld(t)
	// No one is confined in it yet, so the widening is allowed; the
	// mapping then reaches beyond Xenon, and sign-in must skip it.
	w.admin.want(200, "PATCH", fmt.Sprintf("/api/v1/security-groups/%d", w.gx),
		map[string]any{"customer_ids": []string{fmt.Sprint(w.x), fmt.Sprint(w.y)}}, nil)
	b := w.browser()
	b.ssoSignIn(w.xenon, bob)
	if !b.signedIn() {
		t.Fatal("bob could not sign in")
	}
	u, _ := w.user(bob.Email)
	if !slices.Equal(u.GroupIDs, []int64{w.gxDocs}) {
		t.Fatalf("bob joined %v, want only Xenon docs", u.GroupIDs)
	}
	if len(w.audited("sso.group_refused")) != 1 {
		t.Error("the skipped mapping was not audited")
	}
}

func TestTokensTheProviderDidNotIssueForThisSignInAreRefused(t *testing.T) {
	w := newWorld(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// The control: the same claims signed again by the provider's key go
	// through, so each refusal below is the changed claim's.
	w.idp.forgeNext(func(map[string]any) {}, nil)
	control := w.browser()
	control.ssoSignIn(w.msp, alice)
	if !control.signedIn() {
		t.Fatal("a token signed again, unchanged, by the provider's key was refused: the forging itself is broken")
	}
	for _, tc := range []struct {
		name   string
		fix    func(map[string]any)
		signer *rsa.PrivateKey
	}{
		{"a wrong audience", func(c map[string]any) { c["aud"] = []string{"some-other-app"} }, nil},
		{"several audiences, not authorized for this client", func(c map[string]any) {
			c["aud"] = []string{"gatehouse-msp", "some-other-app"}
			c["azp"] = "some-other-app"
		}, nil},
		{"a wrong issuer", func(c map[string]any) { c["iss"] = "http://127.0.0.1:1/evil" }, nil},
		{"a wrong nonce", func(c map[string]any) { c["nonce"] = "not-this-sign-ins" }, nil},
		{"an expired token", func(c map[string]any) {
			c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			c["exp"] = time.Now().Add(-time.Hour).Unix()
		}, nil},
		{"a signature by another key", func(map[string]any) {}, otherKey},
		{"another subject's claims under a forged signature", func(c map[string]any) { c["sub"] = "sub-000-alice"; c["email"] = alice.Email }, otherKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(w.audited("auth.sso_sign_in_failed"))
			w.idp.forgeNext(tc.fix, tc.signer)
			b := w.browser()
			res, page := b.ssoSignIn(w.msp, carol)
			if res.StatusCode != http.StatusUnauthorized || b.signedIn() {
				t.Fatalf("signed in with %s: %d %.300s", tc.name, res.StatusCode, page)
			}
			if after := len(w.audited("auth.sso_sign_in_failed")); after != before+1 {
				t.Errorf("the refusal was not audited")
			}
		})
	}
	if _, ok := w.user(carol.Email); ok {
		t.Error("a refused token provisioned a user")
	}
	// The same provider, untouched, signs in.
	b := w.browser()
	b.ssoSignIn(w.msp, carol)
	if !b.signedIn() {
		t.Fatal("an honest token was refused")
	}
}

func TestACallbackIsGoodOnceAndOnlyInTheBrowserThatStartedIt(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	// Stop at the redirect back to Gatehouse.
	var callback *url.URL
	b.c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/sso/callback" && callback == nil {
			callback = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}
	w.browser() // warm
	_, page := b.get("/signin")
	if !strings.Contains(page, fmt.Sprintf("/sso/%d/start", w.msp)) {
		t.Fatal("no button")
	}
	signIn(t, b.c, w.URL+fmt.Sprintf("/sso/%d/start", w.msp), alice)
	if callback == nil || callback.Query().Get("code") == "" {
		t.Fatal("the provider did not send the browser back with a code")
	}
	// Another browser (a login-CSRF victim) cannot use it.
	other := w.browser()
	res, _ := other.get(callback.RequestURI())
	if res.StatusCode != http.StatusUnauthorized || other.signedIn() {
		t.Fatalf("another browser used the callback: %d", res.StatusCode)
	}
	b.c.CheckRedirect = nil
	res, _ = b.get(callback.RequestURI())
	if !b.signedIn() {
		t.Fatalf("the browser that started it was refused: %d", res.StatusCode)
	}
	// Replayed, it is refused.
	again := w.browser()
	again.c.Jar.SetCookies(res.Request.URL, b.c.Jar.Cookies(res.Request.URL))
	res, _ = again.get(callback.RequestURI())
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a replayed callback: %d", res.StatusCode)
	}
}
