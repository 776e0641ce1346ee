package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
)

// refusal is what a refused request must answer: its status and the
// stable part of its reason — the field at fault and phrases of the
// detail (a permission key, a customer id, a key phrase). Asserting the
// reason, not only the status, keeps one refusal from masking another:
// a rule that is gone shows even when a later rule refuses the same call.
type refusal struct {
	status int
	field  string
	says   []string
}

// The key phrases of the delegation refusals. Messages may be reworded;
// these are the parts a rewording must keep (or change here, once).
const (
	saysGlobalAdmin = "global admin" // only a global admin makes, changes or removes one
	saysCannotGrant = "cannot grant" // nobody hands out what they do not hold
	saysHoldsMore   = "holds access" // nobody manages a user who holds more than they do
)

func forbidden(says ...string) refusal { return refusal{status: 403, says: says} }

// wantRefused sends a request and asserts it is refused for r's reason.
func (w *world) wantRefused(t *testing.T, tok, method, path string, body any, r refusal) {
	t.Helper()
	status, raw, hdr := w.do(tok, method, path, body)
	if msg := r.mismatch(status, raw, hdr.Get("Content-Type")); msg != "" {
		t.Errorf("%s %s: %s", method, path, msg)
	}
}

// mismatch says how an answer differs from the refusal, or "".
func (r refusal) mismatch(status int, raw []byte, contentType string) string {
	var p httpapi.Problem
	if status != r.status || contentType != "application/problem+json" || json.Unmarshal(raw, &p) != nil {
		return "got " + contentType + " " + strings.TrimSpace(string(raw)) + " with status " + id(int64(status)) +
			", want a problem with status " + id(int64(r.status))
	}
	if gatehouse.HTTPStatus(p.Code) != r.status {
		return "problem code " + p.Code + ": " + string(raw)
	}
	if r.field != "" && p.Field != r.field {
		return "problem names field " + p.Field + ", want " + r.field + ": " + string(raw)
	}
	for _, s := range r.says {
		if !strings.Contains(strings.ToLower(p.Detail), strings.ToLower(s)) {
			return "the reason does not say " + `"` + s + `": ` + string(raw)
		}
	}
	return ""
}

func TestDelegatedManagersCannotGrantWhatTheyDoNotHold(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		mgr := w.group("Managers", gatehouse.AllCustomers, nil, "security_groups.view", "security_groups.manage",
			"users.view", "users.manage", "customers.view")
		onY := w.group("Edit Y", gatehouse.SelectCustomers, []int64{y}, "customers.edit")
		tok := w.login(w.newUser(w.acct.ID, "mgr@test.example", false, mgr, onY))
		w.newUser(w.acct.ID, "plain@test.example", false)
		techID := w.groupNamed("Technicians")
		tech := id(techID)
		w.newUser(w.acct.ID, "strong@test.example", false, techID)
		users := userIDs(t, w)

		newUser := func(email string, extra map[string]any) map[string]any {
			body := map[string]any{"email": email, "password": testPassword}
			for k, v := range extra {
				body[k] = v
			}
			return body
		}
		cases := []struct {
			name, method, path string
			body               any
			want               refusal // status 0: allowed, with the status in created
			created            int
		}{
			{"a permission not held", "POST", "/api/v1/security-groups", map[string]any{"name": "G1", "permissions": []string{"customers.delete"}},
				forbidden(saysCannotGrant, "customers.delete"), 0},
			{"a held permission on a customer outside their scope", "POST", "/api/v1/security-groups",
				map[string]any{"name": "G2", "access_type": "select_customers", "customer_ids": []string{id(x)}, "permissions": []string{"customers.edit"}},
				forbidden(saysCannotGrant, "customers.edit", id(x)), 0},
			{"a permission held on some customers, for all customers", "POST", "/api/v1/security-groups",
				map[string]any{"name": "G3", "permissions": []string{"customers.edit"}}, forbidden(saysCannotGrant, "customers.edit", "all customers"), 0},
			{"a held permission inside their scope", "POST", "/api/v1/security-groups",
				map[string]any{"name": "G4", "access_type": "select_customers", "customer_ids": []string{id(y)}, "permissions": []string{"customers.edit"}}, refusal{}, 201},
			{"a held all-customers permission", "POST", "/api/v1/security-groups", map[string]any{"name": "G5", "permissions": []string{"customers.view"}}, refusal{}, 201},
			{"renaming a group stronger than them", "PATCH", "/api/v1/security-groups/" + tech, map[string]any{"name": "Mine now"}, forbidden(saysCannotGrant), 0},
			{"copying a group stronger than them", "POST", "/api/v1/security-groups/" + tech + "/copy", map[string]any{"name": "Copy"}, forbidden(saysCannotGrant), 0},
			{"deleting a group stronger than them", "DELETE", "/api/v1/security-groups/" + tech, nil, forbidden(saysCannotGrant), 0},

			// Only global admins make global admins: with no groups, with
			// groups the manager may grant, and with the default groups,
			// the global-admin rule is the one that answers.
			{"a new global admin in no group", "POST", "/api/v1/users",
				newUser("boss1@test.example", map[string]any{"global_admin": true, "security_group_ids": []string{}}), forbidden(saysGlobalAdmin), 0},
			{"a new global admin in the manager's own group", "POST", "/api/v1/users",
				newUser("boss2@test.example", map[string]any{"global_admin": true, "security_group_ids": []string{id(mgr)}}), forbidden(saysGlobalAdmin), 0},
			{"a new global admin in the default groups", "POST", "/api/v1/users",
				newUser("boss3@test.example", map[string]any{"global_admin": true}), forbidden(saysGlobalAdmin), 0},
			{"promoting a user to global admin", "PATCH", "/api/v1/users/" + users["plain@test.example"], map[string]any{"global_admin": true}, forbidden(saysGlobalAdmin), 0},
			{"demoting a global admin", "PATCH", "/api/v1/users/" + users["admin@test.example"], map[string]any{"global_admin": false}, forbidden(saysGlobalAdmin), 0},
			{"resetting a global admin's password", "PATCH", "/api/v1/users/" + users["admin@test.example"], map[string]any{"password": "taken-over-now"}, forbidden(saysGlobalAdmin), 0},
			{"deleting a global admin", "DELETE", "/api/v1/users/" + users["admin@test.example"], nil, forbidden(saysGlobalAdmin), 0},

			{"a new user in a stronger group", "POST", "/api/v1/users", newUser("n1@test.example", map[string]any{"security_group_ids": []string{tech}}),
				forbidden(saysCannotGrant), 0},
			{"a new user in the default groups, stronger than them", "POST", "/api/v1/users", newUser("n2@test.example", nil), forbidden(saysCannotGrant), 0},
			{"adding a user to a stronger group", "PATCH", "/api/v1/users/" + users["plain@test.example"], map[string]any{"security_group_ids": []string{tech}},
				forbidden(saysCannotGrant), 0},
			{"resetting the password of a user who holds more", "PATCH", "/api/v1/users/" + users["strong@test.example"], map[string]any{"password": "taken-over-now"},
				forbidden(saysHoldsMore), 0},
			{"disabling a user who holds more", "PATCH", "/api/v1/users/" + users["strong@test.example"], map[string]any{"disabled": true}, forbidden(saysHoldsMore), 0},
			{"deleting a user who holds more", "DELETE", "/api/v1/users/" + users["strong@test.example"], nil, forbidden(saysHoldsMore), 0},
			{"a new user in their own groups", "POST", "/api/v1/users", newUser("n3@test.example", map[string]any{"security_group_ids": []string{id(mgr)}}), refusal{}, 201},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.created != 0 {
					w.want(tc.created, tok, tc.method, tc.path, tc.body, nil)
					return
				}
				w.wantRefused(t, tok, tc.method, tc.path, tc.body, tc.want)
			})
		}

		var after struct{ Name string }
		w.want(200, w.admin, "GET", "/api/v1/security-groups/"+tech, nil, &after)
		if after.Name != "Technicians" {
			t.Fatalf("refused rename stuck: %q", after.Name)
		}
		var list struct {
			Items []struct {
				Email       string
				GlobalAdmin bool `json:"global_admin"`
				Disabled    bool
			}
		}
		w.want(200, w.admin, "GET", "/api/v1/users?limit=500", nil, &list)
		for _, u := range list.Items {
			if strings.HasPrefix(u.Email, "boss") || (u.GlobalAdmin && u.Email != "admin@test.example") || u.Disabled {
				t.Errorf("a refused change stuck: %+v", u)
			}
		}
	})
}

// A customer's page lists the Select Customers groups that reach it:
// adding a group there hands that group's permissions out on the
// customer, so the group is checked with the customer added — a group the
// manager could grant as it stands may still be one they cannot grant
// on this customer. Removing a customer takes access away, which needs
// the same right.
func TestDelegatedManagersCannotAttachACustomerTheyDoNotHold(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x, z := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Z")
		mgr := w.group("Group managers", gatehouse.AllCustomers, nil, "security_groups.view", "security_groups.manage", "customers.view")
		onX := w.group("Edit X", gatehouse.SelectCustomers, []int64{x}, "customers.edit")
		tok := w.login(w.newUser(w.acct.ID, "mgr@test.example", false, mgr, onX))
		editors := w.group("X editors", gatehouse.SelectCustomers, []int64{x}, "customers.edit")
		onZ := w.group("Z editors", gatehouse.SelectCustomers, []int64{z}, "customers.edit")
		empty := w.group("Nobody yet", gatehouse.SelectCustomers, []int64{}, "customers.edit")

		// The manager could grant "X editors" as it is; with Z added, not.
		w.wantRefused(t, tok, "PUT", "/api/v1/customers/"+id(z)+"/security-groups",
			map[string]any{"security_group_ids": []string{id(editors), id(onZ)}}, forbidden(saysCannotGrant, "customers.edit", id(z)))
		w.wantRefused(t, tok, "PATCH", "/api/v1/security-groups/"+id(editors),
			map[string]any{"customer_ids": []string{id(x), id(z)}}, forbidden(saysCannotGrant, "customers.edit", id(z)))
		// Taking Z out of a group reaching Z is as much a change of Z's access.
		w.wantRefused(t, tok, "PUT", "/api/v1/customers/"+id(z)+"/security-groups",
			map[string]any{"security_group_ids": []string{}}, forbidden(saysCannotGrant, "customers.edit", id(z)))

		if got := w.groupCustomers(editors); !slices.Equal(got, []string{id(x)}) {
			t.Fatalf("a refused attach stuck: X editors reach %v", got)
		}
		if got := w.groupCustomers(onZ); !slices.Equal(got, []string{id(z)}) {
			t.Fatalf("a refused detach stuck: Z editors reach %v", got)
		}

		// What the manager holds, they may attach: X to an empty group.
		var cg struct {
			IDs []string `json:"security_group_ids"`
		}
		w.want(200, tok, "PUT", "/api/v1/customers/"+id(x)+"/security-groups",
			map[string]any{"security_group_ids": []string{id(onX), id(editors), id(empty)}}, &cg)
		if got := w.groupCustomers(empty); !slices.Equal(got, []string{id(x)}) {
			t.Fatalf("the allowed attach did not apply: %v (%v)", got, cg.IDs)
		}
	})
}

// groupNamed finds a group of the world's account by name.
func (w *world) groupNamed(name string) int64 {
	w.t.Helper()
	var groups struct{ Items []struct{ ID, Name string } }
	w.want(200, w.admin, "GET", "/api/v1/security-groups?limit=500", nil, &groups)
	for _, g := range groups.Items {
		if g.Name == name {
			return mustID(w.t, g.ID)
		}
	}
	w.t.Fatalf("no group %q", name)
	return 0
}

func (w *world) groupCustomers(g int64) []string {
	w.t.Helper()
	var out struct {
		CustomerIDs []string `json:"customer_ids"`
	}
	w.want(200, w.admin, "GET", "/api/v1/security-groups/"+id(g), nil, &out)
	return out.CustomerIDs
}
