package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"gatehouse/internal/gatehouse"
)

// A user confined to a customer (provisioned by that customer's own
// identity provider) may only ever be in groups whose scope is within
// that customer. Every path that changes memberships or a group's scope
// keeps it; each is tried here, through the API.
type confined struct {
	w                  *world
	x, y               int64 // the user's customer, and another
	gx, gx2, gy, gall  int64 // groups: X only, X only, Y only, all customers
	user               int64
	userEmail          string
	withinX, emptyList int64
}

func newConfined(t *testing.T, w *world) *confined {
	c := &confined{w: w}
	c.x, c.y = w.customer(w.acct.ID, "Xenon Clinic"), w.customer(w.acct.ID, "Yarrow Farms")
	c.gx = w.group("X techs", gatehouse.SelectCustomers, []int64{c.x}, "assets.view", "tickets.view")
	c.gx2 = w.group("X docs", gatehouse.SelectCustomers, []int64{c.x}, "documentation.view")
	c.gy = w.group("Y techs", gatehouse.SelectCustomers, []int64{c.y}, "assets.view")
	c.gall = w.group("Everyone", gatehouse.AllCustomers, nil, "assets.view")
	c.emptyList = w.group("Nobody yet", gatehouse.SelectCustomers, []int64{}, "assets.view")
	c.userEmail = w.newUser(w.acct.ID, "it@xenon.example", false, c.gx)
	c.user = w.userID(c.userEmail)
	if err := w.db.Confine(context.Background(), w.acct.ID, c.user, c.x); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *confined) groupsOf(t *testing.T) []string {
	var u struct {
		SecurityGroupIDs []string `json:"security_group_ids"`
	}
	c.w.want(200, c.w.admin, "GET", fmt.Sprintf("/api/v1/users/%d", c.user), nil, &u)
	return u.SecurityGroupIDs
}

const saysConfined = "limited to that customer"

func TestAConfinedUserJoinsOnlyGroupsWithinTheirCustomer(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := newConfined(t, w)
		path := fmt.Sprintf("/api/v1/users/%d", c.user)
		for name, groups := range map[string][]int64{
			"another customer's group":     {c.gx, c.gy},
			"an all-customers group":       {c.gall},
			"a group naming both":          {w.group("X and Y", gatehouse.SelectCustomers, []int64{c.x, c.y}, "assets.view")},
			"an account-wide group beside": {c.gx, w.group("Admins", gatehouse.AllCustomers, nil, "users.view")},
		} {
			t.Run(name, func(t *testing.T) {
				w.wantRefused(t, w.admin, "PATCH", path, map[string]any{"security_group_ids": toStrings(groups)},
					refusal{status: 403, field: "security_group_ids", says: []string{saysConfined}})
				w.wantRefused(t, w.admin, "PATCH", path+"?dry_run=true", map[string]any{"security_group_ids": toStrings(groups)},
					refusal{status: 403, field: "security_group_ids"})
			})
		}
		if got := c.groupsOf(t); len(got) != 1 || got[0] != id(c.gx) {
			t.Fatalf("refused changes changed the groups: %v", got)
		}
		w.wantRefused(t, w.admin, "PATCH", path, map[string]any{"global_admin": true}, refusal{status: 403, field: "global_admin"})
		// Within the customer is fine, and so is a group with no customer.
		w.want(200, w.admin, "PATCH", path, map[string]any{"security_group_ids": toStrings([]int64{c.gx, c.gx2, c.emptyList})}, nil)
	})
}

func TestAGroupWithAConfinedMemberCannotReachFurther(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := newConfined(t, w)
		path := fmt.Sprintf("/api/v1/security-groups/%d", c.gx)
		w.wantRefused(t, w.admin, "PATCH", path, map[string]any{"customer_ids": []string{id(c.x), id(c.y)}},
			refusal{status: 403, field: "customer_ids", says: []string{saysConfined}})
		w.wantRefused(t, w.admin, "PATCH", path, map[string]any{"access_type": "all_customers"},
			refusal{status: 403, field: "customer_ids", says: []string{saysConfined}})
		w.wantRefused(t, w.admin, "PATCH", path, map[string]any{"customer_ids": []string{id(c.y)}},
			refusal{status: 403, field: "customer_ids"})
		var g struct {
			AccessType  string   `json:"access_type"`
			CustomerIDs []string `json:"customer_ids"`
		}
		w.want(200, w.admin, "GET", path, nil, &g)
		if g.AccessType != "select_customers" || len(g.CustomerIDs) != 1 || g.CustomerIDs[0] != id(c.x) {
			t.Fatalf("refused changes changed the group: %+v", g)
		}
		// Narrowing, and other fields, are fine; so is widening a group
		// with no confined member.
		w.want(200, w.admin, "PATCH", path, map[string]any{"description": "Xenon's own IT"}, nil)
		w.want(200, w.admin, "PATCH", fmt.Sprintf("/api/v1/security-groups/%d", c.gy), map[string]any{"customer_ids": []string{id(c.x), id(c.y)}}, nil)
	})
}

func TestAnotherCustomerCannotBeAddedToAConfinedUsersGroup(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := newConfined(t, w)
		path := fmt.Sprintf("/api/v1/customers/%d/security-groups", c.y)
		w.wantRefused(t, w.admin, "PUT", path, map[string]any{"security_group_ids": []string{id(c.gy), id(c.gx)}},
			refusal{status: 403, field: "security_group_ids", says: []string{saysConfined}})
		var got struct {
			SecurityGroupIDs []string `json:"security_group_ids"`
		}
		w.want(200, w.admin, "GET", path, nil, &got)
		if len(got.SecurityGroupIDs) != 1 || got.SecurityGroupIDs[0] != id(c.gy) {
			t.Fatalf("a refused change changed Y's groups: %v", got.SecurityGroupIDs)
		}
		// X's own page may add X to a group of X's user.
		w.want(200, w.admin, "PUT", fmt.Sprintf("/api/v1/customers/%d/security-groups", c.x),
			map[string]any{"security_group_ids": []string{id(c.gx), id(c.gx2), id(c.emptyList)}}, nil)
	})
}

func TestACustomersProviderMapsOnlyToGroupsWithinTheCustomer(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		c := newConfined(t, w)
		body := map[string]any{"name": "Xenon Entra", "issuer": "https://login.xenon.example", "client_id": "gatehouse",
			"client_secret": "top-secret-value", "customer_id": id(c.x), "provision": true,
			"group_mappings": []map[string]any{{"claim": "it", "security_group_id": id(c.gy)}}}
		w.wantRefused(t, w.admin, "POST", "/api/v1/sso-providers", body, refusal{status: 403, field: "group_mappings", says: []string{saysConfined}})
		body["group_mappings"] = []map[string]any{{"claim": "it", "security_group_id": id(c.gx)}}
		var p struct {
			ID              string
			ClientSecretSet bool   `json:"client_secret_set"`
			CustomerID      string `json:"customer_id"`
		}
		raw := w.want(201, w.admin, "POST", "/api/v1/sso-providers", body, &p)
		if !p.ClientSecretSet || p.CustomerID != id(c.x) || containsText(raw, "top-secret-value") {
			t.Fatalf("created %s", raw)
		}
		var sealed []byte
		w.db.SQL().QueryRow(`SELECT client_secret FROM sso_providers WHERE id = $1`, p.ID).Scan(&sealed)
		if len(sealed) == 0 || containsText(sealed, "top-secret-value") {
			t.Fatal("the client secret is not stored sealed")
		}
		// A provider never moves to another customer, or to the MSP.
		w.wantRefused(t, w.admin, "PATCH", "/api/v1/sso-providers/"+p.ID, map[string]any{"customer_id": id(c.y)}, refusal{status: 400, field: "customer_id"})
		raw = w.want(200, w.admin, "GET", "/api/v1/sso-providers/"+p.ID, nil, nil)
		if containsText(raw, "top-secret-value") {
			t.Fatal("the secret is shown")
		}
		// Only settings.manage holders see providers.
		tech := w.login(w.newUser(w.acct.ID, "tech@test.example", false, c.gall))
		w.wantRefused(t, tech, "GET", "/api/v1/sso-providers", nil, refusal{status: 403})
	})
}

func toStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, v := range ids {
		out[i] = id(v)
	}
	return out
}

func containsText(raw []byte, s string) bool { return bytes.Contains(raw, []byte(s)) }
