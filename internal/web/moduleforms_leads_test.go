package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

func countCustomers(t *testing.T, e *env) int {
	t.Helper()
	page, err := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// The lead page offers "Convert to customer" exactly to those the API's
// conversion lets convert that lead, and the button converts it.
func TestConvertToCustomerButtonShowsOnlyToThoseWhoMayConvert(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	unlinked := e.record("leads", 0, records.Values{"name": "Ann Lee", "company": "Zephyr Ltd", "email": "ann@zephyr.example"}).ID
	linked := e.record("leads", acme, records.Values{"name": "Bo of Acme"}).ID
	leadPage := func(id int64) string { return fmt.Sprintf("/leads/%d", id) }
	convert := func(id int64) string { return fmt.Sprintf("/leads/%d/convert", id) }
	hasButton := func(c *client, id int64) bool {
		t.Helper()
		res := c.get(leadPage(id))
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d", leadPage(id), res.status)
		}
		return strings.Contains(res.body, `id="convert-form"`) && strings.Contains(res.body, "Convert to customer")
	}

	// Leads everywhere, but customers.create only for Acme: the unlinked
	// lead would need a new customer.
	sales := e.group(gatehouse.SecurityGroup{Name: "Sales", AccessType: gatehouse.AllCustomers,
		Permissions: []string{"leads.view", "leads.convert", "customers.view"}})
	acmeCreate := e.group(gatehouse.SecurityGroup{Name: "Acme create", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.create"}})
	e.user("sales@test.example", false, sales, acmeCreate)
	s := e.signedIn("sales@test.example")
	if hasButton(s, unlinked) {
		t.Error("the button shows on a lead with no customer to a caller without customers.create for all customers")
	}
	if !hasButton(s, linked) {
		t.Error("no button on a lead of a customer the caller may convert on")
	}
	before := countCustomers(t, e)
	res := s.postForm(convert(unlinked), nil)
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "customers.create") {
		t.Errorf("converting without customers.create for all customers: %d, want 403 naming the permission", res.status)
	}

	// Seeing and editing leads is not converting them.
	viewers := e.group(gatehouse.SecurityGroup{Name: "Lead viewers", AccessType: gatehouse.AllCustomers,
		Permissions: []string{"leads.view", "leads.edit", "customers.create", "customers.view"}})
	e.user("viewer@test.example", false, viewers)
	v := e.signedIn("viewer@test.example")
	if hasButton(v, unlinked) || hasButton(v, linked) {
		t.Error("the button shows to a caller without leads.convert")
	}
	if res := v.postForm(convert(unlinked), nil); res.status != http.StatusForbidden {
		t.Errorf("converting without leads.convert: %d", res.status)
	}
	if n := countCustomers(t, e); n != before {
		t.Fatalf("%d customers after refusals, want %d", n, before)
	}

	// The admin converts the unlinked lead and lands on the new customer.
	admin := e.signedIn("admin@test.example")
	if !hasButton(admin, unlinked) {
		t.Fatal("no button for a global admin")
	}
	res = admin.postForm(convert(unlinked), nil)
	customer := createdID(t, res)
	if !strings.HasPrefix(res.header.Get("Location"), "/customers/") {
		t.Fatalf("converted to %q, want the customer's page", res.header.Get("Location"))
	}
	if page := html.UnescapeString(admin.get(fmt.Sprintf("/customers/%d", customer)).body); !strings.Contains(page, "Zephyr Ltd") ||
		!strings.Contains(page, "ann@zephyr.example") {
		t.Fatal("the customer's page does not show the lead's company and email")
	}
	rec, err := e.db.Record(e.ctx, e.account, records.MustLookup("leads"), unlinked, records.Reach{Customers: access.All(), Library: true})
	if err != nil || rec.CustomerID != customer || rec.Values.Str("status") != "won" {
		t.Fatalf("lead after converting: customer %d status %q (%v)", rec.CustomerID, rec.Values.Str("status"), err)
	}
	if hasButton(admin, unlinked) {
		t.Error("the button still shows on a won lead of a customer")
	}
	entries, err := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "lead.convert"})
	if err != nil || len(entries.Items) != 1 || entries.Items[0].Actor.Email != "admin@test.example" || entries.Items[0].TargetID != unlinked {
		t.Fatalf("audit entries %+v, %v", entries.Items, err)
	}

	// A lead of a customer: marked won; the caller sees customers, so on to its customer.
	res = s.postForm(convert(linked), url.Values{})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != fmt.Sprintf("/customers/%d", acme) {
		t.Fatalf("converting a lead of a customer: %d to %q", res.status, res.header.Get("Location"))
	}
	if n := countCustomers(t, e); n != before+1 {
		t.Fatalf("%d customers, want %d: converting a lead of a customer creates none", n, before+1)
	}
}
