package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The surfaces only decode and render: every security-relevant use case
// runs its rules in one place below them. This test holds them to it. The
// same bad inputs go through the JSON API and through the web admin's
// forms, as the same delegated manager, and must be refused alike — the
// same status, the same reason — and change nothing at all.

// surfaceCall is one attempt at a use case through one surface.
type surfaceCall struct {
	method, path string
	body         any        // API: the JSON body
	form         url.Values // web: the form fields
}

type parityCase struct {
	name     string
	api, web surfaceCall
	// webPage, when set, is opened first in the web admin, as a person
	// would before submitting: a refusal there counts as the outcome.
	webPage string
}

func TestEverySurfaceRefusesTheSameInputsAlike(t *testing.T) {
	e := newEnv(t)
	x, y := e.customer("Xenon Clinic"), e.customer("Yarrow Farms")
	mgrGroup := e.group(gatehouse.SecurityGroup{Name: "Managers", AccessType: gatehouse.AllCustomers, Permissions: []string{
		"customers.view", "security_groups.view", "security_groups.manage", "users.view", "users.manage"}})
	onX := e.group(gatehouse.SecurityGroup{Name: "Work on X", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{x},
		Permissions: []string{"assets.view", "assets.edit", "credentials.view", "scripts.view", "scripts.run", "policies.view", "policies.assign"}})
	mgr := e.user("mgr@test.example", false, mgrGroup, onX)
	techs, _ := e.groupByName("Technicians")
	strong := e.user("strong@test.example", false, techs.ID)
	plain := e.user("plain@test.example", false)
	revealY := e.group(gatehouse.SecurityGroup{Name: "Reveal on Y", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{y},
		Permissions: []string{"credentials.view", "credentials.reveal"}})
	credX := e.record("credentials", x, records.Values{"name": "X router"}).ID
	credY := e.record("credentials", y, records.Values{"name": "Y router"}).ID
	scriptX := e.record("scripts", x, records.Values{"name": "X fix", "body": "echo"}).ID
	policyY := e.record("policies", y, records.Values{"name": "Y baseline"}).ID
	assetX := e.asset(x, "X laptop")
	assetY := e.asset(y, "Y laptop")
	// Another tenant with records of its own.
	other, err := e.db.CreateAccount(e.ctx, "Other MSP")
	if err != nil {
		t.Fatal(err)
	}
	oc, _ := e.db.CreateCustomer(e.ctx, other.ID, gatehouse.CustomerFields{Name: ptr("Other customer")})
	og, _ := e.db.CreateGroup(e.ctx, other.ID, gatehouse.SecurityGroup{Name: "Other group", AccessType: gatehouse.AllCustomers})
	hash, _ := auth.HashPassword(password, cheap)
	ou, _ := e.db.CreateUser(e.ctx, other.ID, gatehouse.UserCreate{Email: "someone@other.example", PasswordHash: hash, GlobalAdmin: true, GroupIDs: []int64{}})
	_, tokHash, _ := auth.NewToken()
	otok, _ := e.db.CreateToken(e.ctx, gatehouse.Token{AccountID: other.ID, UserID: ou.ID, Kind: gatehouse.TokenAPI, Name: "other", Hash: tokHash, ExpiresAt: time.Now().Add(time.Hour)})

	// A client's IT person, confined to X by X's own identity provider.
	xView := e.group(gatehouse.SecurityGroup{Name: "X view", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{x}, Permissions: []string{"customers.view"}})
	yView := e.group(gatehouse.SecurityGroup{Name: "Y view", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{y}, Permissions: []string{"customers.view"}})
	conf := e.user("it@xenon.example", false, xView)
	if err := e.db.Confine(e.ctx, e.account, conf.ID, x); err != nil {
		t.Fatal(err)
	}

	web := e.signedIn(mgr.Email)
	api := e.apiToken(mgr.Email)
	ids := func(v ...int64) []string {
		out := []string{}
		for _, n := range v {
			out = append(out, fmt.Sprint(n))
		}
		return out
	}
	group := func(extra url.Values) url.Values {
		f := url.Values{"name": {"Planted"}, "description": {""}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	pw := password
	cases := []parityCase{
		// The finding that started it: an access type left out is the
		// documented default, all customers — and so refused for a
		// manager who holds assets.edit on one customer only.
		{name: "group create, access type left out",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "permissions": []string{"assets.edit"}, "is_default": true}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"permission": {"assets.edit"}, "is_default": {"on"}})}},
		{name: "group create, empty access type",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "access_type": "", "permissions": []string{"assets.edit"}}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"access_type": {""}, "permission": {"assets.edit"}})}},
		{name: "group create, unknown access type",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "access_type": "some_customers", "permissions": []string{"assets.edit"}}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"access_type": {"some_customers"}, "permission": {"assets.edit"}})}},
		{name: "group create, a permission not held on its customer",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "access_type": "select_customers", "customer_ids": ids(x), "permissions": []string{"credentials.reveal"}}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"access_type": {"select_customers"}, "customer_id": ids(x), "permission": {"credentials.reveal"}})}},
		{name: "group create, a customer not held",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "access_type": "select_customers", "customer_ids": ids(y), "permissions": []string{"assets.view"}}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"access_type": {"select_customers"}, "customer_id": ids(y), "permission": {"assets.view"}})}},
		{name: "group create, another account's customer",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "access_type": "select_customers", "customer_ids": ids(oc.ID), "permissions": []string{}}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"access_type": {"select_customers"}, "customer_id": ids(oc.ID)})}},
		{name: "group create, unknown permission",
			api: surfaceCall{"POST", "/api/v1/security-groups", map[string]any{"name": "Planted", "access_type": "select_customers", "customer_ids": ids(x), "permissions": []string{"assets.teleport"}}, nil},
			web: surfaceCall{"POST", "/security-groups", nil, group(url.Values{"access_type": {"select_customers"}, "customer_id": ids(x), "permission": {"assets.teleport"}})}},
		{name: "group update of a group holding more than the manager",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/security-groups/%d", techs.ID), map[string]any{"name": "Renamed"}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d", techs.ID), nil, url.Values{"name": {"Renamed"}, "access_type": {"all_customers"}, "permission": techs.Permissions, "is_default": {"on"}}}},
		{name: "group update widening the manager's own client group to all customers",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/security-groups/%d", onX), map[string]any{"access_type": "all_customers", "customer_ids": []string{}}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d", onX), nil, url.Values{"name": {"Work on X"}, "access_type": {"all_customers"},
				"permission": {"assets.view", "assets.edit", "credentials.view", "scripts.view", "scripts.run", "policies.view", "policies.assign"}}}},
		{name: "group update of another account's group",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/security-groups/%d", og.ID), map[string]any{"name": "Mine"}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d", og.ID), nil, url.Values{"name": {"Mine"}, "access_type": {"all_customers"}}}},
		{name: "group copy of a group holding more",
			api: surfaceCall{"POST", fmt.Sprintf("/api/v1/security-groups/%d/copy", techs.ID), map[string]any{"name": ""}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d/copy", techs.ID), nil, url.Values{}}},
		{name: "group copy of another account's group",
			api: surfaceCall{"POST", fmt.Sprintf("/api/v1/security-groups/%d/copy", og.ID), map[string]any{"name": ""}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d/copy", og.ID), nil, url.Values{}}},
		{name: "group delete of a group holding more",
			api: surfaceCall{"DELETE", fmt.Sprintf("/api/v1/security-groups/%d", revealY), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d/delete", revealY), nil, url.Values{}}, webPage: fmt.Sprintf("/security-groups/%d/delete", revealY)},
		{name: "group delete of another account's group",
			api: surfaceCall{"DELETE", fmt.Sprintf("/api/v1/security-groups/%d", og.ID), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d/delete", og.ID), nil, url.Values{}}, webPage: fmt.Sprintf("/security-groups/%d/delete", og.ID)},

		{name: "user create as a global admin",
			api: surfaceCall{"POST", "/api/v1/users", map[string]any{"email": "boss@test.example", "password": pw, "global_admin": true, "security_group_ids": ids(onX)}, nil},
			web: surfaceCall{"POST", "/users", nil, url.Values{"email": {"boss@test.example"}, "password": {pw}, "global_admin": {"on"}, "group_id": ids(onX)}}},
		{name: "user create in the default groups, which hold more",
			api: surfaceCall{"POST", "/api/v1/users", map[string]any{"email": "new@test.example", "password": pw}, nil},
			web: surfaceCall{"POST", "/users", nil, url.Values{"email": {"new@test.example"}, "password": {pw}, "group_id": ids(techs.ID)}}},
		{name: "user create in another account's group",
			api: surfaceCall{"POST", "/api/v1/users", map[string]any{"email": "new@test.example", "password": pw, "security_group_ids": ids(og.ID)}, nil},
			web: surfaceCall{"POST", "/users", nil, url.Values{"email": {"new@test.example"}, "password": {pw}, "group_id": ids(og.ID)}}},
		{name: "user create with a bad address",
			api: surfaceCall{"POST", "/api/v1/users", map[string]any{"email": "not an address", "password": pw, "security_group_ids": []string{}}, nil},
			web: surfaceCall{"POST", "/users", nil, url.Values{"email": {"not an address"}, "password": {pw}}}},
		{name: "user create with a common password",
			api: surfaceCall{"POST", "/api/v1/users", map[string]any{"email": "new@test.example", "password": "Password123!", "security_group_ids": []string{}}, nil},
			web: surfaceCall{"POST", "/users", nil, url.Values{"email": {"new@test.example"}, "password": {"Password123!"}}}},
		{name: "user create with a password short in characters, long in bytes",
			api: surfaceCall{"POST", "/api/v1/users", map[string]any{"email": "new@test.example", "password": "ééééé", "security_group_ids": []string{}}, nil},
			web: surfaceCall{"POST", "/users", nil, url.Values{"email": {"new@test.example"}, "password": {"ééééé"}}}},
		{name: "user update of a user holding more",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/users/%d", strong.ID), map[string]any{"password": "a fresh long password"}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d", strong.ID), nil, url.Values{"email": {strong.Email}, "name": {strong.Name}, "password": {"a fresh long password"}, "group_id": ids(techs.ID)}}},
		{name: "user update granting global admin",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/users/%d", plain.ID), map[string]any{"global_admin": true}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d", plain.ID), nil, url.Values{"email": {plain.Email}, "name": {plain.Name}, "global_admin": {"on"}}}},
		{name: "user update adding a group that holds more",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/users/%d", plain.ID), map[string]any{"security_group_ids": ids(techs.ID)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d", plain.ID), nil, url.Values{"email": {plain.Email}, "name": {plain.Name}, "group_id": ids(techs.ID)}}},
		{name: "user update of another account's user",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/users/%d", ou.ID), map[string]any{"name": "x"}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d", ou.ID), nil, url.Values{"email": {ou.Email}, "name": {"x"}}}},
		{name: "user delete of a user holding more",
			api: surfaceCall{"DELETE", fmt.Sprintf("/api/v1/users/%d", strong.ID), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d/delete", strong.ID), nil, url.Values{}}, webPage: fmt.Sprintf("/users/%d/delete", strong.ID)},
		{name: "user delete of another account's user",
			api: surfaceCall{"DELETE", fmt.Sprintf("/api/v1/users/%d", ou.ID), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d/delete", ou.ID), nil, url.Values{}}, webPage: fmt.Sprintf("/users/%d/delete", ou.ID)},

		{name: "customer's groups: a group that holds more than the manager on it",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", x), map[string]any{"security_group_ids": ids(onX, revealY)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/customers/%d/security-groups", x), nil, url.Values{"group_id": ids(onX, revealY)}}},
		{name: "customer's groups: an all-customers group",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", x), map[string]any{"security_group_ids": ids(onX, techs.ID)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/customers/%d/security-groups", x), nil, url.Values{"group_id": ids(onX, techs.ID)}}},
		{name: "customer's groups: another account's group",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", x), map[string]any{"security_group_ids": ids(onX, og.ID)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/customers/%d/security-groups", x), nil, url.Values{"group_id": ids(onX, og.ID)}}},
		{name: "customer's groups: another account's customer",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", oc.ID), map[string]any{"security_group_ids": []string{}}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/customers/%d/security-groups", oc.ID), nil, url.Values{}}},

		{name: "confined user: a group of another customer",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/users/%d", conf.ID), map[string]any{"security_group_ids": ids(xView, yView)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d", conf.ID), nil, url.Values{"email": {conf.Email}, "name": {conf.Name}, "group_id": ids(xView, yView)}}},
		{name: "confined user's group: widened to another customer",
			api: surfaceCall{"PATCH", fmt.Sprintf("/api/v1/security-groups/%d", xView), map[string]any{"customer_ids": ids(x, y)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/security-groups/%d", xView), nil, url.Values{"name": {"X view"}, "access_type": {"select_customers"},
				"customer_id": ids(x, y), "permission": {"customers.view"}}}},
		{name: "confined user's group: another customer adds it",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", y), map[string]any{"security_group_ids": ids(yView, xView)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/customers/%d/security-groups", y), nil, url.Values{"group_id": ids(yView, xView)}}},

		{name: "token create without api_tokens.manage",
			api: surfaceCall{"POST", "/api/v1/me/tokens", map[string]any{"name": "script"}, nil},
			web: surfaceCall{"POST", "/tokens", nil, url.Values{"name": {"script"}, "expires_in_days": {"30"}, "scope": {"all"}}}},
		{name: "token revoke of another account's token",
			api: surfaceCall{"DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/%d", ou.ID, otok.ID), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/users/%d/tokens/%d/revoke", ou.ID, otok.ID), nil, url.Values{}}},

		{name: "reveal of a credential the manager holds no reveal on",
			api: surfaceCall{"GET", fmt.Sprintf("/api/v1/credentials/%d/secret", credX), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/credentials/%d/reveal", credX), nil, url.Values{}}},
		{name: "reveal of another customer's credential",
			api: surfaceCall{"GET", fmt.Sprintf("/api/v1/credentials/%d/secret", credY), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/credentials/%d/reveal", credY), nil, url.Values{}}},
		{name: "policy assignment of another customer's policy to the manager's customer",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/policies/%d/customers/%d", policyY, x), nil, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/policies/%d/customers", policyY), nil, url.Values{"customer_id": {fmt.Sprint(x)}}}},
		{name: "policy of another customer set on the manager's asset",
			api: surfaceCall{"PUT", fmt.Sprintf("/api/v1/assets/%d/policy", assetX), map[string]any{"policy_id": fmt.Sprint(policyY)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/assets/%d/policy", assetX), nil, url.Values{"policy_id": {fmt.Sprint(policyY)}}}},
		{name: "run of the client's script on another customer's asset",
			api: surfaceCall{"POST", fmt.Sprintf("/api/v1/scripts/%d/runs", scriptX), map[string]any{"asset_id": fmt.Sprint(assetY)}, nil},
			web: surfaceCall{"POST", fmt.Sprintf("/scripts/%d/run", scriptX), nil, url.Values{"asset_id": {fmt.Sprint(assetY)}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			apiStatus, apiProblem := api.call(tc.api)
			if apiStatus/100 == 2 {
				t.Fatalf("the API accepted it: %d", apiStatus)
			}
			if after := e.snapshot(); after != before {
				t.Fatalf("the API's refusal changed something:\n%s", diffLines(before, after))
			}
			webStatus, webText := tc.webOutcome(web)
			if webStatus != apiStatus {
				t.Fatalf("the API answers %d (%s), the web admin %d: %.300s", apiStatus, apiProblem.Detail, webStatus, webText)
			}
			if apiStatus != http.StatusNotFound && !strings.Contains(strings.ToLower(webText), strings.ToLower(apiProblem.Detail)) {
				t.Fatalf("the web admin gives another reason than the API's %q: %.400s", apiProblem.Detail, webText)
			}
			if after := e.snapshot(); after != before {
				t.Fatalf("the web admin's refusal changed something:\n%s", diffLines(before, after))
			}
		})
	}
}

func (tc parityCase) webOutcome(c *client) (int, string) {
	if tc.webPage != "" {
		if res := c.get(tc.webPage); res.status != http.StatusOK {
			return res.status, reasonOf(res.body)
		}
	}
	res := c.postForm(tc.web.path, tc.web.form)
	return res.status, reasonOf(res.body)
}

// apiClient calls the JSON API with a bearer token.
type apiClient struct {
	e     *env
	token string
}

func (e *env) apiToken(email string) *apiClient {
	e.t.Helper()
	acct, _ := e.db.Account(e.ctx, e.account)
	var out struct{ Token string }
	status := (&apiClient{e: e}).json("POST", "/api/v1/auth/login", map[string]string{"account": acct.Slug, "email": email, "password": password}, &out)
	if status != http.StatusOK {
		e.t.Fatalf("API sign-in as %s: %d", email, status)
	}
	return &apiClient{e: e, token: out.Token}
}

func (a *apiClient) json(method, path string, body, out any) int {
	a.e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.e.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.e.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

func (a *apiClient) call(c surfaceCall) (int, problem) {
	var p problem
	status := a.json(c.method, c.path, c.body, &p)
	return status, p
}

// snapshot is everything an access change could touch, as text.
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	groups, err := e.db.ListGroups(e.ctx, e.account, gatehouse.ListFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range groups.Items {
		fmt.Fprintf(&b, "group %d %q %s %v %v default=%t\n", g.ID, g.Name, g.AccessType, g.CustomerIDs, g.Permissions, g.IsDefault)
	}
	users, _ := e.db.ListUsers(e.ctx, e.account, gatehouse.ListFilter{Limit: 500})
	for _, u := range users.Items {
		fmt.Fprintf(&b, "user %d %s admin=%t disabled=%t %v %s\n", u.ID, u.Email, u.GlobalAdmin, u.Disabled, u.GroupIDs, u.PasswordHash)
		ts, _ := e.db.ListTokens(e.ctx, e.account, u.ID)
		fmt.Fprintf(&b, "  tokens %d\n", len(ts))
	}
	customers, _ := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{Limit: 500})
	for _, c := range customers.Items {
		gs, _ := e.db.CustomerGroupIDs(e.ctx, e.account, access.All(), c.ID)
		fmt.Fprintf(&b, "customer %d %s %v\n", c.ID, c.Name, gs)
	}
	runs, _ := e.db.ListRecords(e.ctx, e.account, records.MustLookup("script-runs"), gatehouse.ListFilter{Limit: 500}, records.Reach{Customers: access.All(), Library: true})
	fmt.Fprintf(&b, "script runs %d\n", len(runs.Items))
	var audited int
	e.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'credential.reveal'`).Scan(&audited)
	fmt.Fprintf(&b, "reveals %d\n", audited)
	return b.String()
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	return strings.Join(out, "\n")
}

func ptr[T any](v T) *T { return &v }
