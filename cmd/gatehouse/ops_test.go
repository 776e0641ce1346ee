package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("gatehouse %v: %v", args, err)
		}
		for _, cmd := range []string{"serve", "admin create", "migrate", "backup", "restore", "audit verify", "demo", "openapi", "help"} {
			if !strings.Contains(out.String(), "  "+cmd+" ") {
				t.Errorf("gatehouse %v does not list %q:\n%s", args, cmd, out.String())
			}
		}
	}
	// A command's own help is no error either.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help", "backup"}, &out, &out); err != nil {
		t.Fatalf("gatehouse help backup: %v", err)
	}
	if err := run(context.Background(), []string{"bogus"}, &out, &out); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}

func TestAnEmptyDatabaseTellsTheOperatorHowToCreateTheFirstAdmin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fresh.db")
	var out, logs bytes.Buffer
	m := NewMain()
	m.Config.DBPath, m.Config.Addr, m.Stdout = path, "127.0.0.1:0", &out
	m.Log = slog.New(slog.NewTextHandler(&logs, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for name, text := range map[string]string{"output": out.String(), "log": logs.String()} {
		if !strings.Contains(text, "gatehouse admin create --email") {
			t.Errorf("the %s does not say how to create the first admin:\n%s", name, text)
		}
	}
	page := func() string {
		resp, err := client(t).Get(m.URL() + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	if !strings.Contains(page(), "gatehouse admin create --email") {
		t.Fatal("the sign-in page of an empty database does not say how to create the first admin")
	}
	if err := run(context.Background(), []string{"admin", "create", "--db", path, "--email", "owner@example.com", "--password", "a-long-password"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page(), "gatehouse admin create") {
		t.Fatal("the sign-in page still says to create an admin once there is one")
	}
}

// serveWithLimits starts the program with short limits.
func serveWithLimits(t *testing.T, c Config) *Main {
	t.Helper()
	c.DBPath = filepath.Join(t.TempDir(), "limits.db")
	return MustRunMain(t, c)
}

// closedWithin reports whether the server closes conn before the
// test's own deadline (far longer than the limit under test).
func closedWithin(conn net.Conn, deadline time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(deadline))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func TestASlowBodyIsCutAtTheReadTimeout(t *testing.T) {
	m := serveWithLimits(t, Config{ReadTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const length = 400
	io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: gatehouse\r\nContent-Type: application/json\r\n"+
		"Content-Length: 400\r\n\r\n{")
	// One byte every 50 ms would take 20 s; the server must not wait.
	cut := make(chan int, 1)
	go func() {
		sent := 1
		for ; sent < length; sent++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				break
			}
		}
		cut <- sent
	}()
	if !closedWithin(conn, 15*time.Second) {
		t.Fatal("the server held a connection sending its body one byte at a time")
	}
	conn.Close()
	if sent := <-cut; sent >= length {
		t.Fatalf("the whole slow body was read (%d bytes)", sent)
	}
}

func TestIdleKeepAliveConnectionsAreClosed(t *testing.T) {
	m := serveWithLimits(t, Config{IdleTimeout: 300 * time.Millisecond})
	var conns []net.Conn
	for range 20 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: gatehouse\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		conns = append(conns, conn)
	}
	for i, conn := range conns {
		if !closedWithin(conn, 15*time.Second) {
			t.Fatalf("idle keep-alive connection %d was never closed", i)
		}
	}
}

// healthOver asks /healthz over conn and answers the status (0: none).
func healthOver(conn net.Conn) int {
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: gatehouse\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestConnectionsFromOneAddressAreCapped(t *testing.T) {
	m := serveWithLimits(t, Config{MaxConnsPerIP: 3})
	addr := strings.TrimPrefix(m.URL(), "http://")
	get := healthOver
	for i := range 3 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if status := get(conn); status != 200 {
			t.Fatalf("connection %d: %d", i+1, status)
		}
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if status := get(conn); status != http.StatusServiceUnavailable {
		t.Fatalf("a fourth connection from one address: %d, want 503", status)
	}
}

// A trusted reverse proxy carries every client's connections: capping
// its address would cap the whole site.
func TestATrustedProxysConnectionsAreNotCapped(t *testing.T) {
	m := serveWithLimits(t, Config{MaxConnsPerIP: 2, TrustedProxies: []string{"127.0.0.1"}})
	for i := range 5 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if status := healthOver(conn); status != 200 {
			t.Fatalf("connection %d from the trusted proxy: %d, want 200", i+1, status)
		}
	}
}

func TestBackupWhileServingAndRestore(t *testing.T) {
	dir := t.TempDir()
	path, backup := filepath.Join(dir, "live.db"), filepath.Join(dir, "backup.db")
	m := MustRunMain(t, Config{DBPath: path, Demo: true})
	_, out := postJSON(t, m.URL()+"/api/v1/auth/login", "", map[string]string{"email": "admin@demo.example", "password": "demo-admin-pass"})
	token, _ := out["token"].(string)

	var msg bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--db", path, "--out", backup}, &msg, &msg); err != nil {
		t.Fatalf("backup of a running server: %v\n%s", err, msg.String())
	}
	if !strings.Contains(msg.String(), path+".vault-key") || !strings.Contains(msg.String(), "not in the database") {
		t.Errorf("the backup does not say the vault key must be kept apart:\n%s", msg.String())
	}
	if err := run(context.Background(), []string{"backup", "--db", path, "--out", backup}, &msg, &msg); err == nil {
		t.Error("a backup overwrote an existing file")
	}
	// A change after the backup, then a restore: refused while serving,
	// refused without --force, done once stopped.
	resp, _ := postJSON(t, m.URL()+"/api/v1/customers", token, map[string]string{"name": "After The Backup"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	restore := []string{"restore", "--db", path, "--from", backup}
	if err := run(context.Background(), append(restore, "--force"), &msg, &msg); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a restore under a running server: %v", err)
	}
	m.Close()
	if err := run(context.Background(), restore, &msg, &msg); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("a restore over an existing database without --force: %v", err)
	}
	if err := run(context.Background(), append(restore, "--force"), &msg, &msg); err != nil {
		t.Fatalf("restore: %v\n%s", err, msg.String())
	}
	m2 := MustRunMain(t, Config{DBPath: path})
	_, out = postJSON(t, m2.URL()+"/api/v1/auth/login", "", map[string]string{"email": "admin@demo.example", "password": "demo-admin-pass"})
	token, _ = out["token"].(string)
	var page struct{ Items []struct{ Name string } }
	if status := getJSON(t, m2.URL()+"/api/v1/customers?limit=500", token, &page); status != 200 || len(page.Items) < 5 {
		t.Fatalf("after the restore: %d, %d customers", status, len(page.Items))
	}
	for _, c := range page.Items {
		if c.Name == "After The Backup" {
			t.Fatal("the restore kept a customer created after the backup")
		}
	}
	// The secrets sealed before the backup still open with the kept key.
	var creds struct{ Items []struct{ ID string } }
	getJSON(t, m2.URL()+"/api/v1/credentials", token, &creds)
	var secret struct{ Secret string }
	if len(creds.Items) == 0 || getJSON(t, m2.URL()+"/api/v1/credentials/"+creds.Items[0].ID+"/secret", token, &secret) != 200 || secret.Secret == "" {
		t.Fatalf("a restored secret does not open: %+v", secret)
	}
}

func TestPostgresBackupPointsToItsOwnTools(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"backup", "--postgres", "postgres://x@127.0.0.1/x", "--out", "x"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v", err)
	}
}

func TestTheWebAdminAnswersAnUnwritableStoreWithA503Page(t *testing.T) {
	path := filepath.Join(t.TempDir(), "web.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"admin", "create", "--db", path, "--email", "owner@example.com", "--password", "a-long-password"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, Config{DBPath: path})
	signIn := func() (*http.Response, string) {
		resp, err := client(t).PostForm(m.URL()+"/signin", url.Values{"email": {"owner@example.com"}, "password": {"a-long-password"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	if _, err := m.DB.SQL().Exec(`PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	resp, body := signIn()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Temporarily unavailable") {
		t.Fatalf("web sign-in with the store read-only: %d Retry-After %q\n%.500s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if _, err := m.DB.SQL().Exec(`PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	if resp, _ := signIn(); resp.StatusCode != http.StatusOK {
		t.Fatalf("web sign-in once the store takes writes again: %d", resp.StatusCode)
	}
}
