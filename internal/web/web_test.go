package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// signInSteps are the only public forms: the steps of a sign-in, made
// before there is a session to tie a form token to. A password, a
// passkey's assertion or the second-factor challenge (a cookie of its
// own) is their credential; the cross-origin check still applies.
var signInSteps = map[string]bool{"POST /signin": true, "POST /signin/mfa": true, "POST /signin/mfa/passkey/options": true,
	"POST /signin/passkey/options": true, "POST /signin/passkey": true}

func TestEveryRouteDeclaresARealRequirement(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for _, rt := range e.web.Routes() {
		if !rt.Need.Valid() {
			t.Errorf("%s: requirement %+v names nothing real", rt.Pattern, rt.Need)
		}
		for _, p := range rt.Also {
			if _, ok := catalog.Lookup(p); !ok {
				t.Errorf("%s: also opened by unknown permission %q", rt.Pattern, p)
			}
		}
		if seen[rt.Pattern] {
			t.Errorf("%s: declared twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		method, _, _ := strings.Cut(rt.Pattern, " ")
		if rt.Need.Permission == authz.Public && method != "GET" && !signInSteps[rt.Pattern] {
			t.Errorf("%s: a state-changing page must not be public", rt.Pattern)
		}
	}
}

// Every state-changing page refuses a form without the session's CSRF
// token, one with another session's token, and one sent from another
// site; and changes nothing.
func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	e := newEnv(t)
	cu := e.customer("Acme")
	g := e.group(gatehouse.SecurityGroup{Name: "Techs", AccessType: gatehouse.AllCustomers, Permissions: []string{"customers.view"}})
	admin := e.signedIn("admin@test.example")
	other := e.signedIn("admin@test.example")
	stolen := other.csrf()

	for _, rt := range e.web.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method != "POST" || rt.Need.Permission == authz.Public {
			continue
		}
		path = strings.ReplaceAll(path, "{id}", fmt.Sprint(cu))
		if strings.HasPrefix(path, "/security-groups/") {
			path = strings.Replace(path, fmt.Sprint(cu), fmt.Sprint(g), 1)
		}
		form := url.Values{"name": {"Changed"}, "email": {"x@test.example"}, "password": {"long enough password"}}
		for name, token := range map[string]string{"no token": "", "another session's token": stolen, "garbage": "abc"} {
			t.Run(rt.Pattern+" with "+name, func(t *testing.T) {
				f := url.Values{}
				for k, v := range form {
					f[k] = v
				}
				if token != "" {
					f.Set("csrf", token)
				}
				res := admin.post(path, f)
				if res.status != http.StatusForbidden {
					t.Fatalf("status %d, want 403", res.status)
				}
			})
		}
	}
	if _, err := e.db.Customer(e.ctx, e.account, access.All(), cu); err != nil {
		t.Fatalf("customer changed or gone: %v", err)
	}
	if got, _ := e.db.Group(e.ctx, e.account, g); got.Name != "Techs" {
		t.Fatalf("group renamed to %q", got.Name)
	}
	if _, ok := e.groupByName("Changed"); ok {
		t.Fatal("a group was created")
	}

	t.Run("a form sent from another site is refused even with the token", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/customers", strings.NewReader(url.Values{"name": {"Evil"}, "csrf": {admin.csrf()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res := admin.do(req); res.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.status)
		}
	})
	t.Run("so is a cross-site sign-in", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/signin", strings.NewReader(url.Values{"email": {"admin@test.example"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if res := e.client().do(req); res.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.status)
		}
	})
	t.Run("the right token works", func(t *testing.T) {
		res := admin.postForm(fmt.Sprintf("/customers/%d", cu), url.Values{"name": {"Acme Renamed"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
	})
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name       string
		proto      string
		wantSecure bool
	}{
		{"over plain HTTP it is not Secure", "", false},
		{"behind a TLS proxy it is Secure", "https", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/signin", strings.NewReader(url.Values{"email": {"admin@test.example"}, "password": {password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			res, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			var session *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == "gatehouse_session" {
					session = c
				}
			}
			if session == nil || session.Value == "" {
				t.Fatalf("no session cookie; status %d", res.StatusCode)
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure != tc.wantSecure {
				t.Fatalf("cookie HttpOnly=%v SameSite=%v Secure=%v", session.HttpOnly, session.SameSite, session.Secure)
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	t.Run("a wrong password shows the form again", func(t *testing.T) {
		res := e.client().post("/signin", url.Values{"email": {"admin@test.example"}, "password": {"wrong password!"}})
		if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "Invalid email or password") {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
	})
	t.Run("pages send a visitor to sign in and back", func(t *testing.T) {
		res := e.client().get("/customers?q=a")
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/signin?next=%2Fcustomers%3Fq%3Da" {
			t.Fatalf("status %d, location %q", res.status, res.header.Get("Location"))
		}
	})
	t.Run("the destination after sign-in stays on this site", func(t *testing.T) {
		// Browsers drop tabs and newlines from a URL and read a backslash
		// as a slash, so "/\t/evil.example" goes to //evil.example.
		hostile := []string{"//evil.example/x", "https://evil.example", `/\evil.example`, "/\t/evil.example", "/\n/evil.example",
			"/\r\n/evil.example", "/\t\\evil.example", "/x/../\\evil.example", "javascript:alert(1)", "\t//evil.example"}
		for _, next := range hostile {
			res := e.client().post("/signin", url.Values{"email": {"admin@test.example"}, "password": {password}, "next": {next}})
			if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
				t.Fatalf("next=%q: status %d, location %q", next, res.status, res.header.Get("Location"))
			}
			signedIn := e.signedIn("admin@test.example")
			res = signedIn.get("/signin?next=" + url.QueryEscape(next))
			if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
				t.Fatalf("signed in, next=%q: status %d, location %q", next, res.status, res.header.Get("Location"))
			}
		}
		res := e.client().post("/signin", url.Values{"email": {"admin@test.example"}, "password": {password}, "next": {"/customers?q=a%20b"}})
		if res.header.Get("Location") != "/customers?q=a%20b" {
			t.Fatalf("a local destination became %q", res.header.Get("Location"))
		}
	})
	t.Run("signing in opens a new session, never the one the browser came with", func(t *testing.T) {
		e.user("planter@test.example", false)
		planted := e.signedIn("planter@test.example")
		u, _ := url.Parse(e.url)
		victim := e.client()
		victim.c.Jar.SetCookies(u, planted.c.Jar.Cookies(u))
		before := victim.c.Jar.Cookies(u)[0].Value
		if res := victim.post("/signin", url.Values{"email": {"admin@test.example"}, "password": {password}}); res.status != http.StatusSeeOther {
			t.Fatalf("sign in: %d", res.status)
		}
		var after string
		for _, ck := range victim.c.Jar.Cookies(u) {
			if ck.Name == "gatehouse_session" {
				after = ck.Value
			}
		}
		if after == "" || after == before {
			t.Fatal("the session token did not change on sign-in")
		}
		if body := victim.get("/").body; !strings.Contains(body, "Ada Admin") {
			t.Fatal("the new session is not the admin's")
		}
	})
	t.Run("signing out revokes the session itself", func(t *testing.T) {
		c := e.signedIn("admin@test.example")
		u, _ := url.Parse(e.url)
		old := c.c.Jar.Cookies(u)
		if res := c.postForm("/signout", nil); res.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.status)
		}
		replay := e.client()
		replay.c.Jar.SetCookies(u, old)
		if res := replay.get("/customers"); res.status != http.StatusSeeOther {
			t.Fatalf("the old cookie still opens pages: %d", res.status)
		}
	})
	t.Run("a disabled user's session stops at once", func(t *testing.T) {
		u := e.user("leaver@test.example", false)
		c := e.signedIn("leaver@test.example")
		disabled := true
		if _, err := e.db.UpdateUser(e.ctx, e.account, u.ID, gatehouse.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if res := c.get("/"); res.status != http.StatusSeeOther {
			t.Fatalf("status %d", res.status)
		}
	})
}

// coManaged sets up Acme and Beta, and a user who may work on Acme only.
func coManaged(t *testing.T) (e *env, acme, beta int64, c *client) {
	e = newEnv(t)
	acme, beta = e.customer("Acme Dental"), e.customer("Beta Logistics")
	g := e.group(gatehouse.SecurityGroup{Name: "Acme IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "customers.edit"}})
	e.user("it@acme.example", false, g)
	return e, acme, beta, e.signedIn("it@acme.example")
}

func TestOutOfScopeReadsExactlyLikeMissing(t *testing.T) {
	e, acme, beta, c := coManaged(t)
	for _, p := range []string{"/customers/%d", "/customers/%d/edit"} {
		out := c.get(fmt.Sprintf(p, beta))
		missing := c.get(fmt.Sprintf(p, beta+1000))
		if out.status != http.StatusNotFound || missing.status != http.StatusNotFound {
			t.Fatalf("%s: statuses %d and %d, want 404", p, out.status, missing.status)
		}
		if out.body != missing.body {
			t.Fatalf("%s: the out-of-scope page differs from the missing one", p)
		}
	}
	if res := c.get(fmt.Sprintf("/customers/%d", acme)); res.status != http.StatusOK || !strings.Contains(res.body, "Acme Dental") {
		t.Fatalf("in scope: %d", res.status)
	}
	res := c.postForm(fmt.Sprintf("/customers/%d", beta), url.Values{"name": {"Hijacked"}})
	if res.status != http.StatusNotFound {
		t.Fatalf("editing out of scope: %d", res.status)
	}
	if cu, _ := e.db.Customer(e.ctx, e.account, access.All(), beta); cu.Name != "Beta Logistics" {
		t.Fatalf("out-of-scope customer renamed to %q", cu.Name)
	}
}

func TestAreasNotHeldAreForbidden(t *testing.T) {
	_, _, _, c := coManaged(t)
	for _, p := range []string{"/security-groups", "/security-groups/new", "/users", "/customers/new"} {
		res := c.get(p)
		if res.status != http.StatusForbidden || !strings.Contains(res.body, "Access denied") {
			t.Errorf("%s: status %d, want the 403 page", p, res.status)
		}
	}
}

func TestNavigationShowsOnlyWhatIsHeld(t *testing.T) {
	e, _, _, c := coManaged(t)
	home := c.get("/").body
	nav := home[strings.Index(home, `<nav`):strings.Index(home, `</nav>`)]
	if !strings.Contains(nav, `href="/customers"`) {
		t.Error("customers missing from the co-managed user's navigation")
	}
	for _, hidden := range []string{"/security-groups", "/users"} {
		if strings.Contains(nav, `href="`+hidden+`"`) {
			t.Errorf("%s shown to a user who does not hold it", hidden)
		}
	}
	admin := e.signedIn("admin@test.example").get("/").body
	for _, shown := range []string{"/customers", "/security-groups", "/users"} {
		if !strings.Contains(admin, `href="`+shown+`"`) {
			t.Errorf("%s missing from the admin's navigation", shown)
		}
	}
}

func TestCustomerSearchStaysInScope(t *testing.T) {
	e, _, _, c := coManaged(t)
	e.customer("Acme Hidden Twin") // matches the search, out of scope
	var got struct {
		Items []struct{ ID, Name string }
	}
	res := c.get("/customers/search?q=acme")
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatalf("status %d: %v: %s", res.status, err, res.body)
	}
	if len(got.Items) != 1 || got.Items[0].Name != "Acme Dental" {
		t.Fatalf("search answered %+v", got.Items)
	}
	list := c.get("/customers").body
	if strings.Contains(list, "Beta Logistics") || strings.Contains(list, "Hidden Twin") {
		t.Fatal("the customer list shows out-of-scope customers")
	}
}

func TestNamesAreEscaped(t *testing.T) {
	e := newEnv(t)
	const evil = `<img src=x onerror=alert(1)>`
	id := e.customer(evil)
	c := e.signedIn("admin@test.example")
	for _, p := range []string{"/customers", fmt.Sprintf("/customers/%d", id), fmt.Sprintf("/customers/%d/edit", id)} {
		body := c.get(p).body
		if strings.Contains(body, evil) {
			t.Errorf("%s: the name reached the page unescaped", p)
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the escaped name is missing", p)
		}
	}
	for _, problem := range cspProblems(c.get("/customers").header) {
		t.Errorf("Content-Security-Policy: %s", problem)
	}
}

// A delegated manager may only hand out what they hold: the web forms
// refuse exactly what the API refuses, for the same reason, and change
// nothing.
func TestDelegatedManagersCannotGrantWhatTheyDoNotHold(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme")
	mgr := e.group(gatehouse.SecurityGroup{Name: "Managers", AccessType: gatehouse.AllCustomers, Permissions: []string{
		"customers.view", "assets.view", "security_groups.view", "security_groups.manage", "users.view", "users.manage"}})
	e.user("manager@test.example", false, mgr)
	target := e.user("tech@test.example", false)
	techs, _ := e.groupByName("Technicians")
	strong := e.user("strong@test.example", false, techs.ID)
	c := e.signedIn("manager@test.example")

	t.Run("creating a group with a permission the manager lacks", func(t *testing.T) {
		res := c.postForm("/security-groups", url.Values{"name": {"Escalate"}, "access_type": {"all_customers"},
			"permission": {"assets.view", "credentials.reveal"}})
		wantRefused(t, res, http.StatusForbidden, saysCannotGrant, "credentials.reveal")
		if _, ok := e.groupByName("Escalate"); ok {
			t.Fatal("the group was created")
		}
	})
	t.Run("creating a group within what the manager holds", func(t *testing.T) {
		res := c.postForm("/security-groups", url.Values{"name": {"Asset viewers"}, "access_type": {"select_customers"},
			"customer_id": {fmt.Sprint(acme)}, "permission": {"assets.view"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("status %d: %s", res.status, reasonOf(res.body))
		}
	})
	// Only global admins make global admins, whatever groups the form
	// names: none, or one the manager may hand out.
	for i, tc := range []struct {
		name   string
		groups []string
	}{{"in no group", nil}, {"in the manager's own group", []string{fmt.Sprint(mgr)}}} {
		t.Run("creating a global admin "+tc.name, func(t *testing.T) {
			email := fmt.Sprintf("boss%d@test.example", i)
			res := c.postForm("/users", url.Values{"email": {email}, "name": {"Boss"}, "password": {password},
				"global_admin": {"on"}, "group_id": tc.groups})
			wantRefused(t, res, http.StatusForbidden, saysGlobalAdmin)
			if _, err := e.db.UserByEmail(e.ctx, e.account, email); err == nil {
				t.Fatal("the user was created")
			}
		})
	}
	t.Run("making a user global admin", func(t *testing.T) {
		res := c.postForm(fmt.Sprintf("/users/%d", target.ID), url.Values{"email": {target.Email}, "name": {"x"}, "global_admin": {"on"}})
		wantRefused(t, res, http.StatusForbidden, saysGlobalAdmin)
		if u, _ := e.db.User(e.ctx, e.account, target.ID); u.GlobalAdmin || u.Name == "x" {
			t.Fatal("the user was changed")
		}
	})
	t.Run("changing a global admin", func(t *testing.T) {
		res := c.postForm(fmt.Sprintf("/users/%d", e.admin.ID), url.Values{"email": {e.admin.Email}, "name": {"Taken over"}, "password": {"taken over now"}})
		wantRefused(t, res, http.StatusForbidden, saysGlobalAdmin)
	})
	t.Run("changing a user who holds more than the manager", func(t *testing.T) {
		res := c.postForm(fmt.Sprintf("/users/%d", strong.ID), url.Values{"email": {strong.Email}, "name": {"x"},
			"group_id": {fmt.Sprint(techs.ID)}, "password": {"taken over now"}})
		wantRefused(t, res, http.StatusForbidden, saysHoldsMore)
	})
	t.Run("the global admin checkbox is not offered", func(t *testing.T) {
		if body := c.get(fmt.Sprintf("/users/%d", target.ID)).body; strings.Contains(body, `name="global_admin"`) {
			t.Fatal("a delegated manager sees the global admin checkbox")
		}
		if body := e.signedIn("admin@test.example").get(fmt.Sprintf("/users/%d", target.ID)).body; !strings.Contains(body, `name="global_admin"`) {
			t.Fatal("a global admin does not see the global admin checkbox")
		}
	})
	t.Run("adding a user to a group the manager could not grant", func(t *testing.T) {
		admins := e.group(gatehouse.SecurityGroup{Name: "Vault", AccessType: gatehouse.AllCustomers, Permissions: []string{"credentials.reveal"}})
		res := c.postForm(fmt.Sprintf("/users/%d", target.ID), url.Values{"email": {target.Email}, "group_id": {fmt.Sprint(admins)}})
		wantRefused(t, res, http.StatusForbidden, saysCannotGrant, "credentials.reveal")
		if u, _ := e.db.User(e.ctx, e.account, target.ID); len(u.GroupIDs) != 0 {
			t.Fatalf("memberships changed: %v", u.GroupIDs)
		}
	})
}

// The customer edit page's Security Groups list hands a group's
// permissions out on the customer: a group is checked with the customer
// added, and removing one is checked as the group stands.
func TestDelegatedManagersCannotAttachACustomerTheyDoNotHold(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme"), e.customer("Beta")
	mgr := e.group(gatehouse.SecurityGroup{Name: "Group managers", AccessType: gatehouse.AllCustomers, Permissions: []string{
		"customers.view", "customers.edit", "security_groups.view", "security_groups.manage"}})
	onAcme := e.group(gatehouse.SecurityGroup{Name: "Acme asset editors", AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{acme}, Permissions: []string{"assets.edit"}})
	e.user("manager@test.example", false, mgr, onAcme)
	editors := e.group(gatehouse.SecurityGroup{Name: "Asset editors", AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{acme}, Permissions: []string{"assets.edit"}})
	onBeta := e.group(gatehouse.SecurityGroup{Name: "Beta asset editors", AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{beta}, Permissions: []string{"assets.edit"}})
	empty := e.group(gatehouse.SecurityGroup{Name: "Nobody yet", AccessType: gatehouse.SelectCustomers, Permissions: []string{"assets.edit"}})
	c := e.signedIn("manager@test.example")
	betaForm := fmt.Sprintf("/customers/%d/security-groups", beta)

	t.Run("attaching a group the manager could grant as it stands", func(t *testing.T) {
		res := c.postForm(betaForm, url.Values{"group_id": {fmt.Sprint(onBeta), fmt.Sprint(editors)}})
		wantRefused(t, res, http.StatusForbidden, saysCannotGrant, "assets.edit", fmt.Sprint(beta))
	})
	t.Run("detaching a group reaching a customer the manager does not hold", func(t *testing.T) {
		res := c.postForm(betaForm, url.Values{})
		wantRefused(t, res, http.StatusForbidden, saysCannotGrant, "assets.edit", fmt.Sprint(beta))
	})
	if ids, _ := e.db.CustomerGroupIDs(e.ctx, e.account, access.All(), beta); !slices.Equal(ids, []int64{onBeta}) {
		t.Fatalf("a refused change stuck: Beta's groups are %v", ids)
	}
	t.Run("attaching a group on a customer the manager holds", func(t *testing.T) {
		res := c.postForm(fmt.Sprintf("/customers/%d/security-groups", acme), url.Values{"group_id": {
			fmt.Sprint(onAcme), fmt.Sprint(editors), fmt.Sprint(empty)}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("status %d: %s", res.status, reasonOf(res.body))
		}
		if g, _ := e.db.Group(e.ctx, e.account, empty); !slices.Equal(g.CustomerIDs, []int64{acme}) {
			t.Fatalf("the allowed attach did not apply: %v", g.CustomerIDs)
		}
	})
}

func TestSelectCustomersGroupsRefuseAccountWidePermissions(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme")
	c := e.signedIn("admin@test.example")
	res := c.postForm("/security-groups", url.Values{"name": {"Sneaky"}, "access_type": {"select_customers"},
		"customer_id": {fmt.Sprint(acme)}, "permission": {"customers.view", "users.manage"}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "account-wide") || !strings.Contains(res.body, `href="#f-permissions"`) {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if !strings.Contains(res.body, `value="Sneaky"`) {
		t.Fatal("the form lost what was typed")
	}
	if _, ok := e.groupByName("Sneaky"); ok {
		t.Fatal("the group was created")
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn("admin@test.example")
	for _, tc := range []struct {
		path  string
		form  url.Values
		field string
	}{
		{"/customers", url.Values{"name": {"  "}}, "name"},
		{"/security-groups", url.Values{"name": {""}, "access_type": {"all_customers"}}, "name"},
		{"/security-groups", url.Values{"name": {"X"}, "access_type": {"some"}}, "access_type"},
		{"/security-groups", url.Values{"name": {"X"}, "access_type": {"select_customers"}, "customer_id": {"abc"}}, "customer_ids"},
		{"/users", url.Values{"email": {"not-an-email"}, "password": {"long enough password"}}, "email"},
		{"/users", url.Values{"email": {"ok@test.example"}, "password": {"short"}}, "password"},
	} {
		res := c.postForm(tc.path, tc.form)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `href="#f-`+tc.field+`"`) {
			t.Errorf("%s %v: status %d, field %s not named", tc.path, tc.form, res.status, tc.field)
		}
	}
	if page, _ := e.db.ListUsers(e.ctx, e.account, gatehouse.ListFilter{}); len(page.Items) != 1 {
		t.Fatalf("%d users after refused forms", len(page.Items))
	}
}

func TestTheLastGlobalAdminCannotBeDisabled(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn("admin@test.example")
	res := c.postForm(fmt.Sprintf("/users/%d", e.admin.ID), url.Values{"email": {e.admin.Email}, "name": {e.admin.Name},
		"global_admin_shown": {"1"}, "global_admin": {"on"}, "disabled": {"on"}})
	if res.status != http.StatusConflict || !strings.Contains(res.body, "last active global admin") {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}

func TestGroupIndexAndDeleteConfirmation(t *testing.T) {
	e := newEnv(t)
	a, b := e.customer("Acme"), e.customer("Beta")
	g := e.group(gatehouse.SecurityGroup{Name: "Pair", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{a, b},
		Permissions: []string{"customers.view", "assets.view"}})
	e.user("member@test.example", false, g)
	c := e.signedIn("admin@test.example")
	index := c.get("/security-groups").body
	row := index[strings.Index(index, `data-group="Pair"`):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{"Select Customers", `<td class="num">2</td>`, `<td class="num">1</td>`, "Make Copy", "Edit", "Delete"} {
		if !strings.Contains(row, want) {
			t.Errorf("index row lacks %q: %s", want, row)
		}
	}
	confirm := c.get(fmt.Sprintf("/security-groups/%d/delete", g))
	if !strings.Contains(confirm.body, "member@test.example") || !strings.Contains(confirm.body, "All access") {
		t.Fatalf("confirmation does not list the affected user: %s", confirm.body)
	}
	if _, err := e.db.Group(e.ctx, e.account, g); err != nil {
		t.Fatal("showing the confirmation deleted the group")
	}
}

func TestEveryPermissionIsInTheTree(t *testing.T) {
	e := newEnv(t)
	body := e.signedIn("admin@test.example").get("/security-groups/new").body
	for _, p := range catalog.All() {
		box := fmt.Sprintf(`id="p-%s" name="permission" value="%s"`, p.Key, p.Key)
		if !strings.Contains(body, box) {
			t.Errorf("no checkbox for %s", p.Key)
		}
		if !strings.Contains(body, `<label for="p-`+p.Key+`">`) {
			t.Errorf("no label for %s", p.Key)
		}
	}
	if !strings.Contains(body, "Check/Uncheck all below") {
		t.Error("no check-all box")
	}
	for _, cat := range catalog.Categories() {
		if !strings.Contains(body, html.EscapeString(cat)) {
			t.Errorf("no category %q", cat)
		}
	}
}

func TestStaticFilesHaveContentHashedURLs(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn("admin@test.example")
	body := c.get("/").body
	i := strings.Index(body, `/static/app.`)
	if i < 0 {
		t.Fatal("no static URL on the page")
	}
	u := body[i:]
	u = u[:strings.IndexByte(u, '"')]
	res := c.get(u)
	if res.status != http.StatusOK || !strings.Contains(res.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("%s: %d %q", u, res.status, res.header.Get("Cache-Control"))
	}
	if res := c.get("/static/app.js"); res.status != http.StatusNotFound {
		t.Fatalf("an unhashed name is served: %d", res.status)
	}
}

func TestUnknownPagesAreNotFound(t *testing.T) {
	e := newEnv(t)
	res := e.signedIn("admin@test.example").get("/no/such/page")
	if res.status != http.StatusNotFound || !strings.Contains(res.body, "Page not found") {
		t.Fatalf("status %d", res.status)
	}
	if api := e.client().get("/api/v1/nothing"); !strings.Contains(api.header.Get("Content-Type"), "problem+json") {
		t.Fatalf("the API's unknown paths are no longer problem+json: %q", api.header.Get("Content-Type"))
	}
}

func TestModulePagesOpenToViewOwnAndHideOtherAreas(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme"), e.customer("Beta")
	g := e.group(gatehouse.SecurityGroup{Name: "Own tickets", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"tickets.view_own", "assets.view"}})
	e.user("own@test.example", false, g)
	e.asset(acme, "ACME-PC")
	other := e.asset(beta, "BETA-PC")
	c := e.signedIn("own@test.example")
	if res := c.get("/tickets"); res.status != http.StatusOK {
		t.Fatalf("tickets list for a view-own holder: %d", res.status)
	}
	if res := c.get("/invoices"); res.status != http.StatusForbidden {
		t.Fatalf("invoices list without the area: %d", res.status)
	}
	list := c.get("/assets").body
	if !strings.Contains(list, "ACME-PC") || strings.Contains(list, "BETA-PC") {
		t.Fatal("the asset list is not filtered to the caller's customers")
	}
	out, missing := c.get(fmt.Sprintf("/assets/%d", other)), c.get(fmt.Sprintf("/assets/%d", other+1000))
	if out.status != http.StatusNotFound || out.body != missing.body {
		t.Fatalf("an out-of-scope asset answers %d, unlike a missing one", out.status)
	}
}

// A copy of a group whose name is already at the length limit (counted
// in characters) is still "Copy of …", shortened at a character boundary,
// never cut inside a character (which PostgreSQL refuses and pages show
// as garbage).
func TestCopyingAGroupWithALongNameKeepsAValidName(t *testing.T) {
	e := newEnv(t)
	long := "a" + strings.Repeat("é", 98) + "z" // 100 characters, the limit
	g := e.group(gatehouse.SecurityGroup{Name: long, AccessType: gatehouse.AllCustomers, Permissions: []string{"customers.view"}})
	before, err := e.db.ListGroups(e.ctx, e.account, gatehouse.ListFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	c := e.signedIn("admin@test.example")
	for range 2 {
		if res := c.postForm(fmt.Sprintf("/security-groups/%d/copy", g), nil); res.status != http.StatusSeeOther {
			t.Fatalf("copy: status %d", res.status)
		}
	}
	page, err := e.db.ListGroups(e.ctx, e.account, gatehouse.ListFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, got := range page.Items {
		if slices.ContainsFunc(before.Items, func(b gatehouse.SecurityGroup) bool { return b.ID == got.ID }) {
			continue
		}
		copies++
		if !utf8.ValidString(got.Name) || !strings.HasPrefix(got.Name, "Copy of aé") || utf8.RuneCountInString(got.Name) > 100 {
			t.Errorf("a copy is named %q", got.Name)
		}
	}
	if copies != 2 {
		t.Fatalf("%d copies", copies)
	}
}

// An edit or delete right alone never shows the customer: the pages and
// the changes need customers.view too, as in the API.
func TestChangingACustomerNeedsItInView(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	g := e.group(gatehouse.SecurityGroup{Name: "Blind editors", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.edit", "customers.delete"}})
	e.user("blind@acme.example", false, g)
	c := e.signedIn("blind@acme.example")
	for _, p := range []string{"/customers/%d/edit", "/customers/%d/delete"} {
		if res := c.get(fmt.Sprintf(p, acme)); res.status != http.StatusNotFound || strings.Contains(res.body, "Acme Dental") {
			t.Errorf("%s without customers.view: %d", p, res.status)
		}
	}
	if res := c.postForm(fmt.Sprintf("/customers/%d", acme), url.Values{"name": {"Renamed"}}); res.status != http.StatusNotFound {
		t.Errorf("update without customers.view: %d", res.status)
	}
	if res := c.postForm(fmt.Sprintf("/customers/%d/delete", acme), url.Values{}); res.status != http.StatusNotFound {
		t.Errorf("delete without customers.view: %d", res.status)
	}
	if cu, err := e.db.Customer(e.ctx, e.account, access.All(), acme); err != nil || cu.Name != "Acme Dental" {
		t.Fatalf("customer changed: %+v %v", cu, err)
	}
}

// A form over the size limit is refused as too large, naming the limit,
// and changes nothing — not read as an empty, expired form.
func TestAnOversizedFormIsRefusedAsTooLarge(t *testing.T) {
	e := newEnv(t)
	c := e.signedIn("admin@test.example")
	res := c.postForm("/customers", url.Values{"name": {"Big"}, "notes": {strings.Repeat("x", 2<<20)}})
	if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "1048576 bytes") {
		t.Fatalf("status %d: %.300s", res.status, res.body)
	}
	if page, _ := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{}); len(page.Items) != 0 {
		t.Fatal("an oversized form created a customer")
	}
}
