package ssotest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/httpapi/contract"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/sqlite"
	"gatehouse/internal/sso"
	"gatehouse/internal/usecase"
	"gatehouse/internal/vault"
	"gatehouse/internal/web"
)

var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1}

const adminPassword = "correct horse battery"

// gh is Gatehouse, the JSON API and the web admin on one mux as the
// binary mounts them, at http://localhost:<port>, over a fresh SQLite
// database with one account and its global admin.
type gh struct {
	t    *testing.T
	URL  string
	db   *sqldb.DB
	acct gatehouse.Account
}

func startGatehouse(t *testing.T) *gh {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: cheap, HashSlots: 2})
	if uc.Vault, err = vault.New(bytes.Repeat([]byte{9}, 32)); err != nil {
		t.Fatal(err)
	}
	w, err := web.New(db, uc, gate, log)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	httpapi.New(db, uc, gate, log).Mount(mux)
	w.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	g := &gh{t: t, URL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), db: db}
	uc.SSO = sso.New(g.URL + "/sso/callback")
	hash, err := auth.HashPassword(adminPassword, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if g.acct, _, err = db.CreateAdmin(ctx, "Test MSP", gatehouse.UserCreate{Email: "admin@msp.example", Name: "Ada Admin",
		PasswordHash: hash, GroupIDs: []int64{}}); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *gh) customer(name string) int64 {
	g.t.Helper()
	c, err := g.db.CreateCustomer(context.Background(), g.acct.ID, gatehouse.CustomerFields{Name: &name})
	if err != nil {
		g.t.Fatal(err)
	}
	return c.ID
}

func (g *gh) group(name string, at gatehouse.AccessType, customers []int64, perms ...string) int64 {
	g.t.Helper()
	grp, err := g.db.CreateGroup(context.Background(), g.acct.ID, gatehouse.SecurityGroup{Name: name, AccessType: at,
		CustomerIDs: customers, Permissions: perms})
	if err != nil {
		g.t.Fatal(err)
	}
	return grp.ID
}

func (g *gh) user(email string) (gatehouse.User, bool) {
	u, err := g.db.UserByEmail(context.Background(), g.acct.ID, email)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return u, false
	}
	if err != nil {
		g.t.Fatal(err)
	}
	full, err := g.db.User(context.Background(), g.acct.ID, u.ID)
	if err != nil {
		g.t.Fatal(err)
	}
	return full, true
}

// audited lists the account's audit entries of an action.
func (g *gh) audited(action string) []audit.Entry {
	g.t.Helper()
	page, err := g.db.ListAudit(context.Background(), g.acct.ID, access.All(), true, audit.Filter{Action: action, Limit: 500})
	if err != nil {
		g.t.Fatal(err)
	}
	return page.Items
}

// api is a JSON API client whose every exchange is held to the OpenAPI
// document.
type api struct {
	g     *gh
	c     *http.Client
	token string
}

func (g *gh) api(token string) *api {
	return &api{g: g, c: contract.Default.Client(g.t), token: token}
}

func (a *api) do(method, path string, body any) (int, []byte) {
	a.g.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, a.g.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := a.c.Do(req)
	if err != nil {
		a.g.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func (a *api) want(status int, method, path string, body, out any) {
	a.g.t.Helper()
	got, raw := a.do(method, path, body)
	if got != status {
		a.g.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.g.t.Fatal(err)
		}
	}
}

// adminAPI signs the global admin in to the API.
func (g *gh) adminAPI() *api {
	a := g.api("")
	var out struct{ Token string }
	a.want(200, "POST", "/api/v1/auth/login", map[string]any{"email": "admin@msp.example", "password": adminPassword}, &out)
	a.token = out.Token
	return a
}

// browser is a web client with cookies that follows redirects, as a
// person's browser would.
type browser struct {
	g *gh
	c *http.Client
}

func (g *gh) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{g: g, c: &http.Client{Jar: jar}}
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}

func (b *browser) get(path string) (*http.Response, string) {
	b.g.t.Helper()
	res, err := b.c.Get(b.g.URL + path)
	if err != nil {
		b.g.t.Fatal(err)
	}
	return res, readAll(res)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends a form of the signed-in browser, with its CSRF token.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.g.t.Helper()
	_, home := b.get("/account/security")
	m := csrfRE.FindStringSubmatch(home)
	if m == nil {
		b.g.t.Fatalf("not signed in: %s", home)
	}
	form.Set("csrf", m[1])
	res, err := b.c.PostForm(b.g.URL+path, form)
	if err != nil {
		b.g.t.Fatal(err)
	}
	return res, readAll(res)
}

// ssoSignIn clicks the provider's button on the sign-in page and signs
// in at the provider as pe; it answers Gatehouse's last page.
func (b *browser) ssoSignIn(providerID int64, pe person) (*http.Response, string) {
	b.g.t.Helper()
	_, page := b.get("/signin")
	button := "/sso/" + itoa(int(providerID)) + "/start"
	if !strings.Contains(page, button) {
		b.g.t.Fatalf("the sign-in page has no button for provider %d: %s", providerID, page)
	}
	res := signIn(b.g.t, b.c, b.g.URL+button+"?next=/", pe)
	return res, readAll(res)
}

// signedIn reports whether the browser holds a working session.
func (b *browser) signedIn() bool {
	res, _ := b.get("/account/security")
	return res.Request.URL.Path == "/account/security" && res.StatusCode == 200
}
