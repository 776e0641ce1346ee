package web_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/web/webtest"
)

// browser drives one headless Chromium tab against an env. It records
// every JavaScript dialog (and dismisses it) and every uncaught script
// error, and fails the test on either.
type browser struct {
	t   *testing.T
	e   *env
	ctx context.Context

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
}

func newBrowser(t *testing.T, e *env) *browser {
	t.Helper()
	path, ok := webtest.ChromiumPath()
	if !ok {
		if os.Getenv(webtest.RequireEnv) == "1" {
			t.Fatalf("no Chromium found, and %s=1 requires the browser tests to run", webtest.RequireEnv)
		}
		t.Skip("no Chromium found; install chromium to run the browser tests")
	}
	ctx, cancel, err := webtest.Start(context.Background(), path)
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(cancel)
	b := &browser{t: t, e: e, ctx: ctx}
	err = chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
				return err
			}))
		case *runtime.EventExceptionThrown:
			b.mu.Lock()
			b.exceptions = append(b.exceptions, ev.ExceptionDetails.Text)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.dialogs) > 0 {
			t.Errorf("JavaScript dialogs opened: %q", b.dialogs)
		}
		if len(b.exceptions) > 0 {
			t.Errorf("uncaught script errors: %q", b.exceptions)
		}
	})
	return b
}

// do runs steps with a time limit, failing the test on error.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("browser at %s: %v", loc, err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.e.url + path))
}

// submit clicks a button that submits a form and waits for the next page.
func (b *browser) submit(sel string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))(ctx, tg)
		return err
	}))
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !eval[bool](b, js) {
		if time.Now().After(deadline) {
			b.t.Fatalf("waited in vain for %s (%s)", what, js)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) path() string { return eval[string](b, "location.pathname") }

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf("(document.querySelector(%q) || {innerText: ''}).innerText", sel))
}

func (b *browser) signIn(email string) {
	b.t.Helper()
	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), email), chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	b.submit("form[action='/signin'] button[type=submit]")
	if p := b.path(); p == "/signin" {
		b.t.Fatalf("sign-in as %s failed: %s", email, b.text("main"))
	}
}

func (b *browser) signOut() {
	b.t.Helper()
	b.submit(".who button[type=submit]")
	if p := b.path(); p != "/signin" {
		b.t.Fatalf("after sign-out at %s", p)
	}
}

func (b *browser) navLabels() []string {
	return eval[[]string](b, `Array.from(document.querySelectorAll('header nav a')).map(a => a.textContent.trim())`)
}

func options(b *browser, sel string) []string {
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(o => o.textContent)`, sel+" option"))
}

// An admin builds a Select Customers group with the list builder (by
// keyboard) and check-all, puts a new user in it, and that user then
// sees exactly the group's customers and only the areas it grants.
func TestBrowserSelectCustomersGroupFromListBuilderToSignIn(t *testing.T) {
	e := newEnv(t)
	acme, acmeLog := e.customer("Acme Dental"), e.customer("Acme Logistics")
	blue := e.customer("Bluebird Cafe")
	e.customer("Cobalt Legal")
	for i := range 60 { // more than one page of search results
		e.customer(fmt.Sprintf("Filler %02d", i))
	}
	e.asset(acme, "ACME-PC-01")
	blueAsset := e.asset(blue, "BLUE-SRV-01")
	b := newBrowser(t, e)
	b.signIn("admin@test.example")

	b.open("/security-groups/new")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Acme co-managed"), chromedp.Click(chromedp.CSS("#access-select")))
	if !eval[bool](b, `document.querySelector('#p-users\\.view').disabled && !document.querySelector('#account-wide-reason').hidden`) {
		t.Fatal("account-wide permissions are not disabled, with the reason shown, for Select Customers")
	}
	b.waitFor("the first page of customers", `document.querySelectorAll('#lb-available option').length === 50 && !document.querySelector('#lb-more').hidden`)

	b.do(chromedp.SendKeys(chromedp.CSS("#lb-search"), "acme"))
	b.waitFor("the search results", `Array.from(document.querySelectorAll('#lb-available option')).map(o => o.text).join('|') === 'Acme Dental|Acme Logistics'`)
	// Keyboard only: into the list, select both, Enter adds them.
	b.do(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierShift)), chromedp.KeyEvent(kb.Enter))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Acme Dental", "Acme Logistics"}) {
		t.Fatalf("accessible panel after Add: %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll('#lb-available option').length`); n != 0 {
		t.Fatalf("%d customers left in the available list", n)
	}
	// ← Remove and Add → with the mouse.
	b.do(chromedp.Click(chromedp.CSS("#lb-accessible option:last-child")), chromedp.Click(chromedp.CSS("#lb-remove")))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Acme Dental"}) {
		t.Fatalf("accessible panel after Remove: %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#lb-available option")), chromedp.Click(chromedp.CSS("#lb-add")))
	if got := options(b, "#lb-accessible"); len(got) != 2 {
		t.Fatalf("accessible panel after Add →: %q", got)
	}

	b.do(chromedp.Click(chromedp.CSS("#perm-all")))
	unchecked := eval[[]string](b, `Array.from(document.querySelectorAll('input[name=permission]:not(:checked)')).map(i => i.value)`)
	for _, key := range unchecked {
		if p, _ := catalog.Lookup(key); p.CustomerScoped() {
			t.Errorf("check-all left %s unchecked", key)
		}
	}
	if !eval[bool](b, `Array.from(document.querySelectorAll('[data-cat-toggle]')).filter(c => c.id !== 'cat-7').every(c => c.checked)`) {
		t.Error("category boxes do not show their categories as checked")
	}
	b.submit("#group-form button[type=submit]")
	// A client's group with sensitive permissions is flagged before it
	// is made; nothing exists until the change is confirmed.
	if w := b.text("#impact-warnings"); !strings.Contains(w, "scripts.run") {
		t.Fatalf("no warning about the sensitive permissions: %q", b.text("main"))
	}
	if _, ok := e.groupByName("Acme co-managed"); ok {
		t.Fatal("the group was saved before it was confirmed")
	}
	b.submit("#confirm-button")
	if f := b.text(".flash"); !strings.Contains(f, "Created security group Acme co-managed") {
		t.Fatalf("after saving: %q %s", f, b.text("main"))
	}

	g, ok := e.groupByName("Acme co-managed")
	if !ok {
		t.Fatal("the group was not saved")
	}
	if g.AccessType != gatehouse.SelectCustomers || !slices.Equal(g.CustomerIDs, []int64{acme, acmeLog}) {
		t.Fatalf("saved %s with customers %v", g.AccessType, g.CustomerIDs)
	}
	var wantPerms []string
	for _, p := range catalog.All() {
		if p.CustomerScoped {
			wantPerms = append(wantPerms, p.Key)
		}
	}
	if !slices.Equal(g.Permissions, wantPerms) {
		t.Fatalf("saved permissions %v, want every customer-scoped one", g.Permissions)
	}

	// Assign a new user to the group, and to nothing else.
	techs, _ := e.groupByName("Technicians")
	b.open("/users/new")
	if !eval[bool](b, fmt.Sprintf(`document.querySelector('#g-%d').checked`, techs.ID)) {
		t.Fatal("the default group is not pre-selected for a new user")
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), "it@acme.example"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Acme IT"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", techs.ID))), chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", g.ID))))
	b.submit("#user-form button[type=submit]")
	// A new user gains access: shown first, applied on confirmation.
	if s := b.text("#impact-summary"); !strings.Contains(s, "1 user gains access to 2 customers") {
		t.Fatalf("preview of the new user: %q", s)
	}
	if _, err := e.db.UserByEmail(e.ctx, e.account, "it@acme.example"); err == nil {
		t.Fatal("the user was created before the change was confirmed")
	}
	b.submit("#confirm-button")
	u, err := e.db.UserByEmail(e.ctx, e.account, "it@acme.example")
	if err != nil {
		t.Fatalf("user not created: %v; page: %s", err, b.text("main"))
	}
	if u, _ = e.db.User(e.ctx, e.account, u.ID); !slices.Equal(u.GroupIDs, []int64{g.ID}) {
		t.Fatalf("user's groups %v", u.GroupIDs)
	}

	b.signOut()
	b.signIn("it@acme.example")
	if nav := b.navLabels(); nav[0] != "Customers" || !slices.Contains(nav, "Assets") || !slices.Contains(nav, "Credentials") ||
		slices.Contains(nav, "Security groups") || slices.Contains(nav, "Users") {
		t.Fatalf("navigation %q, want customers and the modules, no administration", nav)
	}
	b.open("/assets")
	assets := eval[[]string](b, `Array.from(document.querySelectorAll('#records tbody tr td:first-child')).map(td => td.textContent.trim())`)
	if !slices.Equal(assets, []string{"ACME-PC-01"}) {
		t.Fatalf("the co-managed user's assets: %q", assets)
	}
	b.open(fmt.Sprintf("/assets/%d", blueAsset))
	if h := b.text("h1"); h != "Page not found" {
		t.Fatalf("an out-of-scope asset shows %q", h)
	}
	b.open("/customers")
	names := eval[[]string](b, `Array.from(document.querySelectorAll('main table tbody tr td:first-child')).map(td => td.textContent.trim())`)
	if !slices.Equal(names, []string{"Acme Dental", "Acme Logistics"}) {
		t.Fatalf("the co-managed user sees %q", names)
	}
	b.open(fmt.Sprintf("/customers/%d", blue))
	if h := b.text("h1"); h != "Page not found" {
		t.Fatalf("an out-of-scope customer shows %q", h)
	}
	b.open("/security-groups")
	if h := b.text("h1"); h != "Access denied" {
		t.Fatalf("security groups show %q to a co-managed user", h)
	}
}

func TestBrowserCopyAndDeleteThroughTheConfirmation(t *testing.T) {
	e := newEnv(t)
	a, c := e.customer("Acme"), e.customer("Cobalt")
	pair := e.group(gatehouse.SecurityGroup{Name: "Pair", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{a, c},
		Permissions: []string{"customers.view", "tickets.view"}})
	e.user("member@test.example", false, pair)
	b := newBrowser(t, e)
	b.signIn("admin@test.example")

	b.open("/security-groups")
	b.submit(`button[aria-label="Make a copy of Pair"]`)
	if h := b.text("h1"); h != "Copy of Pair" {
		t.Fatalf("after copying, the page shows %q", h)
	}
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Acme", "Cobalt"}) {
		t.Fatalf("the copy's accessible panel: %q", got)
	}
	cp, ok := e.groupByName("Copy of Pair")
	if !ok || cp.AccessType != gatehouse.SelectCustomers || !slices.Equal(cp.CustomerIDs, []int64{a, c}) ||
		!slices.Equal(cp.Permissions, []string{"customers.view", "tickets.view"}) || cp.UserCount != 0 {
		t.Fatalf("copy: %+v", cp)
	}

	b.open("/security-groups")
	b.submit(`a[aria-label="Delete Pair"]`)
	if impact := b.text("#impact"); !strings.Contains(impact, "member@test.example") {
		t.Fatalf("the confirmation does not list the member: %q", b.text("main"))
	}
	if _, err := e.db.Group(e.ctx, e.account, pair); err != nil {
		t.Fatal("the group went before the confirmation")
	}
	b.submit("form[action$='/delete'] button.danger")
	if f := b.text(".flash"); f != "Deleted security group Pair." {
		t.Fatalf("after deleting: %q", f)
	}
	if _, err := e.db.Group(e.ctx, e.account, pair); gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		t.Fatalf("group still there: %v", err)
	}
	rows := eval[[]string](b, `Array.from(document.querySelectorAll('#groups-table tbody tr')).map(r => r.dataset.group)`)
	if slices.Contains(rows, "Pair") || !slices.Contains(rows, "Copy of Pair") {
		t.Fatalf("index rows %q", rows)
	}
}

func TestBrowserCustomerSecurityGroupsRoundTrip(t *testing.T) {
	e := newEnv(t)
	cu := e.customer("Driftwood Cafe")
	g1 := e.group(gatehouse.SecurityGroup{Name: "North team", AccessType: gatehouse.SelectCustomers, Permissions: []string{"customers.view"}})
	g2 := e.group(gatehouse.SecurityGroup{Name: "South team", AccessType: gatehouse.SelectCustomers, Permissions: []string{"customers.view"}})
	b := newBrowser(t, e)
	b.signIn("admin@test.example")

	page := fmt.Sprintf("/customers/%d/security-groups", cu)
	b.open(page)
	ticked := func() []string {
		return eval[[]string](b, `Array.from(document.querySelectorAll('#f-security_group_ids input:checked')).map(i => i.labels[0].textContent.trim())`)
	}
	if got := ticked(); len(got) != 0 {
		t.Fatalf("ticked before: %q", got)
	}
	if txt := b.text("#f-security_group_ids"); strings.Contains(txt, "Technicians") {
		t.Fatal("an All Customers group is offered as a choice")
	}
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", g1))), chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", g2))))
	b.submit("#customer-groups-form button[type=submit]")
	if got := ticked(); !slices.Equal(got, []string{"North team", "South team"}) {
		t.Fatalf("ticked after saving: %q (%s)", got, b.text("main"))
	}
	ids, err := e.db.CustomerGroupIDs(e.ctx, e.account, access.All(), cu)
	if err != nil || !slices.Equal(ids, []int64{g1, g2}) {
		t.Fatalf("stored groups %v, %v", ids, err)
	}
	// The same relation, seen from the group's list builder.
	b.open(fmt.Sprintf("/security-groups/%d", g1))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Driftwood Cafe"}) {
		t.Fatalf("North team's accessible panel: %q", got)
	}

	// Taking the customer from a group its member works through is shown
	// first, and changes nothing until confirmed.
	member := e.user("north@test.example", false, g1)
	b.open(page)
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#g-%d", g1))))
	b.submit("#customer-groups-form button[type=submit]")
	if s := b.text("#impact-summary"); !strings.Contains(s, "1 user loses access to 1 customer") {
		t.Fatalf("preview summary %q", s)
	}
	if !strings.Contains(b.text("#impact"), member.Email) {
		t.Fatalf("the preview does not name the member: %q", b.text("#impact"))
	}
	if ids, _ := e.db.CustomerGroupIDs(e.ctx, e.account, access.All(), cu); !slices.Equal(ids, []int64{g1, g2}) {
		t.Fatalf("the change applied before it was confirmed: %v", ids)
	}
	b.submit("#confirm-button")
	if got := ticked(); !slices.Equal(got, []string{"South team"}) {
		t.Fatalf("ticked after removing one: %q", got)
	}
	if ids, _ := e.db.CustomerGroupIDs(e.ctx, e.account, access.All(), cu); !slices.Equal(ids, []int64{g2}) {
		t.Fatalf("stored groups after removing one: %v", ids)
	}
}

func TestBrowserHostileNamesStayText(t *testing.T) {
	const evil = `<img src=x onerror=alert(1)>`
	e := newEnv(t)
	id := e.customer(evil)
	e.group(gatehouse.SecurityGroup{Name: evil + " group", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{id},
		Permissions: []string{"customers.view"}})
	b := newBrowser(t, e)
	b.signIn("admin@test.example")

	noImages := func(where string) {
		t.Helper()
		if n := eval[int](b, `document.querySelectorAll('img').length`); n != 0 {
			t.Fatalf("%s: %d img elements made from a name", where, n)
		}
	}
	for _, p := range []string{"/customers", fmt.Sprintf("/customers/%d", id), fmt.Sprintf("/customers/%d/edit", id), "/security-groups",
		fmt.Sprintf("/customers/%d/access", id), "/audit", "/assets/new"} {
		b.open(p)
		if txt := b.text("main"); !strings.Contains(txt, evil) {
			t.Fatalf("%s does not show the name as text: %q", p, txt)
		}
		noImages(p)
	}
	b.open("/security-groups/new")
	b.do(chromedp.Click(chromedp.CSS("#access-select")), chromedp.SendKeys(chromedp.CSS("#lb-search"), "onerror"))
	// Past the search's 200 ms debounce, so no later answer replaces the
	// list (and the selection) under the click below.
	time.Sleep(300 * time.Millisecond)
	b.waitFor("the search result", `document.querySelector('#lb-available').getAttribute('aria-busy') === 'false' && document.querySelectorAll('#lb-available option').length === 1`)
	if got := options(b, "#lb-available"); !slices.Equal(got, []string{evil}) {
		t.Fatalf("the list builder shows %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#lb-available option")), chromedp.Click(chromedp.CSS("#lb-add")))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{evil}) {
		t.Fatalf("the accessible panel shows %q", got)
	}
	noImages("the list builder")
	time.Sleep(200 * time.Millisecond) // give a payload that slipped through the time to fire
}
