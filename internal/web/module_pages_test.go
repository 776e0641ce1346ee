package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// withZone gives a client the time-zone cookie the page script sets.
func (c *client) withZone(name string) *client {
	u, _ := url.Parse(c.e.url)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_tz", Value: name, Path: "/"}})
	return c
}

// text is a page's body with the markup taken out, for reading sentences.
func pageText(body string) string {
	return html.UnescapeString(regexp.MustCompile(`\s+`).ReplaceAllString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " "), " "))
}

// Every module with a create, edit or delete permission has its pages,
// and a co-managed user holding leads.create sees New and gets the form.
func TestEveryModuleHasItsPagesAndLeadsOpenToCoManagedIT(t *testing.T) {
	e := newEnv(t)
	routes := map[string]bool{}
	for _, rt := range e.web.Routes() {
		routes[rt.Pattern] = true
	}
	for _, m := range records.All() {
		for perm, patterns := range map[string][]string{
			m.Create: {"GET /" + m.Key + "/new", "POST /" + m.Key},
			m.Edit:   {"GET /" + m.Key + "/{id}/edit", "POST /" + m.Key + "/{id}"},
			m.Delete: {"GET /" + m.Key + "/{id}/delete", "POST /" + m.Key + "/{id}/delete"},
		} {
			for _, p := range patterns {
				if routes[p] != (perm != "") {
					t.Errorf("%s: route %s present %v, but the module's permission is %q", m.Key, p, routes[p], perm)
				}
			}
		}
	}
	acme := e.customer("Acme Dental")
	g := e.group(gatehouse.SecurityGroup{Name: "Acme sales", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "leads.view", "leads.create"}})
	e.user("sales@acme.example", false, g)
	c := e.signedIn("sales@acme.example")
	if list := c.get("/leads"); !strings.Contains(list.body, `href="/leads/new"`) {
		t.Fatalf("no New link on the leads list (%d)", list.status)
	}
	form := c.get("/leads/new")
	if form.status != http.StatusOK || !strings.Contains(form.body, fmt.Sprintf(`<option value="%d" selected>Acme Dental</option>`, acme)) {
		t.Fatalf("the lead form: %d, Acme Dental not preselected", form.status)
	}
	id := createdID(t, c.postForm("/leads", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {"Second site"}, "status": {"new"},
		"currency": {"EUR"}, "value": {"1,250.5"}}))
	lead, err := e.db.Record(e.ctx, e.account, records.MustLookup("leads"), id)
	if err != nil || lead.CustomerID != acme || lead.Values.Int("value") != 125050 || lead.Values.Str("currency") != "EUR" {
		t.Fatalf("lead %+v, %v", lead, err)
	}
	if page := pageText(c.get(fmt.Sprintf("/leads/%d", id)).body); !strings.Contains(page, "EUR 1,250.50") {
		t.Errorf("the lead's value is not shown in its currency: %s", page)
	}
}

// Deleting asks first, goes through the API's delete with both reaches,
// reads like a missing record out of scope, and says what keeps a record
// (an invoice with payments) from going.
func TestDeletingAsksFirstAndStaysInScope(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme Dental"), e.customer("Beta Logistics")
	g := e.group(gatehouse.SecurityGroup{Name: "Acme IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "contacts.view", "contacts.delete", "invoices.view", "invoices.delete", "payments.view"}})
	e.user("it@acme.example", false, g)
	c := e.signedIn("it@acme.example")
	mine := e.record("contacts", acme, records.Values{"name": "Ann"}).ID
	theirs := e.record("contacts", beta, records.Values{"name": "Ben"}).ID

	confirm := c.get(fmt.Sprintf("/contacts/%d/delete", mine))
	if confirm.status != http.StatusOK || !strings.Contains(confirm.body, `id="delete-form"`) || !strings.Contains(confirm.body, "Delete Ann?") {
		t.Fatalf("confirmation: %d", confirm.status)
	}
	if countRecords(t, e, "contacts") != 2 {
		t.Fatal("opening the confirmation deleted something")
	}
	for _, p := range []string{"/contacts/%d/delete"} {
		out, missing := c.get(fmt.Sprintf(p, theirs)), c.get(fmt.Sprintf(p, theirs+1000))
		if out.status != http.StatusNotFound || out.body != missing.body {
			t.Fatalf("another customer's contact: %d", out.status)
		}
		if res := c.postForm(fmt.Sprintf(p, theirs), nil); res.status != http.StatusNotFound {
			t.Fatalf("deleting another customer's contact: %d", res.status)
		}
	}
	if res := c.postForm(fmt.Sprintf("/contacts/%d/delete", mine), nil); res.status != http.StatusSeeOther || res.header.Get("Location") != "/contacts" {
		t.Fatalf("delete: %d %s", res.status, res.header.Get("Location"))
	}
	if countRecords(t, e, "contacts") != 1 {
		t.Fatal("the wrong number of contacts is left")
	}

	// What goes with a record and what only loses its link, counted
	// within the viewer's reach; a module out of reach is named only.
	asset := e.asset(acme, "ACME-PC")
	e.record("alerts", 0, records.Values{"asset_id": asset, "message": "Disk"})
	e.record("tickets", acme, records.Values{"subject": "Slow", "asset_id": asset})
	admin := pageText(e.signedIn("admin@test.example").get(fmt.Sprintf("/assets/%d/delete", asset)).body)
	if !strings.Contains(admin, "Deleted with it: 1 alert.") || !strings.Contains(admin, "Linked to it: 1 ticket. They stay") {
		t.Errorf("the admin's asset confirmation: %s", admin)
	}
	e.group(gatehouse.SecurityGroup{Name: "Acme assets", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "assets.view", "assets.delete"}})
	clerk, _ := e.groupByName("Acme assets")
	e.user("clerk@acme.example", false, clerk.ID)
	scoped := pageText(e.signedIn("clerk@acme.example").get(fmt.Sprintf("/assets/%d/delete", asset)).body)
	if !strings.Contains(scoped, "Deleted with it: any alerts, any script runs.") || strings.Contains(scoped, "1 alert") || strings.Contains(scoped, "ticket") {
		t.Errorf("the clerk's asset confirmation: %s", scoped)
	}

	inv := e.record("invoices", acme, records.Values{"number": "INV-9"}).ID
	e.record("payments", 0, records.Values{"invoice_id": inv, "amount": int64(100)})
	blocked := c.get(fmt.Sprintf("/invoices/%d/delete", inv))
	if !strings.Contains(blocked.body, `id="delete-blocked"`) || strings.Contains(blocked.body, `id="delete-form"`) ||
		!strings.Contains(pageText(blocked.body), "1 payment") {
		t.Fatalf("the blocked confirmation: %s", pageText(blocked.body))
	}
	if res := c.postForm(fmt.Sprintf("/invoices/%d/delete", inv), nil); res.status != http.StatusConflict || countRecords(t, e, "invoices") != 1 {
		t.Fatalf("deleting an invoice with payments: %d", res.status)
	}
}

// Values read as people read them: names for references, money in the
// record's currency, tax as a percentage, times in the viewer's zone,
// statuses as badges — and a ticket page lists its time logs and
// comments.
func TestRecordPagesAreReadable(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	tech := e.user("tech@test.example", false)
	asset := e.asset(acme, "ACME-PC-01")
	contact := e.record("contacts", acme, records.Values{"name": "Ann Alvarez"}).ID
	ticket := e.record("tickets", acme, records.Values{"subject": "Printer offline", "status": "in_progress", "asset_id": asset,
		"contact_id": contact, "assignee_id": tech.ID})
	e.record("timelogs", 0, records.Values{"ticket_id": ticket.ID, "minutes": int64(135), "note": "On site", "user_id": tech.ID})
	if _, err := e.db.AddNote(e.ctx, e.account, records.TicketComments, ticket.ID, tech.ID, "Toner replaced.", records.Reach{Customers: access.All()}); err != nil {
		t.Fatal(err)
	}
	inv := e.record("invoices", acme, records.Values{"number": "INV-1", "currency": "EUR", "tax_rate_bp": int64(825)})
	starts := time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)
	appt := e.record("appointments", acme, records.Values{"title": "Review", "user_id": tech.ID, "starts_at": starts, "ends_at": starts.Add(time.Hour)})
	c := e.signedIn("admin@test.example").withZone("Europe/Berlin")

	page := pageText(c.get(fmt.Sprintf("/tickets/%d", ticket.ID)).body)
	for _, want := range []string{"#1 Printer offline", "Asset ACME-PC-01", "Contact Ann Alvarez", "Assignee tech@test.example",
		"In progress", "Time logs (1)", "2 h 15 min · On site", "Toner replaced.", "Comments"} {
		if !strings.Contains(page, want) {
			t.Errorf("the ticket page lacks %q: %s", want, page)
		}
	}
	body := c.get(fmt.Sprintf("/tickets/%d", ticket.ID)).body
	if !strings.Contains(body, fmt.Sprintf(`<a href="/assets/%d">ACME-PC-01</a>`, asset)) || !strings.Contains(body, `class="badge badge-info">In progress<`) {
		t.Error("the asset is not a link, or the status is not a badge")
	}
	for _, raw := range []string{"Asset #", "Contact #", "User #", "Assignee #"} {
		if strings.Contains(page, raw) {
			t.Errorf("the ticket page shows a raw id: %q", raw)
		}
	}
	if p := pageText(c.get(fmt.Sprintf("/invoices/%d", inv.ID)).body); !strings.Contains(p, "Tax rate 8.25 %") || strings.Contains(p, "825") {
		t.Errorf("the tax rate: %s", p)
	}
	if p := pageText(c.get(fmt.Sprintf("/appointments/%d", appt.ID)).body); !strings.Contains(p, "2 Mar 2026, 15:30 CET") || !strings.Contains(p, "Europe/Berlin") {
		t.Errorf("the appointment's time in Berlin: %s", p)
	}
	edit := c.get(fmt.Sprintf("/appointments/%d/edit", appt.ID)).body
	if !strings.Contains(edit, `value="2026-03-02T15:30"`) || !strings.Contains(edit, `name="tz" value="Europe/Berlin"`) {
		t.Error("the edit form does not show the time in the viewer's zone")
	}
	res := c.postForm(fmt.Sprintf("/appointments/%d", appt.ID), url.Values{"title": {"Review"}, "user_id": {fmt.Sprint(tech.ID)},
		"starts_at": {"2026-03-02T16:00"}, "ends_at": {"2026-03-02T17:00"}, "tz": {"Europe/Berlin"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("saving the appointment: %d %s", res.status, pageText(res.body))
	}
	got, _ := e.db.Record(e.ctx, e.account, records.MustLookup("appointments"), appt.ID)
	if !got.Values.Time("starts_at").Equal(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("16:00 in Berlin stored as %v", got.Values.Time("starts_at"))
	}
	if p := pageText(e.signedIn("admin@test.example").withZone("Not/AZone").get(fmt.Sprintf("/appointments/%d", appt.ID)).body); !strings.Contains(p, "15:00 UTC") {
		t.Errorf("an unknown zone does not fall back to UTC: %s", p)
	}
}

// The customer hub shows each module only within the viewer's reach of
// that module on that customer — per group, never a union — with exact
// counts, and the home page shows a co-managed user their customers'
// open work only.
func TestCustomerHubAndHomeStayWithinReach(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme Dental"), e.customer("Beta Logistics")
	for _, cu := range []struct {
		id   int64
		name string
	}{{acme, "ACME"}, {beta, "BETA"}} {
		a := e.asset(cu.id, cu.name+"-PC")
		e.record("tickets", cu.id, records.Values{"subject": cu.name + " open ticket"})
		e.record("tickets", cu.id, records.Values{"subject": cu.name + " closed ticket", "status": "closed"})
		e.record("alerts", 0, records.Values{"asset_id": a, "message": cu.name + " disk full"})
		e.record("credentials", cu.id, records.Values{"name": cu.name + " firewall"})
	}
	// Assets on Acme, tickets on Beta: two groups, two scopes.
	ga := e.group(gatehouse.SecurityGroup{Name: "Acme assets", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "assets.view", "alerts.view"}})
	gb := e.group(gatehouse.SecurityGroup{Name: "Beta tickets", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{beta},
		Permissions: []string{"customers.view", "tickets.view"}})
	e.user("pair@test.example", false, ga, gb)
	c := e.signedIn("pair@test.example")

	acmePage := c.get(fmt.Sprintf("/customers/%d", acme)).body
	if !strings.Contains(acmePage, `id="hub-assets"`) || !strings.Contains(acmePage, `id="hub-alerts"`) || strings.Contains(acmePage, `id="hub-tickets"`) {
		t.Error("Acme's hub: assets and alerts, and no tickets section, expected")
	}
	betaPage := c.get(fmt.Sprintf("/customers/%d", beta)).body
	if strings.Contains(betaPage, `id="hub-assets"`) || !strings.Contains(betaPage, `id="hub-tickets"`) || strings.Contains(betaPage, `id="hub-credentials"`) {
		t.Error("Beta's hub: tickets only expected")
	}
	if p := pageText(betaPage); !strings.Contains(p, "Open tickets (1)") || !strings.Contains(p, "BETA open ticket") || strings.Contains(p, "closed ticket") {
		t.Errorf("Beta's open tickets: %s", p)
	}
	for _, leak := range []string{"ACME open ticket", "BETA-PC", "BETA disk full", "firewall"} {
		if strings.Contains(acmePage+betaPage, leak) {
			t.Errorf("a hub shows %q", leak)
		}
	}
	home := pageText(c.get("/").body)
	for _, want := range []string{"Your customers", "Acme Dental", "Beta Logistics", "Open tickets (1)", "BETA open ticket", "Open alerts (1)", "ACME disk full"} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q: %s", want, home)
		}
	}
	for _, leak := range []string{"ACME open ticket", "BETA disk full", "Recent script runs"} {
		if strings.Contains(home, leak) {
			t.Errorf("home shows %q", leak)
		}
	}
}

// The calendar shows the week or month of appointments the viewer sees,
// days in the viewer's zone, and refuses a malformed date by name.
func TestCalendarWeekAndMonth(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme Dental"), e.customer("Beta Logistics")
	admin := e.admin.ID
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	e.record("appointments", acme, records.Values{"title": "Acme review", "user_id": admin, "starts_at": at(4, 23), "ends_at": at(4, 23).Add(time.Hour)})
	e.record("appointments", beta, records.Values{"title": "Beta visit", "user_id": admin, "starts_at": at(3, 9), "ends_at": at(3, 10)})
	e.record("appointments", acme, records.Values{"title": "Acme next month", "user_id": admin, "starts_at": time.Date(2026, 4, 8, 9, 0, 0, 0, time.UTC),
		"ends_at": time.Date(2026, 4, 8, 10, 0, 0, 0, time.UTC)})
	g := e.group(gatehouse.SecurityGroup{Name: "Acme calendar", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "appointments.view_all"}})
	e.user("cal@test.example", false, g)
	c := e.signedIn("cal@test.example").withZone("Europe/Berlin")

	week := c.get("/calendar?view=week&date=2026-03-04")
	p := pageText(week.body)
	if week.status != http.StatusOK || !strings.Contains(p, "Week of 2 March 2026") || strings.Contains(p, "Beta visit") || strings.Contains(p, "Acme next month") {
		t.Fatalf("week: %d %s", week.status, p)
	}
	// 23:00 UTC on the 4th is midnight on the 5th in Berlin.
	if !regexp.MustCompile(`Thursday 5 March 00:00–01:00 Acme review`).MatchString(p) {
		t.Errorf("the appointment is not on Thursday in Berlin: %s", p)
	}
	month := pageText(c.get("/calendar?view=month&date=2026-04-20").body)
	if !strings.Contains(month, "April 2026") || !strings.Contains(month, "Acme next month") || strings.Contains(month, "Beta") {
		t.Errorf("month: %s", month)
	}
	if res := c.get("/calendar?date=soon"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "Date") {
		t.Errorf("a malformed date: %d", res.status)
	}
	if res := e.signedIn("admin@test.example").get("/calendar?view=month&date=2026-03-01"); !strings.Contains(res.body, "Beta visit") {
		t.Error("the admin's month lacks an appointment")
	}
}

// A campaign's review lists exactly the in-scope contacts, and sending
// mails them and no one else.
func TestCampaignReviewAndSendReachOnlyInScopeContacts(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme Dental"), e.customer("Beta Logistics")
	e.record("contacts", acme, records.Values{"name": "Ann", "email": "ann@acme.example"})
	e.record("contacts", acme, records.Values{"name": "No mail"})
	e.record("contacts", beta, records.Values{"name": "Ben", "email": "ben@beta.example"})
	g := e.group(gatehouse.SecurityGroup{Name: "Acme mailer", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "mailer.view", "mailer.create", "mailer.send"}})
	e.user("mail@acme.example", false, g)
	c := e.signedIn("mail@acme.example")
	res := c.postForm("/campaigns", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {"Maintenance"}, "subject": {"Saturday"}, "body": {"Down 8-10."}})
	if res.status != http.StatusSeeOther || !strings.HasSuffix(res.header.Get("Location"), "/send") {
		t.Fatalf("compose: %d to %s", res.status, res.header.Get("Location"))
	}
	review := c.get(res.header.Get("Location"))
	p := pageText(review.body)
	if review.status != http.StatusOK || !strings.Contains(p, "Recipients (1)") || !strings.Contains(p, "ann@acme.example") || strings.Contains(p, "ben@beta.example") {
		t.Fatalf("review: %d %s", review.status, p)
	}
	send := c.postForm(strings.TrimSuffix(res.header.Get("Location"), ""), nil)
	if send.status != http.StatusSeeOther {
		t.Fatalf("send: %d %s", send.status, pageText(send.body))
	}
	var to []string
	rows, err := e.db.SQL().Query(`SELECT to_email FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		to = append(to, s)
	}
	if len(to) != 1 || to[0] != "ann@acme.example" {
		t.Fatalf("mailed %q", to)
	}
	if again := c.postForm(res.header.Get("Location"), nil); again.status != http.StatusConflict {
		t.Errorf("sending twice: %d", again.status)
	}
}

// The web admin's actions run the API's rules: an estimate becomes one
// invoice, a policy goes only where the viewer assigns policies, a
// comment needs tickets.edit on the ticket's customer.
func TestModuleActionsFollowTheAPIsRules(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme Dental"), e.customer("Beta Logistics")
	perms := []string{"customers.view", "estimates.view", "invoices.view", "invoices.create", "policies.view", "policies.assign",
		"assets.view", "tickets.view", "alerts.view", "alerts.manage"}
	g := e.group(gatehouse.SecurityGroup{Name: "Acme IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme}, Permissions: perms})
	seeBeta := e.group(gatehouse.SecurityGroup{Name: "Beta view", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{beta},
		Permissions: []string{"customers.view", "tickets.view", "policies.view"}})
	e.user("it@acme.example", false, g, seeBeta)
	c := e.signedIn("it@acme.example")

	est := e.record("estimates", acme, records.Values{"number": "EST-1"}).ID
	if !strings.Contains(c.get(fmt.Sprintf("/estimates/%d", est)).body, `id="convert-estimate-form"`) {
		t.Fatal("no conversion form")
	}
	if res := c.postForm(fmt.Sprintf("/estimates/%d/convert", est), url.Values{"number": {""}}); res.status != http.StatusBadRequest ||
		!strings.Contains(res.body, `href="#f-number"`) || countRecords(t, e, "invoices") != 0 {
		t.Fatalf("no number: %d", res.status)
	}
	if res := c.postForm(fmt.Sprintf("/estimates/%d/convert", est), url.Values{"number": {"INV-1"}}); res.status != http.StatusSeeOther ||
		!strings.HasPrefix(res.header.Get("Location"), "/invoices/") {
		t.Fatalf("convert: %d", res.status)
	}
	if strings.Contains(c.get(fmt.Sprintf("/estimates/%d", est)).body, `id="convert-estimate-form"`) {
		t.Error("the form still shows once the estimate is an invoice")
	}
	if res := c.postForm(fmt.Sprintf("/estimates/%d/convert", est), url.Values{"number": {"INV-2"}}); res.status != http.StatusConflict || countRecords(t, e, "invoices") != 1 {
		t.Fatalf("a second conversion: %d", res.status)
	}

	shared := e.record("policies", 0, records.Values{"name": "Baseline"}).ID
	betaPolicy := e.record("policies", beta, records.Values{"name": "Beta servers"}).ID
	if res := c.postForm(fmt.Sprintf("/policies/%d/customers", shared), url.Values{"customer_id": {fmt.Sprint(acme)}}); res.status != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", res.status, pageText(res.body))
	}
	if res := c.postForm(fmt.Sprintf("/policies/%d/customers", shared), url.Values{"customer_id": {fmt.Sprint(beta)}}); res.status != http.StatusBadRequest ||
		!strings.Contains(res.body, `href="#f-customer_id"`) {
		t.Errorf("assigning to a customer the viewer may not assign on: %d", res.status)
	}
	if res := c.postForm(fmt.Sprintf("/policies/%d/customers", betaPolicy), url.Values{"customer_id": {fmt.Sprint(acme)}}); res.status < 400 {
		t.Errorf("assigning Beta's policy to Acme: %d", res.status)
	}
	ids, _ := e.db.PolicyCustomers(e.ctx, e.account, shared, records.Reach{Customers: access.All(), Library: true}, access.All())
	if len(ids) != 1 || ids[0] != acme {
		t.Fatalf("the shared policy is assigned to %v", ids)
	}
	asset := e.asset(acme, "ACME-PC")
	if res := c.postForm(fmt.Sprintf("/assets/%d/policy", asset), url.Values{"policy_id": {fmt.Sprint(betaPolicy)}}); res.status < 400 {
		t.Errorf("Beta's policy on an Acme asset: %d", res.status)
	}
	if res := c.postForm(fmt.Sprintf("/assets/%d/policy", asset), url.Values{"policy_id": {fmt.Sprint(shared)}}); res.status != http.StatusSeeOther {
		t.Errorf("the shared policy on an Acme asset: %d", res.status)
	}

	alert := e.record("alerts", 0, records.Values{"asset_id": asset, "message": "Disk"}).ID
	if res := c.postForm(fmt.Sprintf("/alerts/%d/clear", alert), nil); res.status != http.StatusSeeOther {
		t.Errorf("clear: %d", res.status)
	}
	if got, _ := e.db.Record(e.ctx, e.account, records.MustLookup("alerts"), alert); got.Values.Str("status") != "cleared" {
		t.Error("the alert is not cleared")
	}

	// tickets.view on Beta but no tickets.edit: no comment form, and a
	// posted comment is refused and not stored.
	ticket := e.record("tickets", beta, records.Values{"subject": "Beta printer"}).ID
	if strings.Contains(c.get(fmt.Sprintf("/tickets/%d", ticket)).body, `id="note-form"`) {
		t.Error("a comment form for a viewer without tickets.edit")
	}
	if res := c.postForm(fmt.Sprintf("/tickets/%d/comments", ticket), url.Values{"body": {"hi"}}); res.status != http.StatusForbidden {
		t.Errorf("commenting without tickets.edit: %d", res.status)
	}
	page, _ := e.db.Notes(e.ctx, e.account, records.TicketComments, ticket, gatehouse.ListFilter{}, records.Reach{Customers: access.All()})
	if len(page.Items) != 0 {
		t.Error("a comment was stored")
	}
}
