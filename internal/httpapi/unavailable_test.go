package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/sqldb/sqlite"
)

// wantUnavailable asserts a 503 problem saying the store is unavailable,
// with Retry-After.
func (w *world) wantUnavailable(token, method, path string, body any) {
	w.t.Helper()
	status, raw, h := w.do(token, method, path, body)
	if status != 503 || h.Get("Retry-After") == "" || !strings.Contains(string(raw), `"code":"unavailable"`) ||
		!strings.Contains(string(raw), "urn:gatehouse:problem:unavailable") {
		w.t.Fatalf("%s %s with the store down: %d Retry-After %q %s", method, path, status, h.Get("Retry-After"), raw)
	}
}

// eventually retries fn until it holds, for a bounded time: recovery
// after a fault takes a reconnect, not a restart.
func eventually(t *testing.T, what string, fn func() bool) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if fn() {
			return
		}
	}
	t.Fatalf("%s did not happen", what)
}

// proxy forwards TCP to PostgreSQL until cut: then every connection
// drops and new ones are refused, as when the server stops.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() { p.listen(p.addr) }

func TestAStoppedPostgreSQLAnswers503AndRecoversWithoutARestart(t *testing.T) {
	dsn, _ := dbtest.PostgresSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, u.Host)
	u.Host = px.addr
	db, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.ReadyWindow = 200 * time.Millisecond
	w := newWorld(t, db)
	w.want(200, "", "GET", "/readyz", nil, nil)

	px.cut()
	w.wantUnavailable(w.admin, "GET", "/api/v1/customers", nil)
	w.wantUnavailable(w.admin, "POST", "/api/v1/customers", map[string]string{"name": "Lost"})
	w.wantUnavailable("", "POST", "/api/v1/auth/login", map[string]string{"email": "admin@test.example", "password": testPassword})
	if status, _, h := w.do("", "GET", "/readyz", nil); status != 503 || h.Get("Retry-After") == "" {
		t.Fatalf("readyz with PostgreSQL stopped: %d", status)
	}

	px.restore()
	eventually(t, "listing customers again", func() bool {
		status, _, _ := w.do(w.admin, "GET", "/api/v1/customers", nil)
		return status == 200
	})
	w.want(201, w.admin, "POST", "/api/v1/customers", map[string]string{"name": "Back"}, nil)
	eventually(t, "ready again", func() bool {
		status, _, _ := w.do("", "GET", "/readyz", nil)
		return status == 200
	})
}

// openSQLite opens a store whose writes wait at most 200 ms for a lock.
func openSQLite(t *testing.T) (*sqldb.DB, string) {
	path := filepath.Join(t.TempDir(), "faults.db")
	db, err := sqlite.OpenOptions(context.Background(), path, sqlite.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.ReadyWindow = 200 * time.Millisecond
	return db, path
}

func TestASQLiteStoreThatRefusesWritesAnswers503AndRecovers(t *testing.T) {
	faults := []struct {
		name  string
		start func(t *testing.T, db *sqldb.DB, path string) func()
		// fits: a small write (a session row) may still fit a full disk
		fits bool
	}{
		{name: "read-only", start: func(t *testing.T, db *sqldb.DB, _ string) func() {
			mustExec(t, db.SQL(), `PRAGMA query_only = 1`)
			return func() { mustExec(t, db.SQL(), `PRAGMA query_only = 0`) }
		}},
		{name: "disk full", start: func(t *testing.T, db *sqldb.DB, _ string) func() {
			var pages int
			db.SQL().QueryRow(`PRAGMA page_count`).Scan(&pages)
			mustExec(t, db.SQL(), fmt.Sprintf(`PRAGMA max_page_count = %d`, pages))
			return func() { mustExec(t, db.SQL(), `PRAGMA max_page_count = 1073741823`) }
		}, fits: true},
		{name: "locked by another process", start: func(t *testing.T, _ *sqldb.DB, path string) func() {
			other, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := other.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(`UPDATE ready_probe SET checked_at = 1`); err != nil {
				t.Fatal(err)
			}
			return func() { tx.Rollback(); other.Close() }
		}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			db, path := openSQLite(t)
			w := newWorld(t, db)
			w.want(200, "", "GET", "/readyz", nil, nil)

			clear := f.start(t, db, path)
			// A large write needs new pages, which a full disk refuses.
			big := map[string]string{"name": "Refused", "notes": strings.Repeat("n", 9000)}
			w.wantUnavailable(w.admin, "POST", "/api/v1/customers", big)
			if !f.fits {
				w.wantUnavailable("", "POST", "/api/v1/auth/login", map[string]string{"email": "admin@test.example", "password": testPassword})
			}
			// Reads go on: the API degrades to read-only, not down.
			w.want(200, w.admin, "GET", "/api/v1/customers", nil, nil)
			// Not ready, even when the probe's small write fits.
			if status, _, _ := w.do("", "GET", "/readyz", nil); status != 503 {
				t.Fatalf("readyz while the store refuses writes: %d", status)
			}

			clear()
			w.want(201, w.admin, "POST", "/api/v1/customers", big, nil)
			w.login("admin@test.example")
			eventually(t, "ready again", func() bool {
				status, _, _ := w.do("", "GET", "/readyz", nil)
				return status == 200
			})
			var page struct{ Items []struct{ Name string } }
			w.want(200, w.admin, "GET", "/api/v1/customers", nil, &page)
			if len(page.Items) != 1 || page.Items[0].Name != "Refused" {
				t.Fatalf("customers after recovery: %+v (the refused write must not have landed)", page.Items)
			}
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
