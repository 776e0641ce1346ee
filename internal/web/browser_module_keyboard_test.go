package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"gatehouse/internal/records"
)

// tabTo presses Tab until the element with id has the focus, failing if
// it never comes or if the focus on the way is ever invisible.
func (b *browser) tabTo(id string) {
	b.t.Helper()
	for range 60 {
		b.do(chromedp.KeyEvent(kb.Tab))
		got := eval[string](b, `document.activeElement.id || document.activeElement.getAttribute('href') || document.activeElement.tagName`)
		if !eval[bool](b, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()`) {
			b.t.Fatalf("the focus on %s is not visible", got)
		}
		if got == id {
			return
		}
	}
	b.t.Fatalf("Tab never reached #%s on %s", id, b.path())
}

// pressEnter presses Enter on the focused control and waits for the page
// it leads to.
func (b *browser) pressEnter() {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(kb.Enter))(ctx, tg)
		return err
	}))
}

// The module pages work from the keyboard alone, the focus always
// visible: commenting on a ticket, deleting through the confirmation,
// a refused form putting the focus on its error, and the calendar's
// appointments reachable in reading order.
func TestBrowserModulePagesByKeyboard(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	ticket := e.record("tickets", acme, records.Values{"subject": "Printer offline"}).ID
	contact := e.record("contacts", acme, records.Values{"name": "Ann Alvarez"}).ID
	starts := time.Date(2030, 1, 8, 9, 0, 0, 0, time.UTC)
	e.record("appointments", acme, records.Values{"title": "Quarterly review", "user_id": e.admin.ID, "starts_at": starts, "ends_at": starts.Add(time.Hour)})
	b := newBrowser(t, e)
	b.signIn("admin@test.example")

	b.open(fmt.Sprintf("/tickets/%d", ticket))
	b.tabTo("f-body")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-body"), "Replaced the toner."))
	b.do(chromedp.KeyEvent(kb.Tab))
	if eval[string](b, `document.activeElement.textContent.trim()`) != "Add comment" {
		t.Fatal("Tab from the comment does not reach its button")
	}
	b.pressEnter()
	if f := b.text(".flash"); f != "Added your comment." || !strings.Contains(b.text("#notes"), "Replaced the toner.") {
		t.Fatalf("after commenting: %q %s", f, b.text("#notes"))
	}

	b.open(fmt.Sprintf("/contacts/%d", contact))
	b.tabTo("delete-link")
	b.pressEnter()
	if h := b.text("h1"); h != "Delete Ann Alvarez?" {
		t.Fatalf("the confirmation reads %q", h)
	}
	b.tabTo("delete-submit")
	b.pressEnter()
	if f := b.text(".flash"); f != "Deleted contact Ann Alvarez." {
		t.Fatalf("after deleting: %q", f)
	}

	b.open("/invoices/new")
	b.choose("#f-customer_id", "Acme Dental")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-number"), "INV-1"), chromedp.SendKeys(chromedp.CSS("#line-d-1"), "Work"),
		chromedp.SendKeys(chromedp.CSS("#line-q-1"), "many"), chromedp.SendKeys(chromedp.CSS("#line-p-1"), "10"))
	b.do(chromedp.Focus(chromedp.CSS("#f-number")))
	b.pressEnter()
	if got := eval[string](b, `document.activeElement.id`); got != "form-error" || !strings.Contains(b.text("#form-error"), "Line items") {
		t.Fatalf("after a refused form the focus is on %q: %s", got, b.text("#form-error"))
	}

	b.open("/calendar?view=month&date=2030-01-08")
	b.tabTo("cal-prev")
	for _, want := range []string{"cal-today", "cal-next"} {
		b.tabTo(want)
	}
	href := eval[string](b, `document.querySelector('#calendar a[href^="/appointments/"]').getAttribute('href')`)
	b.tabTo(href)
	b.pressEnter()
	if h := b.text("h1"); h != "Quarterly review" {
		t.Fatalf("Enter on the appointment opened %q", h)
	}
}

// Times show in the browser's own time zone: the page script tells the
// server the zone, and a page first shown in another zone loads again.
func TestBrowserTimesShowInTheBrowsersZone(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	starts := time.Date(2030, 1, 8, 17, 0, 0, 0, time.UTC)
	appt := e.record("appointments", acme, records.Values{"title": "Review", "user_id": e.admin.ID, "starts_at": starts, "ends_at": starts.Add(time.Hour)}).ID
	b := newBrowser(t, e)
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/Los_Angeles"})
		return err
	}))
	b.signIn("admin@test.example")
	// A session whose zone the server does not know yet: the first page
	// with times is shown in UTC, then once more in the browser's zone.
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.DeleteCookies, network.DeleteCookiesParams{Name: "gatehouse_tz", URL: b.e.url})
		return err
	}))
	b.open(fmt.Sprintf("/appointments/%d", appt))
	b.waitFor("the page in the browser's zone", `document.body.textContent.includes('8 Jan 2030, 09:00 PST')`)
	if !strings.Contains(b.text(".tz-note"), "America/Los_Angeles") {
		t.Fatalf("the page names the zone %q", b.text(".tz-note"))
	}
	b.open(fmt.Sprintf("/appointments/%d/edit", appt))
	if v := eval[string](b, `document.querySelector('#f-starts_at').value`); v != "2030-01-08T09:00" {
		t.Fatalf("the form shows %q", v)
	}
}
