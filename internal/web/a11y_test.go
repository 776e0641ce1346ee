package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
)

// tagWithID returns the start tag of the element with the given id.
func tagWithID(body, id string) string {
	return regexp.MustCompile(`<[a-z]+\b[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
}

// A refused form names the field in its error summary, and the field
// itself — its input, or its fieldset for a group of boxes — points to
// that message with aria-describedby, so a screen reader reads the error
// on reaching the field; an input is also marked aria-invalid.
func TestFieldErrorsAreTiedToTheirFields(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme")
	e.group(gatehouse.SecurityGroup{Name: "Taken", AccessType: gatehouse.AllCustomers, Permissions: []string{"customers.view"}})
	c := e.signedIn("admin@test.example")
	long := strings.Repeat("x", 10001)
	for _, tc := range []struct {
		name  string
		do    func() response
		field string
	}{
		{"a group's missing name", func() response {
			return c.postForm("/security-groups", url.Values{"name": {""}, "access_type": {"all_customers"}})
		}, "name"},
		{"a group's over-long description", func() response {
			return c.postForm("/security-groups", url.Values{"name": {"G"}, "description": {long}, "access_type": {"all_customers"}})
		}, "description"},
		{"a group's unknown access type", func() response {
			return c.postForm("/security-groups", url.Values{"name": {"G"}, "access_type": {"some"}})
		}, "access_type"},
		{"a group's malformed customer", func() response {
			return c.postForm("/security-groups", url.Values{"name": {"G"}, "access_type": {"select_customers"}, "customer_id": {"abc"}})
		}, "customer_ids"},
		{"an account-wide permission in a Select Customers group", func() response {
			return c.postForm("/security-groups", url.Values{"name": {"G"}, "access_type": {"select_customers"},
				"customer_id": {fmt.Sprint(acme)}, "permission": {"users.manage"}})
		}, "permissions"},
		{"a customer's over-long notes", func() response {
			return c.postForm("/customers", url.Values{"name": {"New"}, "notes": {long}})
		}, "notes"},
		{"a customer's missing name", func() response { return c.postForm("/customers", url.Values{"name": {" "}}) }, "name"},
		{"a customer's malformed security group", func() response {
			return c.postForm(fmt.Sprintf("/customers/%d/security-groups", acme), url.Values{"group_id": {"abc"}})
		}, "security_group_ids"},
		{"a user's short password", func() response {
			return c.postForm("/users", url.Values{"email": {"new@test.example"}, "password": {"short"}})
		}, "password"},
		{"a user's malformed email", func() response {
			return c.postForm("/users", url.Values{"email": {"nope"}, "password": {"long enough password"}})
		}, "email"},
		{"a user's malformed group", func() response {
			return c.postForm("/users", url.Values{"email": {"new@test.example"}, "password": {"long enough password"}, "group_id": {"abc"}})
		}, "security_group_ids"},
		{"an asset's missing name", func() response {
			return c.postForm("/assets", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {""}})
		}, "name"},
		{"an invoice's bad line", func() response {
			return c.postForm("/invoices", url.Values{"customer_id": {fmt.Sprint(acme)}, "number": {"INV-1"},
				"line_description": {"Work"}, "line_quantity": {"many"}, "line_unit_price": {"1"}})
		}, "lines"},
		{"the audit filter's malformed actor", func() response { return c.get("/audit?actor=abc") }, "actor"},
		{"the audit filter's malformed customer", func() response { return c.get("/audit?customer=abc") }, "customer"},
		{"the audit filter's bad date", func() response { return c.get("/audit?since=yesterday") }, "since"},
		{"explain's malformed customer", func() response {
			return c.get(fmt.Sprintf("/access/explain?user=%d&permission=assets.view&customer=abc", e.admin.ID))
		}, "customer"},
		{"explain without a permission", func() response { return c.get(fmt.Sprintf("/access/explain?user=%d", e.admin.ID)) }, "permission"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.do()
			if res.status < 400 || !strings.Contains(res.body, `id="form-error"`) || !strings.Contains(res.body, `href="#f-`+tc.field+`"`) {
				t.Fatalf("status %d; the error summary does not name f-%s", res.status, tc.field)
			}
			tag := tagWithID(res.body, "f-"+tc.field)
			if tag == "" {
				t.Fatalf("the summary links to #f-%s, which is not on the page", tc.field)
			}
			m := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindStringSubmatch(tag)
			if m == nil || !strings.Contains(" "+m[1]+" ", " form-error ") {
				t.Errorf("the field is not described by the error: %s", tag)
			}
			if !strings.HasPrefix(tag, "<fieldset") && !strings.Contains(tag, `aria-invalid="true"`) {
				t.Errorf("the field is not marked invalid: %s", tag)
			}
		})
	}
	if res := c.get("/customers/new"); strings.Contains(res.body, "aria-invalid") || res.status != http.StatusOK {
		t.Fatalf("a fresh form marks fields invalid (status %d)", res.status)
	}
}
