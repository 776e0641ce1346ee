package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// choose picks the option of a select whose text is label, as a user
// would, and fails if there is none.
func (b *browser) choose(sel, label string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		const o = s && Array.from(s.options).find(o => o.text === %q);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, sel, label)
	if !eval[bool](b, js) {
		b.t.Fatalf("%s has no option %q; it offers %q", sel, label, options(b, sel))
	}
}

func (b *browser) texts(sel string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.trim())`, sel))
}

func (b *browser) attrs(sel, attr string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.getAttribute(%q))`, sel, attr))
}

func TestBrowserScopedAuditorSeesOnlyTheirCustomersEvents(t *testing.T) {
	e, acme, beta := auditedAccount(t)
	b := newBrowser(t, e)
	b.signIn("auditor@test.example")
	if nav := b.navLabels(); !slices.Contains(nav, "Audit log") || slices.Contains(nav, "Access map") {
		t.Fatalf("the auditor's navigation: %q", nav)
	}
	b.submit(`header nav a[href="/audit"]`)
	acmeName := fmt.Sprintf("Renamed %d", acme)
	got := b.attrs("#audit tbody tr", "data-customer")
	if len(got) == 0 {
		t.Fatalf("the auditor sees no events: %s", b.text("main"))
	}
	for _, cu := range got {
		if cu != acmeName {
			t.Fatalf("the scoped auditor sees events of %q", got)
		}
	}
	if txt := b.text("main"); strings.Contains(txt, fmt.Sprintf("Renamed %d", beta)) || strings.Contains(txt, "Beta Logistics") {
		t.Fatal("Beta shows on the scoped audit page")
	}
	if custs := options(b, "#f-customer"); !slices.Equal(custs, []string{"Any", acmeName}) {
		t.Fatalf("the customer filter offers %q", custs)
	}
	if n := eval[int](b, `document.querySelectorAll('#f-actor').length`); n != 0 {
		t.Fatal("the actor picker lists the account's users to an auditor without users.view")
	}

	b.do(chromedp.SendKeys(chromedp.CSS("#f-action"), "customer.update"))
	b.choose("#f-customer", acmeName)
	b.submit("#audit-filters button[type=submit]")
	actions := b.attrs("#audit tbody tr", "data-action")
	if len(actions) == 0 || slices.ContainsFunc(actions, func(a string) bool { return a != "customer.update" }) {
		t.Fatalf("filtered actions %q", actions)
	}
	if href := eval[string](b, `document.querySelector('#audit-csv').getAttribute('href')`); !strings.Contains(href, "action=customer.update") ||
		!strings.Contains(href, fmt.Sprintf("customer=%d", acme)) {
		t.Fatalf("the CSV link drops the filter: %q", href)
	}
	if txt := b.text("#audit tbody"); !strings.Contains(txt, "admin@test.example") {
		t.Fatalf("the entries do not name their actor: %q", txt)
	}
}

func TestBrowserAccessReviewListsExactlyTheExpectedUsers(t *testing.T) {
	e, acme, _ := reviewAccount(t)
	b := newBrowser(t, e)
	b.signIn("admin@test.example")
	b.open(fmt.Sprintf("/customers/%d", acme))
	b.submit("#review-link")
	if h := b.text("h1"); h != "Access review of Acme Dental" {
		t.Fatalf("heading %q", h)
	}
	users := b.attrs("#review tbody tr", "data-user")
	slices.Sort(users)
	want := []string{"acme@test.example", "admin@test.example", "mix@test.example", "tech@test.example"}
	if !slices.Equal(users, want) {
		t.Fatalf("the review lists %q, want exactly %q", users, want)
	}
	mix := b.text(`#review tr[data-user="mix@test.example"]`)
	if !strings.Contains(mix, "Mix B") || strings.Contains(mix, "Mix A") || strings.Contains(mix, "Assets") {
		t.Fatalf("mix@'s access to Acme: %q", mix)
	}
	if href := eval[string](b, `document.querySelector('a[href$="/access.csv"]').getAttribute('href')`); href != fmt.Sprintf("/customers/%d/access.csv", acme) {
		t.Fatalf("CSV link %q", href)
	}
	b.submit(`#review tr[data-user="mix@test.example"] a`)
	if perms := b.attrs("#effective tbody tr", "data-permission"); !slices.Equal(perms, []string{"assets.edit", "tickets.view"}) {
		t.Fatalf("mix@'s effective access: %q", perms)
	}
}

func TestBrowserCoManagedUserCreatesAnAssetAndAScriptAndRunsIt(t *testing.T) {
	e, acme, beta, _ := coManagedModules(t)
	e.asset(beta, "BETA-SRV")
	b := newBrowser(t, e)
	b.signIn("it@acme.example")

	b.open("/assets")
	b.submit("#new-record")
	if custs := options(b, "#f-customer_id"); slices.Contains(custs, "Beta Logistics") || !slices.Contains(custs, "Acme Dental") {
		t.Fatalf("the customer picker offers %q", custs)
	}
	b.choose("#f-customer_id", "Acme Dental")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "ACME-LT-42"), chromedp.SendKeys(chromedp.CSS("#f-os"), "Windows 11"))
	b.choose("#f-kind", "Laptop")
	b.submit("#record-form button[type=submit]")
	if f := b.text(".flash"); f != "Created asset ACME-LT-42." {
		t.Fatalf("after creating the asset: %q %s", f, b.text("main"))
	}

	b.open("/scripts")
	b.submit("#new-record")
	b.choose("#f-customer_id", "Acme Dental")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Clear print queue"),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "Restart-Service Spooler"))
	b.submit("#record-form button[type=submit]")
	if f := b.text(".flash"); f != "Created script Clear print queue." {
		t.Fatalf("after creating the script: %q %s", f, b.text("main"))
	}
	if got := options(b, "#f-asset_id"); !slices.Equal(got, []string{"Choose an asset…", "ACME-LT-42 (Acme Dental)"}) {
		t.Fatalf("the run form offers %q", got)
	}
	b.choose("#f-asset_id", "ACME-LT-42 (Acme Dental)")
	b.submit("#run-form button[type=submit]")
	if f := b.text(".flash"); !strings.HasPrefix(f, "Queued the script") || !strings.HasPrefix(b.path(), "/script-runs/") {
		t.Fatalf("after running: %q at %s: %s", f, b.path(), b.text("main"))
	}
	runs, err := e.db.ListRecords(e.ctx, e.account, records.MustLookup("script-runs"), gatehouse.ListFilter{Limit: 10},
		records.Reach{Customers: access.All()})
	if err != nil || len(runs.Items) != 1 {
		t.Fatalf("runs %+v, %v", runs.Items, err)
	}
	run := runs.Items[0]
	asset, _ := e.db.Record(e.ctx, e.account, records.MustLookup("assets"), run.Values.Int("asset_id"))
	if run.CustomerID != acme || asset.Values.Str("name") != "ACME-LT-42" || run.Values.Str("status") != "queued" {
		t.Fatalf("queued run %+v on %+v", run, asset.Values)
	}

	// Invoices: more line rows by script, totals by the server.
	b.open("/invoices/new")
	b.do(chromedp.Click(chromedp.CSS("[data-add-line]")))
	if n := eval[int](b, `document.querySelectorAll('[data-lines] tbody tr').length`); n != 4 {
		t.Fatalf("%d line rows after adding one", n)
	}
	b.choose("#f-customer_id", "Acme Dental")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-number"), "INV-7"),
		chromedp.SendKeys(chromedp.CSS("#line-d-4"), "Onboarding"), chromedp.SendKeys(chromedp.CSS("#line-q-4"), "2"),
		chromedp.SendKeys(chromedp.CSS("#line-p-4"), "150"))
	b.submit("#record-form button[type=submit]")
	if f := b.text(".flash"); f != "Created invoice INV-7." {
		t.Fatalf("after creating the invoice: %q %s", f, b.text("main"))
	}
	if txt := b.text("main"); !strings.Contains(txt, "300.00") || !strings.Contains(txt, "Onboarding") {
		t.Fatalf("the invoice page: %s", txt)
	}
}

func TestBrowserRevealACredential(t *testing.T) {
	e, _, _, _ := coManagedModules(t)
	b := newBrowser(t, e)
	b.signIn("it@acme.example")
	b.open("/credentials/new")
	b.choose("#f-customer_id", "Acme Dental")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Firewall admin"), chromedp.SendKeys(chromedp.CSS("#f-username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#f-secret"), "c0rrect-H0rse!"))
	b.submit("#record-form button[type=submit]")
	if f := b.text(".flash"); f != "Created credential Firewall admin." {
		t.Fatalf("after creating: %q %s", f, b.text("main"))
	}
	if strings.Contains(b.text("main"), "c0rrect-H0rse!") {
		t.Fatal("the secret shows before it is revealed")
	}
	b.submit("#reveal-form button[type=submit]")
	if got := b.text("#secret"); got != "c0rrect-H0rse!" {
		t.Fatalf("revealed %q: %s", got, b.text("main"))
	}
	entries, err := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "credential.reveal"})
	if err != nil || len(entries.Items) != 1 || entries.Items[0].Actor.Email != "it@acme.example" {
		t.Fatalf("the reveal was audited as %+v (%v)", entries.Items, err)
	}
	b.submit("#hide-secret")
	if strings.Contains(b.text("main"), "c0rrect-H0rse!") || b.text("h1") != "Firewall admin" {
		t.Fatal("the secret stays on the page after Hide")
	}
}
