package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/httpapi/contract"
	"gatehouse/internal/sqldb/dbtest"
)

// MustRunMain starts the real program in-process on a free port.
func MustRunMain(tb testing.TB, c Config) *Main {
	tb.Helper()
	m := NewMain()
	m.Config = c
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// TestMain holds every request the end-to-end tests send to the API, and
// every response, to the OpenAPI document.
func TestMain(m *testing.M) {
	doc, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m, "cmd/gatehouse", doc))
}

// client validates its exchanges against the OpenAPI document.
func client(t testing.TB) *http.Client { return contract.Default.Client(t) }

// postJSON posts body as JSON (nothing, when nil).
func postJSON(t *testing.T, url, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, nil)
	if body != nil {
		raw, _ := json.Marshal(body)
		req, _ = http.NewRequest("POST", url, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func getJSON(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

func TestDemoLoginsWorkOverTheAPI(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := Config{DBPath: filepath.Join(t.TempDir(), "demo.db"), Demo: true}
			if b.Name == "postgres" {
				c.PostgresDSN, _ = dbtest.PostgresSchema(t)
			}
			var out bytes.Buffer
			m := NewMain()
			m.Config, m.Stdout = c, &out
			m.Config.Addr = "127.0.0.1:0"
			m.Config.Password = auth.Params{Memory: 64, Time: 1, Threads: 1}
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			logins := []struct{ email, password string }{
				{"admin@demo.example", "demo-admin-pass"},
				{"it@acme-dental.example", "demo-acme-pass"},
			}
			for _, l := range logins {
				if !strings.Contains(out.String(), l.email) || !strings.Contains(out.String(), l.password) {
					t.Fatalf("start-up output does not print the %s login:\n%s", l.email, out.String())
				}
			}
			_, tok := postJSON(t, m.URL()+"/api/v1/auth/login", "", map[string]string{"email": logins[1].email, "password": logins[1].password})
			token, _ := tok["token"].(string)
			var page struct{ Items []struct{ Name string } }
			if status := getJSON(t, m.URL()+"/api/v1/customers", token, &page); status != 200 {
				t.Fatalf("co-managed user lists customers: %d", status)
			}
			if len(page.Items) != 1 || page.Items[0].Name != "Acme Dental" {
				t.Fatalf("co-managed IT user sees %+v, want only Acme Dental", page.Items)
			}
			_, tok = postJSON(t, m.URL()+"/api/v1/auth/login", "", map[string]string{"email": logins[0].email, "password": logins[0].password})
			token, _ = tok["token"].(string)
			if status := getJSON(t, m.URL()+"/api/v1/customers", token, &page); status != 200 || len(page.Items) < 5 {
				t.Fatalf("admin sees %d customers (status %d)", len(page.Items), status)
			}
		})
	}
}

func TestAdminCreateThenSignIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.db")
	var out bytes.Buffer
	args := []string{"admin", "create", "--db", path, "--email", "Owner@Example.com", "--password", "a-long-password", "--account", "Owner MSP"}
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatalf("admin create: %v\n%s", err, out.String())
	}
	// A second admin in the same account, and the same email refused.
	args2 := []string{"admin", "create", "--db", path, "--email", "second@example.com", "--password", "a-long-password", "--account", "Owner MSP"}
	if err := run(context.Background(), args2, &out, &out); err != nil {
		t.Fatalf("second admin: %v", err)
	}
	if err := run(context.Background(), args, &out, &out); err == nil {
		t.Fatal("the same email was accepted twice")
	}
	m := MustRunMain(t, Config{DBPath: path})
	resp, body := postJSON(t, m.URL()+"/api/v1/auth/login", "", map[string]string{"email": "owner@example.com", "password": "a-long-password"})
	if resp.StatusCode != 200 || body["token"] == "" {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, body)
	}
	var me struct {
		GlobalAdmin bool `json:"global_admin"`
		Account     struct{ Name string }
	}
	getJSON(t, m.URL()+"/api/v1/me", body["token"].(string), &me)
	if !me.GlobalAdmin || me.Account.Name != "Owner MSP" {
		t.Fatalf("me = %+v", me)
	}
}

func TestMigrateAndHealth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--db", path}, &out, &out); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, Config{DBPath: path})
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := client(t).Get(m.URL() + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, resp, err)
		}
		resp.Body.Close()
	}
	resp, err := client(t).Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`gatehouse_http_requests_total{code="200",route="GET /healthz"} 1`, "gatehouse_grants_compiled_total", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if err := run(context.Background(), []string{"nonsense"}, &out, &out); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}

func TestAuditVerifyNamesTheEditedRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	m := MustRunMain(t, Config{DBPath: path, Demo: true})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify", "--db", path}, &out, &out); err != nil {
		t.Fatalf("intact log failed: %v\n%s", err, out.String())
	}
	var id, seq int64
	if err := m.DB.SQL().QueryRow(`SELECT id, seq FROM audit_log WHERE action = 'user.create' ORDER BY id LIMIT 1`).Scan(&id, &seq); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB.SQL().Exec(`UPDATE audit_log SET actor_email = 'nobody@example.com' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(context.Background(), []string{"audit", "verify", "--db", path}, &out, &out)
	want := fmt.Sprintf("audit entry #%d (row id %d)", seq, id)
	if err == nil || !strings.Contains(out.String(), want) {
		t.Fatalf("verify after edit: %v\n%s\nwant it to name %q", err, out.String(), want)
	}
}
