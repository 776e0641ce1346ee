package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// No access change applies unseen: every form that changes who can see
// what shows who gains and who loses what first, and nothing changes
// until the change is confirmed — or anything at all, when cancelled.
func TestBrowserEveryAccessChangeWaitsForConfirmation(t *testing.T) {
	e := newEnv(t)
	x, y := e.customer("Xenon Clinic"), e.customer("Yarrow Farms")
	g := e.group(gatehouse.SecurityGroup{Name: "Xenon IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{x},
		Permissions: []string{"customers.view", "credentials.view", "credentials.reveal"}})
	spare := e.group(gatehouse.SecurityGroup{Name: "Yarrow IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{y},
		Permissions: []string{"customers.view"}})
	it := e.user("it@xenon.example", false, g)
	b := newBrowser(t, e)
	b.signIn("admin@test.example")
	unchanged := func(what string) {
		t.Helper()
		if got, _ := e.db.Group(e.ctx, e.account, g); got.AccessType != gatehouse.SelectCustomers || !slices.Equal(got.CustomerIDs, []int64{x}) {
			t.Fatalf("%s: the group changed before confirmation: %s %v", what, got.AccessType, got.CustomerIDs)
		}
		if u, _ := e.db.User(e.ctx, e.account, it.ID); !slices.Equal(u.GroupIDs, []int64{g}) {
			t.Fatalf("%s: the user changed before confirmation: %v", what, u.GroupIDs)
		}
	}
	preview := func(what, want string) {
		t.Helper()
		if s := b.text("#impact-summary"); !strings.Contains(s, want) {
			t.Fatalf("%s: preview %q, want %q", what, s, want)
		}
		unchanged(what)
	}

	// One radio click to All Customers: shown, not applied; the list is
	// still there when switching back.
	b.open(fmt.Sprintf("/security-groups/%d", g))
	b.do(chromedp.Click(chromedp.CSS("#access-all")), chromedp.Click(chromedp.CSS("#access-select")))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Xenon Clinic"}) {
		t.Fatalf("switching to All Customers and back lost the list: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#access-all")))
	b.submit("#group-form button[type=submit]")
	preview("group to all customers", "1 user gains access to all customers but 1, among them credentials.reveal")
	b.open("/security-groups") // cancel: walk away
	unchanged("after walking away")

	// A user's groups.
	b.open(fmt.Sprintf("/users/%d", it.ID))
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", spare))))
	b.submit("#user-form button[type=submit]")
	preview("user's groups", "1 user gains access to 1 customer")
	b.submit("#confirm-button")
	if u, _ := e.db.User(e.ctx, e.account, it.ID); !slices.Equal(u.GroupIDs, []int64{g, spare}) {
		t.Fatalf("confirmed user change not applied: %v", u.GroupIDs)
	}

	// Deleting a user and a group say who loses what on their pages.
	b.open(fmt.Sprintf("/users/%d/delete", it.ID))
	if s := b.text("#impact-summary"); !strings.Contains(s, "1 user loses access to 2 customers") {
		t.Fatalf("user delete page: %q", s)
	}
	b.open(fmt.Sprintf("/security-groups/%d/delete", spare))
	if s := b.text("#impact"); !strings.Contains(s, it.Email) {
		t.Fatalf("group delete page does not name the member: %q", s)
	}

	// Archiving a customer: its client group's member loses it.
	e.record("invoices", y, records.Values{"number": "INV-9", "currency": "EUR"})
	b.open(fmt.Sprintf("/customers/%d/delete", y))
	if !strings.Contains(b.text("main"), "financial records are kept") {
		t.Fatalf("a customer with an invoice offers deletion: %q", b.text("main"))
	}
	if s := b.text("#impact-summary"); !strings.Contains(s, "1 user loses access to 1 customer") {
		t.Fatalf("archive page: %q", s)
	}
	b.submit("#archive")
	if cu, err := e.db.Customer(e.ctx, e.account, access.All(), y); err != nil || !cu.Archived() {
		t.Fatalf("archive after its page was confirmed: %+v %v", cu, err)
	}
}
