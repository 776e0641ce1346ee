package authzen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/authzen"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/usecase"
	"gatehouse/internal/versions"
)

const testPassword = "correct-horse-battery"

// env is one server — the JSON API and the decision API over one store,
// wired as the binary wires them — with an account and its admin.
type env struct {
	t         *testing.T
	db        *sqldb.DB
	srv       *httptest.Server
	decisions *authzen.Server
	acct      gatehouse.Account
	admin     string // the admin's API session token
}

func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	vs := versions.New(db.SecurityVersion)
	db.OnSecurityChange(func(c sqldb.SecurityChange) { vs.Observe(c.AccountID, c.Version) })
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: auth.Params{Memory: 64, Time: 1, Threads: 1}, HashSlots: 4})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	httpapi.New(db, uc, gate, log).Mount(mux)
	dec := authzen.New(db, gate, authz.NewClients(db, vs, nil), vs, log)
	dec.Mount(mux)
	srv := httptest.NewServer(mux)
	srv.Config.RegisterOnShutdown(dec.Shutdown)
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, srv: srv, decisions: dec}
	hash, _ := auth.HashPassword(testPassword, auth.Params{Memory: 64, Time: 1, Threads: 1})
	acct, _, err := db.CreateAdmin(context.Background(), "Test MSP", gatehouse.UserCreate{Email: "admin@msp.example", Name: "Admin",
		PasswordHash: hash, GroupIDs: []int64{}})
	if err != nil {
		t.Fatal(err)
	}
	e.acct = acct
	e.admin = e.login("admin@msp.example")
	return e
}

// eachBackend runs fn on SQLite and, when configured, PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, newEnv(t, b.Open(t))) })
	}
}

// do sends a request with a bearer token (none when empty).
func (e *env) do(token, method, path string, body any, hdr ...string) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

// want asserts the status and decodes the body into out (if not nil).
func (e *env) want(status int, token, method, path string, body, out any) []byte {
	e.t.Helper()
	got, raw, _ := e.do(token, method, path, body)
	if got != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return raw
}

func (e *env) login(email string) string {
	e.t.Helper()
	var out struct{ Token string }
	e.want(200, "", "POST", "/api/v1/auth/login", map[string]string{"account": e.acct.Slug, "email": email, "password": testPassword}, &out)
	return out.Token
}

// client creates an API client through the JSON API and returns its secret.
func (e *env) client(name, ids string) string {
	e.t.Helper()
	var out struct{ Secret string }
	e.want(201, e.admin, "POST", "/api/v1/api-clients", map[string]any{"name": name, "ids": ids, "rate_limit": 100000}, &out)
	return out.Secret
}

// id reads the "id" of a JSON API answer.
func idOf(t *testing.T, raw []byte) string {
	t.Helper()
	var v struct{ ID string }
	if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s", raw)
	}
	return v.ID
}

// customer creates a customer through the JSON API.
func (e *env) customer(name string, extra ...any) string {
	body := map[string]any{"name": name}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return idOf(e.t, e.want(201, e.admin, "POST", "/api/v1/customers", body, nil))
}

// group creates a security group through the JSON API.
func (e *env) group(name string, customers []string, perms ...string) string {
	body := map[string]any{"name": name, "access_type": "all_customers", "permissions": perms}
	if customers != nil {
		body["access_type"], body["customer_ids"] = "select_customers", customers
	}
	return idOf(e.t, e.want(201, e.admin, "POST", "/api/v1/security-groups", body, nil))
}

// user creates a user through the JSON API.
func (e *env) user(email string, groups []string, extra ...any) string {
	if groups == nil {
		groups = []string{}
	}
	body := map[string]any{"email": email, "name": email, "password": testPassword, "security_group_ids": groups}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return idOf(e.t, e.want(201, e.admin, "POST", "/api/v1/users", body, nil))
}

// decision asks /access/v1/evaluation and returns the decision, failing
// on anything but a 200.
func (e *env) decision(secret string, body any) bool {
	e.t.Helper()
	var out struct {
		Decision *bool
	}
	e.want(200, secret, "POST", "/access/v1/evaluation", body, &out)
	if out.Decision == nil {
		e.t.Fatalf("no decision in the answer to %v", body)
	}
	return *out.Decision
}

// eval is an evaluation request body.
func eval(subject, action, rtype, rid string) map[string]any {
	return map[string]any{
		"subject":  map[string]any{"type": "user", "id": subject},
		"action":   map[string]any{"name": action},
		"resource": map[string]any{"type": rtype, "id": rid},
	}
}
