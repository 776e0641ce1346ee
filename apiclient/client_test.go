package apiclient

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/httpapi/contract"
	"gatehouse/internal/sqldb/sqlite"
	"gatehouse/internal/usecase"
)

var fastHash = auth.Params{Memory: 64, Time: 1, Threads: 1}

// serve starts the API over a fresh SQLite database with one admin.
func serve(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "client.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hash, _ := auth.HashPassword("a-long-password", fastHash)
	if _, _, err := db.CreateAdmin(ctx, "Client MSP", gatehouse.UserCreate{Email: "owner@example.com", Name: "Owner",
		PasswordHash: hash, GroupIDs: []int64{}}); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(db, usecase.New(db, usecase.Config{Password: fastHash, HashSlots: 2}), authz.NewGate(db, nil), slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTheGeneratedClientSignsInListsAndCreates(t *testing.T) {
	ctx := context.Background()
	base := serve(t)
	// Its exchanges are held to the document too.
	doc, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	checker, err := contract.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	validated := WithHTTPClient(checker.Client(t))
	anon, err := NewClientWithResponses(base, validated)
	if err != nil {
		t.Fatal(err)
	}
	login, err := anon.PostAuthLoginWithResponse(ctx, PostAuthLoginJSONRequestBody{Email: "owner@example.com", Password: "a-long-password"})
	// An account requiring no second factor answers a token at once
	// (otherwise mfa_required and a challenge for POST /auth/mfa).
	if err != nil || login.JSON200 == nil || login.JSON200.Token == nil {
		t.Fatalf("sign in: %v %s", err, login.Body)
	}
	bearer := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+*login.JSON200.Token)
		return nil
	}
	c, err := NewClientWithResponses(base, validated, WithRequestEditorFn(bearer))
	if err != nil {
		t.Fatal(err)
	}

	name, city := "Acme Dental", "Springfield"
	created, err := c.PostCustomersWithResponse(ctx, PostCustomersJSONRequestBody{Name: name, City: &city, Tags: &[]string{"dental"}})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %d %s", err, created.StatusCode(), created.Body)
	}
	if created.JSON201.Name != name || created.JSON201.City != city || created.JSON201.Id == "" {
		t.Fatalf("created %+v", created.JSON201)
	}

	limit := 10
	list, err := c.GetCustomersWithResponse(ctx, &GetCustomersParams{Limit: &limit})
	if err != nil || list.JSON200 == nil {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	if len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Id != created.JSON201.Id || list.JSON200.NextCursor != nil {
		t.Fatalf("list %+v", list.JSON200)
	}

	// A problem comes back typed too.
	bad, err := c.PostCustomersWithResponse(ctx, PostCustomersJSONRequestBody{Name: " "})
	if err != nil || bad.ApplicationproblemJSON400 == nil || bad.ApplicationproblemJSON400.Field == nil || *bad.ApplicationproblemJSON400.Field != "name" {
		t.Fatalf("an invalid create: %v %s", err, bad.Body)
	}
	t.Log(checker.Summary())
}
