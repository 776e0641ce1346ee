package httpapi_test

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/usecase"
)

// slowLists is a store whose customer lists take a while, as on a busy
// database.
type slowLists struct {
	*sqldb.DB
	delay time.Duration
}

func (s slowLists) ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error) {
	time.Sleep(s.delay)
	return s.DB.ListCustomers(ctx, accountID, scope, f)
}

func TestTheWriteTimeoutCutsAResponseButNotAnExportThatMakesProgress(t *testing.T) {
	db := dbtest.OpenSQLite(t)
	const limit = 300 * time.Millisecond
	store := slowLists{db, 2 * limit}
	gate := authz.NewGate(store, nil)
	api := httpapi.New(store, usecase.New(db, usecase.Config{Password: fastHash, HashSlots: 4}), gate, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.WriteTimeout = limit
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.WriteTimeout = limit
	srv.Start()
	t.Cleanup(srv.Close)

	w := &world{t: t, db: db, srv: srv}
	w.acct = w.account("Slow MSP")
	w.admin = w.login(w.newUser(w.acct.ID, "admin@slow.example", true))
	for _, name := range []string{"Acme", "Bolt", "Cedar"} {
		w.customer(w.acct.ID, name)
	}

	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+w.admin)
		return w.httpClient().Do(req)
	}
	if resp, err := get("/api/v1/customers"); err == nil {
		resp.Body.Close()
		t.Fatalf("a JSON list written after the write timeout reached the client: %d", resp.StatusCode)
	}
	resp, err := get("/api/v1/customers?format=csv")
	if err != nil {
		t.Fatalf("the export was cut: %v", err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
}
