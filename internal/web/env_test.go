package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/sqlite"
	"gatehouse/internal/usecase"
	"gatehouse/internal/vault"
	"gatehouse/internal/web"
)

// cheap argon2 parameters keep sign-ins fast in tests.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1}

const password = "correct horse battery"

// env is a running server (JSON API and web admin on one mux, as the
// binary mounts them) over a fresh SQLite database with one account.
type env struct {
	t       testing.TB
	ctx     context.Context
	db      *sqldb.DB
	web     *web.Server
	uc      *usecase.Service
	url     string
	account int64
	admin   gatehouse.User
	// clock is the use cases' clock: real time plus what a test adds (a
	// TOTP code is good once per 30-second step).
	clock *offsetClock
}

// offsetClock is real time moved on by a test.
type offsetClock struct {
	mu  sync.Mutex
	add time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.add)
}

// step moves the clock to the next TOTP step.
func (c *offsetClock) step() {
	c.mu.Lock()
	c.add += 30 * time.Second
	c.mu.Unlock()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, func(ctx context.Context, db *sqldb.DB, hash string) (gatehouse.Account, gatehouse.User, error) {
		return db.CreateAdmin(ctx, "Test MSP", gatehouse.UserCreate{Email: "admin@test.example", Name: "Ada Admin",
			PasswordHash: hash, GroupIDs: []int64{}})
	})
}

// newEnvWith is newEnv with the account and its first global admin made
// by seed; the admin's password hash is the tests' password.
func newEnvWith(t testing.TB, seed func(ctx context.Context, db *sqldb.DB, hash string) (gatehouse.Account, gatehouse.User, error)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	gate := authz.NewGate(db, nil)
	clock := &offsetClock{}
	uc := usecase.New(db, usecase.Config{Password: cheap, HashSlots: 4, Now: clock.Now})
	if uc.Vault, err = vault.New(bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(db, uc, gate, log)
	w, err := web.New(db, uc, gate, log)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Mount(mux)
	w.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	hash, err := auth.HashPassword(password, cheap)
	if err != nil {
		t.Fatal(err)
	}
	acct, admin, err := seed(ctx, db, hash)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, db: db, web: w, uc: uc, url: srv.URL, account: acct.ID, admin: admin, clock: clock}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (e *env) customer(name string) int64 {
	e.t.Helper()
	c, err := e.db.CreateCustomer(e.ctx, e.account, gatehouse.CustomerFields{Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

func (e *env) asset(customer int64, name string) int64 {
	e.t.Helper()
	rec, err := e.db.CreateRecord(e.ctx, e.account, records.MustLookup("assets"), records.Reach{Customers: access.All()},
		records.Input{CustomerID: customer, Values: records.Values{"name": name}})
	if err != nil {
		e.t.Fatal(err)
	}
	return rec.ID
}

// record creates a record of any module, as an all-customers caller would.
func (e *env) record(module string, customer int64, values records.Values) records.Record {
	e.t.Helper()
	rec, err := e.db.CreateRecord(e.ctx, e.account, records.MustLookup(module), records.Reach{Customers: access.All(), Library: true},
		records.Input{CustomerID: customer, Values: values})
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

func (e *env) group(g gatehouse.SecurityGroup) int64 {
	e.t.Helper()
	created, err := e.db.CreateGroup(e.ctx, e.account, g)
	if err != nil {
		e.t.Fatal(err)
	}
	return created.ID
}

func (e *env) user(email string, globalAdmin bool, groups ...int64) gatehouse.User {
	e.t.Helper()
	hash, err := auth.HashPassword(password, cheap)
	if err != nil {
		e.t.Fatal(err)
	}
	if groups == nil {
		groups = []int64{}
	}
	u, err := e.db.CreateUser(e.ctx, e.account, gatehouse.UserCreate{Email: email, Name: email, PasswordHash: hash,
		GlobalAdmin: globalAdmin, GroupIDs: groups})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) groupByName(name string) (gatehouse.SecurityGroup, bool) {
	e.t.Helper()
	page, err := e.db.ListGroups(e.ctx, e.account, gatehouse.ListFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range page.Items {
		if g.Name == name {
			return g, true
		}
	}
	return gatehouse.SecurityGroup{}, false
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed, so tests see each answer.
type client struct {
	e *env
	c *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn returns a client with a session for email.
func (e *env) signedIn(email string) *client {
	e.t.Helper()
	c := e.client()
	var slug string // the account that holds the address
	if err := e.db.SQL().QueryRow(`SELECT a.slug FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.email = ?`, email).Scan(&slug); err != nil {
		e.t.Fatalf("no user %s: %v", email, err)
	}
	res := c.post("/signin", url.Values{"account": {slug}, "email": {email}, "password": {password}})
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d: %s", email, res.status, res.body)
	}
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.url+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a signed-in page.
func (c *client) csrf() string {
	c.e.t.Helper()
	res := c.get("/")
	m := csrfRE.FindStringSubmatch(res.body)
	if m == nil {
		c.e.t.Fatalf("no csrf token on the home page: %d %s", res.status, res.body)
	}
	return m[1]
}

// postForm posts with the session's CSRF token.
func (c *client) postForm(path string, form url.Values) response {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf())
	return c.post(path, form)
}
