package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// coManagedModules: Acme and Beta; it@acme may create and run scripts,
// manage assets, tickets, documents, credentials and invoices on Acme.
func coManagedModules(t *testing.T) (e *env, acme, beta int64, c *client) {
	e = newEnv(t)
	acme, beta = e.customer("Acme Dental"), e.customer("Beta Logistics")
	var perms []string
	for _, area := range []string{"assets", "tickets", "scripts", "documentation", "credentials", "invoices"} {
		perms = append(perms, area+".view", area+".create", area+".edit")
	}
	perms = append(perms, "customers.view", "scripts.run", "credentials.reveal")
	g := e.group(gatehouse.SecurityGroup{Name: "Acme IT", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme}, Permissions: perms})
	e.user("it@acme.example", false, g)
	return e, acme, beta, e.signedIn("it@acme.example")
}

var locationID = regexp.MustCompile(`/(\d+)$`)

func createdID(t *testing.T, res response) int64 {
	t.Helper()
	if res.status != http.StatusSeeOther {
		t.Fatalf("status %d, want a redirect: %s", res.status, res.body)
	}
	m := locationID.FindStringSubmatch(res.header.Get("Location"))
	if m == nil {
		t.Fatalf("redirected to %q", res.header.Get("Location"))
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

func TestModuleFormsCreateAndEditInScope(t *testing.T) {
	e, acme, beta, c := coManagedModules(t)
	form := c.get("/assets/new")
	if form.status != http.StatusOK || !strings.Contains(form.body, `id="f-customer_id"`) || strings.Contains(form.body, "Beta Logistics") {
		t.Fatalf("the new-asset form: %d, or it offers an out-of-scope customer", form.status)
	}
	for _, want := range []string{`id="f-name"`, `id="f-kind"`, `id="f-os"`, `id="f-serial"`, `type="datetime-local"`} {
		if !strings.Contains(form.body, want) {
			t.Errorf("the asset form lacks %s", want)
		}
	}
	if strings.Contains(form.body, `name="policy_id"`) {
		t.Error("the form offers a field the server sets")
	}
	id := createdID(t, c.postForm("/assets", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {"ACME-PC-07"}, "kind": {"laptop"},
		"os": {"Windows 11"}, "last_seen_at": {"2026-01-31T09:30"}}))
	rec, err := e.db.Record(e.ctx, e.account, records.MustLookup("assets"), id)
	if err != nil || rec.CustomerID != acme || rec.Values.Str("kind") != "laptop" || rec.Values.Time("last_seen_at").Format("15:04") != "09:30" {
		t.Fatalf("stored %+v, %v", rec, err)
	}
	if !strings.Contains(c.get(fmt.Sprintf("/assets/%d", id)).body, fmt.Sprintf(`href="/assets/%d/edit"`, id)) {
		t.Error("the asset page has no edit link for someone who may edit it")
	}
	if res := c.postForm(fmt.Sprintf("/assets/%d", id), url.Values{"name": {"ACME-PC-08"}, "kind": {"server"}, "os": {""}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	if rec, _ = e.db.Record(e.ctx, e.account, records.MustLookup("assets"), id); rec.Values.Str("name") != "ACME-PC-08" || rec.Values.Str("kind") != "server" {
		t.Fatalf("after edit: %+v", rec.Values)
	}

	t.Run("a customer out of scope reads like a missing one and nothing is created", func(t *testing.T) {
		before := countRecords(t, e, "assets")
		for _, cu := range []int64{beta, beta + 1000} {
			res := c.postForm("/assets", url.Values{"customer_id": {fmt.Sprint(cu)}, "name": {"SNEAKY"}, "kind": {"laptop"}})
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, `href="#f-customer_id"`) {
				t.Fatalf("customer %d: %d", cu, res.status)
			}
		}
		if countRecords(t, e, "assets") != before {
			t.Fatal("a record was created")
		}
	})
	t.Run("bad input names the field and keeps what was typed", func(t *testing.T) {
		res := c.postForm("/assets", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {""}, "kind": {"laptop"}, "serial": {"SN-123"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `href="#f-name"`) || !strings.Contains(res.body, `value="SN-123"`) {
			t.Fatalf("%d: %s", res.status, res.body)
		}
		res = c.postForm("/assets", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {"X"}, "kind": {"toaster"}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `href="#f-kind"`) {
			t.Fatalf("an unknown kind: %d", res.status)
		}
	})
	t.Run("records of other customers cannot be edited, and read like missing ones", func(t *testing.T) {
		other := e.asset(beta, "BETA-SRV")
		for _, p := range []string{"/assets/%d/edit"} {
			out, missing := c.get(fmt.Sprintf(p, other)), c.get(fmt.Sprintf(p, other+1000))
			if out.status != http.StatusNotFound || out.body != missing.body {
				t.Fatalf("%s: %d", p, out.status)
			}
		}
		if res := c.postForm(fmt.Sprintf("/assets/%d", other), url.Values{"name": {"HIJACKED"}, "kind": {"server"}}); res.status != http.StatusNotFound {
			t.Fatalf("posting an edit: %d", res.status)
		}
		if rec, _ := e.db.Record(e.ctx, e.account, records.MustLookup("assets"), other); rec.Values.Str("name") != "BETA-SRV" {
			t.Fatal("the out-of-scope asset changed")
		}
	})
	t.Run("a ticket links only its own customer's asset", func(t *testing.T) {
		other := e.asset(beta, "BETA-LAPTOP")
		res := c.postForm("/tickets", url.Values{"customer_id": {fmt.Sprint(acme)}, "subject": {"Printer"}, "status": {"open"},
			"priority": {"high"}, "asset_id": {fmt.Sprint(other)}})
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `href="#f-asset_id"`) {
			t.Fatalf("linking another customer's asset: %d", res.status)
		}
		if strings.Contains(c.get("/tickets/new").body, "BETA-LAPTOP") {
			t.Fatal("the ticket form offers an asset of another customer")
		}
		tid := createdID(t, c.postForm("/tickets", url.Values{"customer_id": {fmt.Sprint(acme)}, "subject": {"Printer"}, "status": {"open"},
			"priority": {"high"}, "asset_id": {fmt.Sprint(id)}, "description": {"Line one\r\nline two"}}))
		tk, _ := e.db.Record(e.ctx, e.account, records.MustLookup("tickets"), tid)
		if tk.Values.Int("asset_id") != id || tk.Values.Str("description") != "Line one\nline two" {
			t.Fatalf("ticket %+v", tk.Values)
		}
		if strings.Contains(c.get("/tickets/new").body, "admin@test.example") {
			t.Fatal("the assignee picker lists the account's users to someone without users.view")
		}
	})
}

func countRecords(t *testing.T, e *env, module string) int {
	t.Helper()
	page, err := e.db.ListRecords(e.ctx, e.account, records.MustLookup(module), gatehouse.ListFilter{Limit: 500},
		records.Reach{Customers: access.All(), Library: true})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

func TestInvoiceFormLineItems(t *testing.T) {
	e, acme, _, c := coManagedModules(t)
	id := createdID(t, c.postForm("/invoices", url.Values{"customer_id": {fmt.Sprint(acme)}, "number": {"INV-1"}, "status": {"draft"},
		"currency": {"USD"}, "tax_rate_bp": {"10"}, // percent
		"line_description": {"Support hours", "", "Backup licence"}, "line_quantity": {"3", "", "2"}, "line_unit_price": {"95.50", "", "12"}}))
	inv, err := e.db.Record(e.ctx, e.account, records.MustLookup("invoices"), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Lines) != 2 || inv.Lines[0].Amount != 28650 || inv.Lines[1].Amount != 2400 || inv.Values.Int("total") != (28650+2400)*11/10 {
		t.Fatalf("lines %+v, total %d", inv.Lines, inv.Values.Int("total"))
	}
	edit := c.get(fmt.Sprintf("/invoices/%d/edit", id)).body
	if !strings.Contains(edit, `value="Support hours"`) || !strings.Contains(edit, `value="95.50"`) {
		t.Fatal("the edit form does not show the lines")
	}
	res := c.postForm(fmt.Sprintf("/invoices/%d", id), url.Values{"number": {"INV-1"}, "status": {"sent"}, "currency": {"USD"},
		"tax_rate_bp": {"0"}, "line_description": {"Support hours"}, "line_quantity": {"zero"}, "line_unit_price": {"95.50"}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, `href="#f-lines"`) {
		t.Fatalf("a bad quantity: %d", res.status)
	}
	if inv, _ = e.db.Record(e.ctx, e.account, records.MustLookup("invoices"), id); len(inv.Lines) != 2 || inv.Values.Str("status") != "draft" {
		t.Fatal("a refused edit changed the invoice")
	}
	if res := c.postForm(fmt.Sprintf("/invoices/%d", id), url.Values{"number": {"INV-1"}, "status": {"sent"}, "currency": {"USD"},
		"tax_rate_bp": {"0"}, "line_description": {"Flat fee"}, "line_quantity": {"1"}, "line_unit_price": {"-0.5"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	if inv, _ = e.db.Record(e.ctx, e.account, records.MustLookup("invoices"), id); len(inv.Lines) != 1 || inv.Values.Int("total") != -50 {
		t.Fatalf("after edit: %+v total %d", inv.Lines, inv.Values.Int("total"))
	}
}

func TestScriptRunsFollowTheScriptRunRule(t *testing.T) {
	e, acme, beta, c := coManagedModules(t)
	acmePC := e.asset(acme, "ACME-PC")
	betaPC := e.asset(beta, "BETA-PC")
	betaScript := e.record("scripts", beta, records.Values{"name": "Beta only"}).ID
	shared := e.record("scripts", 0, records.Values{"name": "Shared cleanup"}).ID

	// A co-managed user creates a script for their own customer, and may
	// not create a shared one.
	own := createdID(t, c.postForm("/scripts", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {"Acme reboot"}, "language": {"powershell"},
		"body": {"Restart-Computer"}}))
	if res := c.postForm("/scripts", url.Values{"customer_id": {""}, "name": {"Sneaky shared"}, "language": {"bash"}}); res.status != http.StatusForbidden {
		t.Fatalf("a shared script from a customer-scoped user: %d", res.status)
	}
	page := c.get(fmt.Sprintf("/scripts/%d", own)).body
	if !strings.Contains(page, "ACME-PC") || strings.Contains(page, "BETA-PC") {
		t.Fatal("the run form's assets are not the caller's")
	}
	run := c.postForm(fmt.Sprintf("/scripts/%d/run", own), url.Values{"asset_id": {fmt.Sprint(acmePC)}})
	if run.status != http.StatusSeeOther || !strings.HasPrefix(run.header.Get("Location"), "/script-runs/") {
		t.Fatalf("run: %d %s", run.status, run.body)
	}
	if res := c.postForm(fmt.Sprintf("/scripts/%d/run", shared), url.Values{"asset_id": {fmt.Sprint(acmePC)}}); res.status != http.StatusSeeOther {
		t.Fatalf("running a shared script: %d", res.status)
	}
	before := countRecords(t, e, "script-runs")
	if res := c.postForm(fmt.Sprintf("/scripts/%d/run", own), url.Values{"asset_id": {fmt.Sprint(betaPC)}}); res.status != http.StatusBadRequest ||
		!strings.Contains(res.body, `href="#f-asset_id"`) {
		t.Fatalf("running on another customer's asset: %d", res.status)
	}
	if res := c.postForm(fmt.Sprintf("/scripts/%d/run", betaScript), url.Values{"asset_id": {fmt.Sprint(acmePC)}}); res.status != http.StatusNotFound {
		t.Fatalf("running another customer's script: %d", res.status)
	}
	if countRecords(t, e, "script-runs") != before {
		t.Fatal("a refused run was queued")
	}
}

func TestRevealingACredentialIsAudited(t *testing.T) {
	e, acme, beta, c := coManagedModules(t)
	id := createdID(t, c.postForm("/credentials", url.Values{"customer_id": {fmt.Sprint(acme)}, "name": {"Router admin"},
		"username": {"admin"}, "secret": {"s3cr3t-Pa55"}}))
	page := c.get(fmt.Sprintf("/credentials/%d", id)).body
	if strings.Contains(page, "s3cr3t-Pa55") || !strings.Contains(page, `id="reveal-form"`) {
		t.Fatal("the credential page shows the secret, or no reveal button")
	}
	if res := c.get(fmt.Sprintf("/credentials/%d/reveal", id)); res.status == http.StatusOK && strings.Contains(res.body, "s3cr3t") {
		t.Fatal("a GET reveals the secret")
	}
	if res := c.post(fmt.Sprintf("/credentials/%d/reveal", id), url.Values{}); res.status != http.StatusForbidden || strings.Contains(res.body, "s3cr3t") {
		t.Fatalf("a reveal without the form token: %d", res.status)
	}
	res := c.postForm(fmt.Sprintf("/credentials/%d/reveal", id), nil)
	if res.status != http.StatusOK || !strings.Contains(res.body, `<code id="secret" class="secret">s3cr3t-Pa55</code>`) {
		t.Fatalf("reveal: %d", res.status)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("the revealed secret may be cached: %q", cc)
	}
	entries, err := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "credential.reveal"})
	if err != nil || len(entries.Items) != 1 {
		t.Fatalf("audit entries %+v, %v", entries.Items, err)
	}
	if got := entries.Items[0]; got.Actor.Email != "it@acme.example" || got.TargetID != id || got.CustomerID != acme {
		t.Fatalf("audited as %+v", got)
	}

	// Editing without a new secret keeps it.
	if res := c.postForm(fmt.Sprintf("/credentials/%d", id), url.Values{"name": {"Router admin"}, "username": {"root"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.status)
	}
	if res := c.postForm(fmt.Sprintf("/credentials/%d/reveal", id), nil); !strings.Contains(res.body, "s3cr3t-Pa55") {
		t.Fatal("editing without a secret lost it")
	}

	other := createdID(t, e.signedIn("admin@test.example").postForm("/credentials", url.Values{"customer_id": {fmt.Sprint(beta)},
		"name": {"Beta firewall"}, "secret": {"beta-secret"}}))
	out, missing := c.postForm(fmt.Sprintf("/credentials/%d/reveal", other), nil), c.postForm(fmt.Sprintf("/credentials/%d/reveal", other+1000), nil)
	if out.status != http.StatusNotFound || strings.Contains(out.body, "beta-secret") || out.body != missing.body {
		t.Fatalf("revealing another customer's secret: %d", out.status)
	}
	viewer := e.group(gatehouse.SecurityGroup{Name: "Viewers", AccessType: gatehouse.AllCustomers, Permissions: []string{"credentials.view"}})
	e.user("viewer@test.example", false, viewer)
	v := e.signedIn("viewer@test.example")
	if strings.Contains(v.get(fmt.Sprintf("/credentials/%d", id)).body, `id="reveal-form"`) {
		t.Fatal("the reveal button shows to a user without credentials.reveal")
	}
	if res := v.postForm(fmt.Sprintf("/credentials/%d/reveal", id), nil); res.status != http.StatusForbidden || strings.Contains(res.body, "s3cr3t") {
		t.Fatalf("a reveal without the permission: %d", res.status)
	}
}

// The reveal page is the credential's page: a caller who holds
// credentials.reveal on a customer but not credentials.view gets the
// same 404 as for a missing credential — not the record's fields, which
// its own page refuses them — and no reveal is recorded.
func TestRevealingNeedsToSeeTheCredential(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	id := createdID(t, e.signedIn("admin@test.example").postForm("/credentials", url.Values{"customer_id": {fmt.Sprint(acme)},
		"name": {"Router admin"}, "username": {"netadmin"}, "notes": {"behind the reception desk"}, "secret": {"s3cr3t-Pa55"}}))
	g := e.group(gatehouse.SecurityGroup{Name: "Reveal only", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"customers.view", "credentials.reveal"}})
	e.user("revealer@test.example", false, g)
	c := e.signedIn("revealer@test.example")

	if res := c.get(fmt.Sprintf("/credentials/%d", id)); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Fatalf("the credential's page opens without credentials.view: %d", res.status)
	}
	out, missing := c.postForm(fmt.Sprintf("/credentials/%d/reveal", id), nil), c.postForm(fmt.Sprintf("/credentials/%d/reveal", id+1000), nil)
	if out.status != http.StatusNotFound || out.body != missing.body {
		t.Fatalf("reveal without credentials.view: %d, unlike a missing credential", out.status)
	}
	for _, leak := range []string{"Router admin", "netadmin", "reception desk", "s3cr3t"} {
		if strings.Contains(out.body, leak) {
			t.Errorf("the answer shows %q", leak)
		}
	}
	if entries, _ := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "credential.reveal"}); len(entries.Items) != 0 {
		t.Fatalf("%d reveals recorded", len(entries.Items))
	}
}

// The "run on asset" picker names only assets the caller may see: a
// caller holding scripts.run but not assets.view on a customer is not
// shown that customer's asset names.
func TestRunPickerListsOnlyAssetsTheCallerMaySee(t *testing.T) {
	e := newEnv(t)
	acme, beta := e.customer("Acme Dental"), e.customer("Beta Logistics")
	e.asset(acme, "ACME-RECEPTION-PC")
	e.asset(beta, "BETA-PAYROLL-SRV")
	script := e.record("scripts", 0, records.Values{"name": "Flush DNS", "body": "ipconfig /flushdns"})
	g := e.group(gatehouse.SecurityGroup{Name: "Runners", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme, beta},
		Permissions: []string{"customers.view", "scripts.view", "scripts.run"}})
	seeAcme := e.group(gatehouse.SecurityGroup{Name: "Acme assets", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"assets.view"}})
	e.user("runner@test.example", false, g, seeAcme)
	page := e.signedIn("runner@test.example").get(fmt.Sprintf("/scripts/%d", script.ID))
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="run-form"`) {
		t.Fatalf("the script page: %d, run form shown: %v", page.status, strings.Contains(page.body, `id="run-form"`))
	}
	if !strings.Contains(page.body, "ACME-RECEPTION-PC") {
		t.Error("an asset the caller may see and run on is not offered")
	}
	if strings.Contains(page.body, "BETA-PAYROLL-SRV") {
		t.Error("the picker names an asset the caller may not see")
	}
}

// A record form's customer picker names customers only as far as the
// caller may see customers, like every other page; the others are
// offered by number.
func TestCustomerPickerNamesOnlyCustomersTheCallerMaySee(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	g := e.group(gatehouse.SecurityGroup{Name: "Asset clerks", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{acme},
		Permissions: []string{"assets.view", "assets.create"}})
	e.user("clerk@test.example", false, g)
	page := e.signedIn("clerk@test.example").get("/assets/new")
	if page.status != http.StatusOK {
		t.Fatalf("status %d", page.status)
	}
	if strings.Contains(page.body, "Acme Dental") {
		t.Error("the picker names a customer the caller may not see")
	}
	if !strings.Contains(page.body, fmt.Sprintf(`<option value="%d" selected>Customer #%d</option>`, acme, acme)) {
		t.Error("the one customer the caller may create assets for is not offered, preselected")
	}
}
