package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// injectInline plants the three shapes an injected script takes — a
// script element, an event handler attribute and a javascript: link —
// each of which records in window.__ran that it ran. Browsers report a
// blocked one as a securitypolicyviolation, which window.__blocked
// collects (the listener is installed before the page's own scripts).
const injectInline = `(() => {
  window.__ran = [];
  const s = document.createElement('script');
  s.textContent = "window.__ran.push('script element')";
  document.body.appendChild(s);
  const d = document.createElement('div');
  d.innerHTML = '<img src="/no-such-image.png" onerror="window.__ran.push(\'event handler\')">';
  document.body.appendChild(d);
  const a = document.createElement('a');
  a.href = "javascript:window.__ran.push('javascript link')";
  document.body.appendChild(a);
  a.click();
  return true;
})()`

const watchViolations = `window.__blocked = [];
document.addEventListener('securitypolicyviolation', e => window.__blocked.push(e.violatedDirective));`

// An inline script injected into a page of the web admin does not run:
// the content security policy blocks it, in a real browser. The same
// injection into a page without the policy runs, so the test can fail.
func TestBrowserInjectedInlineScriptsDoNotRun(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchViolations})
		return err
	}))
	// settle waits until every injected shape either ran or was blocked.
	settle := func() (ran, blocked []string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			ran, blocked = eval[[]string](b, `window.__ran`), eval[[]string](b, `window.__blocked`)
			if len(ran)+len(blocked) >= 3 || time.Now().After(deadline) {
				return ran, blocked
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>No policy</title><p>A page without a content security policy.</p>")
	}))
	defer plain.Close()
	b.do(chromedp.Navigate(plain.URL))
	eval[bool](b, injectInline)
	if ran, _ := settle(); len(ran) != 3 {
		t.Fatalf("without a policy only %q ran: the injection no longer tests anything", ran)
	}

	b.open("/signin")
	pages := []string{"/signin"}
	b.signIn("admin@test.example")
	pages = append(pages, "/", "/customers", "/security-groups/new")
	for _, p := range pages {
		if p != "/signin" {
			b.open(p)
		}
		b.waitFor("the page", `document.readyState === 'complete'`)
		eval[bool](b, injectInline)
		ran, blocked := settle()
		if len(ran) != 0 {
			t.Errorf("%s: injected inline code ran: %q", p, ran)
		}
		if !slices.Contains(blocked, "script-src-elem") || !slices.Contains(blocked, "script-src-attr") {
			t.Errorf("%s: the policy did not report blocking the injection: %q", p, blocked)
		}
	}
}
