package web_test

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The group editor works from the keyboard alone, in a sensible tab
// order, with the focus always visible: the list builder adds with Enter
// and removes with Delete, a category box checks its permissions with
// Space, and a category box with nothing it could check is disabled, not
// a control that does nothing.
func TestBrowserGroupEditorByKeyboard(t *testing.T) {
	e := newEnv(t)
	e.customer("Acme Dental")
	e.customer("Beta Logistics")
	b := newBrowser(t, e)
	b.signIn("admin@test.example")
	b.open("/security-groups/new")

	focused := func() string { return eval[string](b, `document.activeElement.id || document.activeElement.tagName`) }
	visible := func() bool {
		return eval[bool](b, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()`)
	}
	tab := func(want string) {
		t.Helper()
		b.do(chromedp.KeyEvent(kb.Tab))
		if got := focused(); got != want {
			t.Fatalf("Tab went to %q, want %q", got, want)
		}
		if !visible() {
			t.Fatalf("the focus on %s is not visible", want)
		}
	}

	b.do(chromedp.Focus(chromedp.CSS("#f-name")), chromedp.SendKeys(chromedp.CSS("#f-name"), "Keyboard group"))
	tab("f-description")
	tab("f-is_default")
	tab("access-all")
	b.do(chromedp.KeyEvent(kb.ArrowDown)) // the radio group: arrows choose
	if focused() != "access-select" || !eval[bool](b, `document.querySelector('#access-select').checked`) {
		t.Fatal("the arrow key did not choose Select Customers")
	}
	if eval[bool](b, `document.querySelector('[data-list-builder]').hidden`) {
		t.Fatal("the list builder is still hidden")
	}
	tab("lb-search")
	b.waitFor("the customers", `document.querySelectorAll('#lb-available option').length === 2`)
	if eval[bool](b, `document.querySelector('#lb-more').getClientRects().length > 0`) {
		t.Error("Show more is on screen with no more customers to show")
	}
	eval[bool](b, `document.querySelector('#lb-more').click(), true`)
	time.Sleep(300 * time.Millisecond) // the time a search would take to answer
	if got := options(b, "#lb-available"); len(got) != 2 {
		t.Fatalf("Show more with nothing more to show made the list %q", got)
	}
	tab("lb-available")
	tab("lb-add")
	tab("lb-remove")
	tab("lb-accessible")
	tab("perm-all")

	// Into the available list, pick the first customer, Enter adds it.
	b.do(chromedp.Focus(chromedp.CSS("#lb-search")), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	if got := options(b, "#lb-accessible"); !slices.Equal(got, []string{"Acme Dental"}) {
		t.Fatalf("Enter added %q", got)
	}
	// In the accessible list, Delete removes it again.
	b.do(chromedp.Focus(chromedp.CSS("#lb-accessible")), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Delete))
	if got := options(b, "#lb-accessible"); len(got) != 0 {
		t.Fatalf("Delete left %q", got)
	}
	if got := options(b, "#lb-available"); !slices.Contains(got, "Acme Dental") {
		t.Fatalf("the removed customer is not available again: %q", got)
	}

	// Space on a category box checks every permission it may hold.
	b.do(chromedp.Focus(chromedp.CSS("#cat-0")), chromedp.KeyEvent(" "))
	if !eval[bool](b, `Array.from(document.querySelector('#cat-0').closest('[data-category]').querySelectorAll('input[name=permission]:not(:disabled)')).every(i => i.checked)`) {
		t.Fatal("Space on a category box did not check its permissions")
	}

	// Under Select Customers, a category of account-wide permissions only
	// has nothing to check: its box is disabled. Under All Customers it
	// works again.
	dead := `Array.from(document.querySelectorAll('[data-category]')).filter(c => c.querySelectorAll('input[name=permission]:not(:disabled)').length === 0).map(c => c.querySelector('[data-cat-toggle]'))`
	boxes := eval[int](b, dead+`.length`)
	if boxes == 0 {
		t.Fatal("no category is all account-wide; the test needs one")
	}
	if !eval[bool](b, dead+`.every(t => t.disabled)`) {
		t.Error("a category box with nothing to check can still be focused and toggled")
	}
	b.do(chromedp.Click(chromedp.CSS("#access-all")))
	if eval[bool](b, `Array.from(document.querySelectorAll('[data-cat-toggle]')).some(t => t.disabled)`) {
		t.Error("a category box stays disabled under All Customers")
	}
}
