package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/demo"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
)

// Hostile names: one that is markup, one that breaks out of an attribute.
var hostileNames = []string{`<img src=x onerror=alert(1)>`, `"><svg onload=alert(2)>`}

// demoEnv is the demo account — every module filled — with a global
// admin signing in with the tests' password, and hostile names on a
// customer, a group, a user and the first record of every module.
type demoEnv struct {
	*env
	customer, group, user int64
	provider              int64            // an identity provider, at /settings/sso/{id}
	record                map[string]int64 // module key → a record id
	renamed               []string         // the records' titles before the hostile ones
}

func newDemoEnv(t *testing.T) *demoEnv {
	e := newEnvWith(t, func(ctx context.Context, db *sqldb.DB, hash string) (gatehouse.Account, gatehouse.User, error) {
		if _, err := demo.Seed(ctx, db, cheap); err != nil {
			return gatehouse.Account{}, gatehouse.User{}, err
		}
		acct, err := db.AccountByName(ctx, demo.AccountName)
		if err != nil {
			return acct, gatehouse.User{}, err
		}
		admin, err := db.CreateUser(ctx, acct.ID, gatehouse.UserCreate{Email: "admin@test.example", Name: "Ada Admin",
			PasswordHash: hash, GlobalAdmin: true, GroupIDs: []int64{}})
		return acct, admin, err
	})
	d := &demoEnv{env: e, record: map[string]int64{}}
	evil, evil2 := hostileNames[0], hostileNames[1]
	d.customer = e.customer(evil + " Ltd")
	tags, notes := []string{evil2[:20]}, evil2
	if _, err := e.db.UpdateCustomer(e.ctx, e.account, access.All(), d.customer, gatehouse.CustomerFields{Tags: &tags, Notes: &notes}); err != nil {
		t.Fatal(err)
	}
	e.customer(evil2 + " Ltd")
	d.group = e.group(gatehouse.SecurityGroup{Name: evil2, Description: evil, AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{d.customer}, Permissions: []string{"customers.view", "assets.view"}})
	p, err := e.db.CreateSSOProvider(e.ctx, e.account, gatehouse.SSOProvider{Name: evil, Issuer: "https://idp.example.com",
		ClientID: evil2, AllowedDomains: []string{}, GroupsClaim: "groups", Enabled: true,
		Mappings: []gatehouse.GroupMapping{{Claim: evil, GroupID: d.group}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.provider = p.ID
	u := e.user("hostile@test.example", false, d.group)
	name := evil2
	if _, err := e.db.UpdateUser(e.ctx, e.account, u.ID, gatehouse.UserUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	d.user = u.ID
	all := records.Reach{Customers: access.All(), Library: true}
	for _, m := range records.All() {
		page, err := e.db.ListRecords(e.ctx, e.account, m, gatehouse.ListFilter{Limit: 1}, all)
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("the demo has no %s: %v", m.Key, err)
		}
		id := page.Items[0].ID
		d.record[m.Key] = id
		if f, ok := m.Field(m.Title); ok && f.Kind == records.String && !f.ReadOnly && !f.Fixed {
			if title, ok := page.Items[0].Values[m.Title].(string); ok {
				d.renamed = append(d.renamed, title)
			}
			in := records.Input{Values: records.Values{m.Title: evil2 + " " + m.Key}}
			if _, err := e.db.UpdateRecord(e.ctx, e.account, m, id, in, all, all); err != nil {
				t.Fatalf("rename a %s: %v", m.Noun, err)
			}
		}
	}
	return d
}

// pages are the HTML pages of the route table a global admin opens, with
// each {id} filled with a record of the right kind.
func (d *demoEnv) pages(t *testing.T) []string {
	var out []string
	for _, rt := range d.web.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method != "GET" || rt.Need.Permission == authz.Public || strings.HasSuffix(path, ".csv") ||
			strings.HasSuffix(path, ".svg") || path == "/customers/search" {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		if strings.Contains(path, "{id}") {
			seg := strings.Split(path, "/")[1]
			var id int64
			switch seg {
			case "customers":
				id = d.customer
			case "security-groups":
				id = d.group
			case "users":
				id = d.user
			case "settings":
				id = d.provider
			default:
				var ok bool
				if id, ok = d.record[seg]; !ok {
					t.Fatalf("%s: no record to open", rt.Pattern)
				}
			}
			path = strings.Replace(path, "{id}", fmt.Sprint(id), 1)
		}
		out = append(out, path)
	}
	return out
}

// pageProblems lists what is wrong with the page the browser shows.
const pageProblems = `(() => {
  const out = [];
  const h1 = (document.querySelector('h1') || {textContent: ''}).textContent.trim();
  if (['Page not found', 'Access denied', 'Something went wrong', 'The request could not be completed'].includes(h1)) out.push('error page: ' + h1);
  if (!/^\S.* · Gatehouse$/.test(document.title)) out.push('title ' + JSON.stringify(document.title));
  (window.__csp || []).forEach(v => out.push('content security policy violation: ' + v));
  document.querySelectorAll('main img:not(#access-map), main svg, main script, [onerror], [onload]').forEach(el =>
    out.push('element made from a name: ' + el.outerHTML.slice(0, 80)));
  const ids = {};
  document.querySelectorAll('[id]').forEach(el => { ids[el.id] = (ids[el.id] || 0) + 1; });
  Object.keys(ids).filter(id => ids[id] > 1).forEach(id => out.push('duplicate id ' + id));
  document.querySelectorAll('input:not([type=hidden]), select, textarea, button').forEach(el => {
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
      (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!named) out.push('control without a label: ' + el.outerHTML.slice(0, 100));
  });
  document.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls], label[for]').forEach(el => {
    ['aria-describedby', 'aria-labelledby', 'aria-controls', 'for'].forEach(a => {
      (el.getAttribute(a) || '').split(/\s+/).filter(Boolean).forEach(id => {
        if (!document.getElementById(id)) out.push(a + ' names a missing id ' + id + ': ' + el.outerHTML.slice(0, 80));
      });
    });
  });
  return out;
})()`

// Every page a global admin opens, over an account with every module
// filled and hostile names on its records, keeps the names as text,
// breaks nothing under the content security policy, labels every
// control, and has a title.
func TestBrowserEveryPageIsSafeAndLabelled(t *testing.T) {
	d := newDemoEnv(t)
	b := newBrowser(t, d.env)
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`})
		return err
	}))
	b.signIn("admin@test.example")
	pages := d.pages(t)
	if len(pages) < 40 {
		t.Fatalf("only %d pages to open", len(pages))
	}
	shown := map[string]int{}
	for _, p := range pages {
		b.open(p)
		b.waitFor("the page's scripts", `document.readyState === 'complete'`)
		for _, problem := range eval[[]string](b, pageProblems) {
			t.Errorf("%s: %s", p, problem)
		}
		text := b.text("main")
		for _, name := range hostileNames {
			if strings.Contains(text, name) {
				shown[name]++
			}
		}
	}
	for _, name := range hostileNames {
		if shown[name] < 10 {
			t.Errorf("%q shows as text on only %d pages", name, shown[name])
		}
	}
}
