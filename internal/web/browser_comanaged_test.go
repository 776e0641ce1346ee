package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"gatehouse/internal/access"
	"gatehouse/internal/demo"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
)

// coManagedWalk drives the browser as a co-managed user and checks, on
// every page it reaches, that no other customer's name or record shows.
type coManagedWalk struct {
	t         *testing.T
	b         *browser
	forbidden []string
	pages     int
	done      map[string]bool // module key + " " + action
}

// check fails on any forbidden text of the page now shown: its visible
// text, option labels and attribute values alike.
func (w *coManagedWalk) check() {
	w.t.Helper()
	w.pages++
	text := eval[string](w.b, `document.title + "\n" + document.body.textContent + "\n" +
		Array.from(document.querySelectorAll('*')).flatMap(el => Array.from(el.attributes).map(a => a.value)).join("\n")`)
	for _, name := range w.forbidden {
		if strings.Contains(text, name) {
			w.t.Errorf("%s shows %q", w.b.path(), name)
		}
	}
	if h := w.b.text("h1"); h == "Page not found" || h == "Access denied" || h == "Something went wrong" {
		w.t.Fatalf("%s: %s: %s", w.b.path(), h, w.b.text("main"))
	}
}

func (w *coManagedWalk) open(path string) {
	w.t.Helper()
	w.b.open(path)
	w.check()
}

func (w *coManagedWalk) click(sel string) {
	w.t.Helper()
	w.b.submit(sel)
	w.check()
}

// set types a value into an input as the page's own events see it.
func (w *coManagedWalk) set(sel, value string) {
	w.t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
		el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, value)
	if !eval[bool](w.b, js) {
		w.t.Fatalf("%s: no %s", w.b.path(), sel)
	}
}

// fill sets "#f-name" → value pairs; a value starting with "option:"
// picks the option with that label.
func (w *coManagedWalk) fill(pairs ...string) {
	w.t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if label, ok := strings.CutPrefix(pairs[i+1], "option:"); ok {
			w.b.choose(pairs[i], label)
		} else {
			w.set(pairs[i], pairs[i+1])
		}
	}
}

func (w *coManagedWalk) flash(prefix string) {
	w.t.Helper()
	if f := w.b.text(".flash"); !strings.HasPrefix(f, prefix) {
		w.t.Fatalf("at %s the message is %q, want %q…: %s", w.b.path(), f, prefix, w.b.text("main"))
	}
}

// create opens the module's list, follows its New link, fills the form
// and saves it, and returns the new record's page path.
func (w *coManagedWalk) create(key string, pairs ...string) string {
	w.t.Helper()
	w.open("/" + key)
	w.click("#new-record")
	return w.save(key, pairs...)
}

// save fills the form shown and creates the record.
func (w *coManagedWalk) save(key string, pairs ...string) string {
	w.t.Helper()
	w.fill(pairs...)
	w.click("#record-form button[type=submit]")
	w.flash("Created")
	w.done[key+" create"] = true
	return w.b.path()
}

// edit changes the record shown and saves it.
func (w *coManagedWalk) edit(key string, pairs ...string) {
	w.t.Helper()
	page := w.b.path()
	w.click("#edit-link")
	w.fill(pairs...)
	w.click("#record-form button[type=submit]")
	w.flash("Saved")
	if w.b.path() != page {
		w.t.Fatalf("after saving at %s, want %s", w.b.path(), page)
	}
	w.done[key+" edit"] = true
}

// remove deletes the record shown through its confirmation.
func (w *coManagedWalk) remove(key string) {
	w.t.Helper()
	page := w.b.path()
	w.click("#delete-link")
	w.click("#delete-form button[type=submit]")
	w.flash("Deleted")
	w.b.open(page)
	if h := w.b.text("h1"); h != "Page not found" {
		w.t.Fatalf("%s still shows %q after its deletion", page, h)
	}
	w.done[key+" delete"] = true
}

// The co-managed scenario, through the web admin only: the MSP owner
// builds a Select Customers group for Acme Dental with the list builder
// and creates its user; that user creates, edits and deletes a record in
// every module it holds, runs its script on its asset and reads the
// output, composes and sends a campaign to its own contacts — and no page
// it reaches names another customer or shows their records.
func TestBrowserCoManagedITWorksEveryModuleThroughTheWebAdmin(t *testing.T) {
	e := newEnvWith(t, func(ctx context.Context, db *sqldb.DB, hash string) (gatehouse.Account, gatehouse.User, error) {
		if _, err := demo.Seed(ctx, db, cheap); err != nil {
			return gatehouse.Account{}, gatehouse.User{}, err
		}
		acct, err := db.AccountByName(ctx, demo.AccountName)
		if err != nil {
			return acct, gatehouse.User{}, err
		}
		admin, err := db.CreateUser(ctx, acct.ID, gatehouse.UserCreate{Email: "owner@test.example", Name: "MSP Owner",
			PasswordHash: hash, GlobalAdmin: true, GroupIDs: []int64{}})
		return acct, admin, err
	})
	acme, ok := customerNamed(e, "Acme Dental")
	if !ok {
		t.Fatal("no Acme Dental in the demo")
	}
	b := newBrowser(t, e)

	// The MSP owner: a Select Customers group built with the list builder.
	b.signIn("owner@test.example")
	b.open("/security-groups/new")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Acme Dental co-managed IT"), chromedp.Click(chromedp.CSS("#access-select")))
	b.do(chromedp.SendKeys(chromedp.CSS("#lb-search"), "acme"))
	b.waitFor("the search", `Array.from(document.querySelectorAll('#lb-available option')).map(o => o.text).join('|') === 'Acme Dental'`)
	b.do(chromedp.Click(chromedp.CSS("#lb-available option")), chromedp.Click(chromedp.CSS("#lb-add")))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Acme Dental"}) {
		t.Fatalf("accessible customers %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#perm-all")))
	b.submit("#group-form button[type=submit]")
	// Sensitive permissions for a client's staff are flagged first.
	if !strings.Contains(b.text("#impact-warnings"), "credentials.reveal") {
		t.Fatalf("no warning before creating a client group with sensitive permissions: %s", b.text("main"))
	}
	b.submit("#confirm-button")
	g, ok := e.groupByName("Acme Dental co-managed IT")
	if !ok || g.AccessType != gatehouse.SelectCustomers || !slices.Equal(g.CustomerIDs, []int64{acme}) {
		t.Fatalf("the group %+v: %s", g, b.text("main"))
	}
	// …and its user, in that group only.
	b.open("/users/new")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), "acme-it@test.example"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Acme IT"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	eval[bool](b, `(() => { document.querySelectorAll('input[name=group_id]').forEach(c => { c.checked = false; }); return true; })()`)
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", g.ID))))
	b.submit("#user-form button[type=submit]")
	if s := b.text("#impact-summary"); !strings.Contains(s, "1 user gains access to 1 customer") {
		t.Fatalf("the new user's preview: %q", s)
	}
	b.submit("#confirm-button")
	u, err := e.db.UserByEmail(e.ctx, e.account, "acme-it@test.example")
	if err != nil {
		t.Fatalf("the user was not created: %v: %s", err, b.text("main"))
	}
	if u, _ = e.db.User(e.ctx, e.account, u.ID); !slices.Equal(u.GroupIDs, []int64{g.ID}) {
		t.Fatalf("the user's groups %v", u.GroupIDs)
	}
	b.signOut()

	w := &coManagedWalk{t: t, b: b, forbidden: outOfScopeTexts(t, e, acme), done: map[string]bool{}}
	if len(w.forbidden) < 20 || !slices.Contains(w.forbidden, "Bluebird Logistics") || !slices.Contains(w.forbidden, "ben@bluebird.example") {
		t.Fatalf("too little to look for: %q", w.forbidden)
	}
	b.signIn("acme-it@test.example")
	w.check()
	if !strings.Contains(b.text("#home-customers"), "Acme Dental") || b.text("#hub-tickets") == "" {
		t.Fatalf("the co-managed home: %s", b.text("main"))
	}
	w.open(fmt.Sprintf("/customers/%d", acme))

	// Records the rest of the walk uses.
	w.create("assets", "#f-name", "ACME-WS-90", "#f-kind", "option:Workstation", "#f-os", "Windows 11 Pro")
	w.fill("#f-policy_id", "option:Workstation baseline (shared template)")
	w.click("#policy-form button[type=submit]")
	w.flash("Saved the asset's policy")
	ticket := w.create("tickets", "#f-subject", "Scanner jammed", "#f-priority", "option:High")

	// Every module: create, edit, delete.
	w.create("contacts", "#f-name", "Dana Diaz", "#f-email", "dana@acme-dental.example")
	w.edit("contacts", "#f-phone", "+1 503 555 0199")
	w.remove("contacts")

	w.create("assets", "#f-name", "ACME-LT-77", "#f-kind", "option:Laptop")
	w.edit("assets", "#f-os", "Ubuntu 24.04")
	w.remove("assets")

	w.create("alerts", "#f-asset_id", "option:ACME-WS-90 (Acme Dental)", "#f-message", "Fan failure")
	w.edit("alerts", "#f-severity", "option:Critical")
	w.remove("alerts")

	w.create("tickets", "#f-subject", "Monitor flickers")
	w.edit("tickets", "#f-status", "option:In progress")
	w.remove("tickets")

	w.open(ticket)
	w.fill("#f-body", "Cleared the paper path; watching it.")
	w.click("#note-form button[type=submit]")
	w.flash("Added your comment")
	if !strings.Contains(b.text("#notes"), "Cleared the paper path") {
		t.Fatalf("the comment is not in the thread: %s", b.text("#notes"))
	}
	w.click("#related-timelogs a.button")
	w.save("timelogs", "#f-minutes", "30", "#f-note", "On site")
	w.edit("timelogs", "#f-minutes", "45")
	w.open(ticket)
	if !strings.Contains(b.text("#related-timelogs"), "45 min · On site") {
		t.Fatalf("the ticket's time logs: %s", b.text("#related-timelogs"))
	}
	w.click("#related-timelogs tbody a")
	w.remove("timelogs")

	w.create("scripts", "#f-name", "Temp cleanup", "#f-language", "option:Bash", "#f-body", "rm -rf /tmp/cache")
	w.edit("scripts", "#f-description", "One-off")
	w.remove("scripts")

	// The script the user runs on its asset, and the output it reads.
	script := w.create("scripts", "#f-name", "Clear print queue", "#f-body", "Restart-Service Spooler")
	w.fill("#f-asset_id", "option:ACME-WS-90 (Acme Dental)")
	w.click("#run-form button[type=submit]")
	w.flash("Queued the script")
	if h := b.text("h1"); h != "Clear print queue on ACME-WS-90" {
		t.Fatalf("the run's page is titled %q", h)
	}
	var runID int64
	fmt.Sscanf(b.path(), "/script-runs/%d", &runID)
	if err := e.db.FinishScriptRun(e.ctx, e.account, runID, "succeeded", "Spooler restarted; 3 jobs cleared."); err != nil { // the agent reports back
		t.Fatal(err)
	}
	w.open(b.path())
	if out := b.text("#run-output"); out != "Spooler restarted; 3 jobs cleared." || !strings.Contains(b.text("main"), "Succeeded") {
		t.Fatalf("the run's output %q: %s", out, b.text("main"))
	}
	w.open(script)

	w.create("policies", "#f-name", "Acme laptops", "#f-settings", `{"patching":"weekly","disk_encryption":true}`)
	if !strings.Contains(b.text("main"), "Disk encryption") {
		t.Fatalf("the policy's settings do not read as settings: %s", b.text("main"))
	}
	w.edit("policies", "#f-description", "For every laptop")
	w.remove("policies")

	w.create("documents", "#f-title", "Printer runbook", "#f-body", "Turn it off and on again.")
	w.edit("documents", "#f-body", "Check the paper tray first.")
	w.remove("documents")

	w.create("credentials", "#f-name", "Printer admin", "#f-username", "admin", "#f-secret", "pr1nt-Pa55")
	w.edit("credentials", "#f-username", "root")
	w.remove("credentials")

	w.create("invoices", "#f-number", "INV-ACME-90", "#f-tax_rate_bp", "8.25", "#line-d-1", "Support hour", "#line-q-1", "2", "#line-p-1", "95.50")
	if !strings.Contains(b.text("main"), "USD 206.76") || !strings.Contains(b.text("main"), "8.25 %") {
		t.Fatalf("the invoice's total and tax: %s", b.text("main"))
	}
	w.edit("invoices", "#f-status", "option:Sent")
	w.remove("invoices")

	estimate := w.create("estimates", "#f-number", "EST-ACME-90", "#line-d-1", "Firewall", "#line-q-1", "1", "#line-p-1", "1200")
	w.edit("estimates", "#f-notes", "Valid for 30 days")
	w.fill("#f-number", "INV-ACME-91")
	w.click("#convert-estimate-form button[type=submit]")
	w.flash("Created draft invoice INV-ACME-91")
	w.click("#related-payments a.button")
	w.save("payments", "#f-amount", "200.00", "#f-reference", "Card 4242")
	w.click(`.details a[href^="/invoices/"]`)
	if !strings.Contains(b.text("#related-payments"), "Paid USD 200.00 · balance due USD 1,000.00") {
		t.Fatalf("the invoice's payments: %s", b.text("#related-payments"))
	}
	w.open(estimate)
	w.remove("estimates")

	w.create("contracts", "#f-name", "Managed print", "#f-amount", "149.00")
	w.edit("contracts", "#f-status", "option:Paused")
	w.remove("contracts")

	w.open("/calendar")
	w.click("#new-appointment")
	w.save("appointments", "#f-title", "Printer visit", "#f-starts_at", "2030-01-07T10:00", "#f-ends_at", "2030-01-07T11:00")
	w.edit("appointments", "#f-location", "Front office")
	w.open("/calendar?view=week&date=2030-01-07")
	if !strings.Contains(b.text("#calendar"), "10:00–11:00 Printer visit") {
		t.Fatalf("the week: %s", b.text("#calendar"))
	}
	w.open("/calendar?view=month&date=2030-01-07")
	w.click(`#calendar a[href^="/appointments/"]`)
	w.remove("appointments")

	w.create("chats", "#f-subject", "VPN drops", "#f-contact_id", "option:Ann Alvarez (Acme Dental)")
	w.fill("#f-body", "Which network are you on?")
	w.click("#note-form button[type=submit]")
	w.flash("Added your message")
	w.edit("chats", "#f-status", "option:Closed")

	w.create("leads", "#f-name", "Second practice", "#f-value", "2400")
	w.edit("leads", "#f-status", "option:Qualified")
	w.remove("leads")

	// A campaign to edit and delete, and one composed, reviewed and sent.
	w.create("campaigns", "#f-name", "Draft notice", "#f-subject", "Draft")
	w.open(strings.TrimSuffix(b.path(), "/send"))
	w.edit("campaigns", "#f-body", "Not yet.")
	w.remove("campaigns")
	w.create("campaigns", "#f-name", "Printer upgrade", "#f-subject", "New printers on Monday", "#f-body", "Expect a short outage.")
	if !strings.HasSuffix(b.path(), "/send") {
		t.Fatalf("composing leads to %s, not the review", b.path())
	}
	recipients := b.texts("#recipients tbody td:nth-child(2)")
	if !slices.Equal(recipients, []string{"ann@acme-dental.example"}) {
		t.Fatalf("the campaign would reach %q", recipients)
	}
	w.click("#send-form button[type=submit]")
	w.flash("Sent the campaign to 1 contact")
	mailed, err := e.db.SQL().Query(`SELECT to_email FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for mailed.Next() {
		var s string
		mailed.Scan(&s)
		to = append(to, s)
	}
	mailed.Close()
	if !slices.Equal(to, []string{"ann@acme-dental.example"}) {
		t.Fatalf("the outbox holds %q", to)
	}

	// Every change of every module the user holds was made.
	for _, m := range records.All() {
		for action, perm := range map[string]string{"create": m.Create, "edit": m.Edit, "delete": m.Delete} {
			if perm != "" && slices.Contains(g.Permissions, perm) && !w.done[m.Key+" "+action] {
				t.Errorf("the walk never did %s on %s", action, m.Key)
			}
		}
	}

	// Every page reachable by links from home, as far as 400 pages.
	w.crawl(400)
	t.Logf("checked %d pages for other customers' names", w.pages)
}

var numericSegment = regexp.MustCompile(`/\d+(/|$)`)

// crawl follows every same-site link from the home page, breadth first,
// checking each page — at most three of each kind (/tickets/{id}, …) —
// and never submitting a form.
func (w *coManagedWalk) crawl(limit int) {
	w.t.Helper()
	seen := map[string]bool{"/": true}
	kinds := map[string]int{}
	queue := []string{"/"}
	for len(queue) > 0 && len(seen) <= limit {
		p := queue[0]
		queue = queue[1:]
		w.open(p)
		for _, href := range eval[[]string](w.b, `Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))`) {
			u, err := url.Parse(href)
			if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "/static/") ||
				strings.HasSuffix(u.Path, ".csv") || strings.HasSuffix(u.Path, ".svg") || // downloads, not pages
				u.Query().Has("date") { // the calendar's weeks go on for ever
				continue
			}
			key := u.Path
			if u.RawQuery != "" {
				key += "?" + u.RawQuery
			}
			kind := numericSegment.ReplaceAllString(u.Path, "/{id}$1")
			if !seen[key] && kinds[kind] < 3 {
				seen[key] = true
				kinds[kind]++
				queue = append(queue, key)
			}
		}
	}
}

// outOfScopeTexts are the other customers' names and the texts of their
// records that none of Acme Dental's (or the shared library's) share.
func outOfScopeTexts(t *testing.T, e *env, acme int64) []string {
	all, err := e.db.ListCustomers(e.ctx, e.account, access.All(), gatehouse.ListFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, cu := range all.Items {
		if cu.ID != acme {
			out = append(out, cu.Name)
		}
	}
	var mine strings.Builder
	theirs := map[string]bool{}
	everything := records.Reach{Customers: access.All(), Library: true}
	for _, m := range records.All() {
		page, err := e.db.ListRecords(e.ctx, e.account, m, gatehouse.ListFilter{Limit: 500}, everything)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Items {
			for _, f := range m.Fields {
				s, ok := rec.Values[f.Name].(string)
				if !ok || (f.Kind != records.String && f.Kind != records.Email) {
					continue
				}
				if rec.CustomerID == acme || (rec.CustomerID == 0 && m.Ownership == records.SharedLibrary) {
					fmt.Fprintln(&mine, s)
				} else if len(s) >= 6 {
					theirs[s] = true
				}
			}
		}
	}
	for s := range theirs {
		if !strings.Contains(mine.String(), s) {
			out = append(out, s)
		}
	}
	return out
}
