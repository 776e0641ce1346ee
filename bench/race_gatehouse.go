package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"gatehouse/internal/auth"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/sqldb/sqlite"
)

// Gatehouse in the race: the product's own binary, "gatehouse serve", on
// PostgreSQL (or SQLite), answering AuthZEN evaluations at
// /access/v1/evaluation for an API client of the account.

type gatehouseService struct {
	p      *proc
	auth   string
	ds     *gen.Dataset
	slug   string
	admin  string // the global admin's API session, for security changes
	schema string
}

// raceSchema is the PostgreSQL schema the race loads Gatehouse into.
const raceSchema = "gatehouse_race"

// raceAdminPassword signs the generated global admin in, to make the
// security change through the JSON API.
const raceAdminPassword = "race-admin-password"

// buildGatehouse compiles the gatehouse binary from the repository.
func buildGatehouse(dir string) (string, error) {
	bin := filepath.Join(dir, "gatehouse")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build gatehouse: %v: %s", err, out)
	}
	return bin, nil
}

// openGatehouseStore makes a fresh store: a schema of its own in the
// PostgreSQL database at dsn, or a SQLite file in dir.
func openGatehouseStore(ctx context.Context, dir, dsn string) (*sqldb.DB, string, error) {
	if dsn == "" {
		path := filepath.Join(dir, "gatehouse.db")
		os.Remove(path)
		db, err := sqlite.Open(ctx, path)
		return db, path, err
	}
	uri, err := freshSchema(ctx, dsn, raceSchema)
	if err != nil {
		return nil, "", err
	}
	db, err := postgres.Open(ctx, uri)
	return db, uri, err
}

// freshSchema drops and makes schema in the database at dsn, and returns
// a DSN that uses it.
func freshSchema(ctx context.Context, dsn, schema string) (string, error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema); err != nil {
		return "", fmt.Errorf("schema %s: %w", schema, err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// startGatehouse loads the dataset, makes the API client and starts the
// server. ds's ids become the store's.
func startGatehouse(ctx context.Context, bin, dir, dsn string, ds *gen.Dataset) (*gatehouseService, *sqldb.DB, error) {
	db, where, err := openGatehouseStore(ctx, dir, dsn)
	if err != nil {
		return nil, nil, err
	}
	hash, err := auth.HashPassword(raceAdminPassword, auth.DefaultParams)
	if err != nil {
		return nil, nil, err
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{PasswordHash: hash}); err != nil {
		db.Close()
		return nil, nil, err
	}
	acct, err := db.Account(ctx, ds.AccountID)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	secret, chash, err := auth.NewClientSecret()
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.CreateAPIClient(ctx, gatehouse.APIClient{AccountID: ds.AccountID, Name: "race", IDs: gatehouse.IDsGatehouse,
		RateLimit: 100_000, Permissions: []string{"decisions.ask"}, Hash: chash, ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		db.Close()
		return nil, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	args := []string{"serve", "--addr", addr, "--max-conns-per-ip", "-1"}
	if dsn != "" {
		args = append(args, "--postgres", where)
	} else {
		args = append(args, "--db", where)
	}
	p, err := start(ctx, "Gatehouse", addr, []string{"GATEHOUSE_VAULT_KEY="}, "/readyz", bin, args...)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return &gatehouseService{p: p, auth: "Bearer " + secret, ds: ds, slug: acct.Slug}, db, nil
}

func (s *gatehouseService) name() string   { return "Gatehouse" }
func (s *gatehouseService) addr() string   { return s.p.addr }
func (s *gatehouseService) stop()          { s.p.stop() }
func (s *gatehouseService) process() *proc { return s.p }

func evaluationBody(q query) map[string]any {
	return map[string]any{
		"subject":  map[string]string{"type": "user", "id": strconv.FormatInt(q.user, 10)},
		"action":   map[string]string{"name": q.perm.Key()},
		"resource": map[string]string{"type": "customer", "id": strconv.FormatInt(q.customer, 10)},
	}
}

// check asks /access/v1/evaluation. Gatehouse answers from the newest
// security version its instance knows, and a change made on it moves
// that version before the change returns: fresh needs nothing more.
func (s *gatehouseService) check(q query, _ bool) []byte {
	b, _ := json.Marshal(evaluationBody(q))
	return httpRequest("POST", s.p.addr, "/access/v1/evaluation", s.auth, b)
}

func (s *gatehouseService) decided(body []byte) (bool, error) { return boolMember(body, `"decision":`) }

func (s *gatehouseService) batch(qs []query) []byte {
	items := make([]map[string]any, len(qs))
	for i, q := range qs {
		items[i] = evaluationBody(q)
	}
	b, _ := json.Marshal(map[string]any{"evaluations": items})
	return httpRequest("POST", s.p.addr, "/access/v1/evaluations", s.auth, b)
}

func (s *gatehouseService) batched(body []byte, n int) ([]bool, error) {
	var out struct{ Evaluations []struct{ Decision bool } }
	if err := json.Unmarshal(body, &out); err != nil || len(out.Evaluations) != n {
		return nil, fmt.Errorf("gatehouse batch answered %.300s", body)
	}
	res := make([]bool, n)
	for i, e := range out.Evaluations {
		res[i] = e.Decision
	}
	return res, nil
}

// list pages through the resource search: the customers' list query
// with the user's scope for the permission as its filter.
func (s *gatehouseService) list(_ context.Context, w *wire, user int64, perm catalog.Perm) ([]int64, error) {
	var ids []int64
	token := ""
	for {
		page := map[string]any{"limit": 1000}
		if token != "" {
			page["token"] = token
		}
		b, _ := json.Marshal(map[string]any{"subject": map[string]string{"type": "user", "id": strconv.FormatInt(user, 10)},
			"action": map[string]string{"name": perm.Key()}, "resource": map[string]string{"type": "customer"}, "page": page})
		a, err := w.do(httpRequest("POST", s.p.addr, "/access/v1/search/resource", s.auth, b))
		if err != nil || a.status != 200 {
			return nil, fmt.Errorf("gatehouse search: %d %v %.200s", a.status, err, a.body)
		}
		var out struct {
			Results []struct{ ID string }
			Page    struct {
				NextToken string `json:"next_token"`
			}
		}
		if err := json.Unmarshal(a.body, &out); err != nil {
			return nil, err
		}
		for _, r := range out.Results {
			id, _ := strconv.ParseInt(r.ID, 10, 64)
			ids = append(ids, id)
		}
		if token = out.Page.NextToken; token == "" {
			return ids, nil
		}
	}
}

// removeMember changes the user's groups through the JSON API, as an
// admin would.
func (s *gatehouseService) removeMember(ctx context.Context, w *wire, user, group int64) error {
	if s.admin == "" {
		b, _ := json.Marshal(map[string]string{"account": s.slug, "email": s.ds.Users[0].Email, "password": raceAdminPassword})
		a, err := w.do(httpRequest("POST", s.p.addr, "/api/v1/auth/login", "", b))
		if err != nil || a.status != 200 {
			return fmt.Errorf("gatehouse sign-in: %d %v %.200s", a.status, err, a.body)
		}
		var out struct{ Token string }
		json.Unmarshal(a.body, &out)
		s.admin = out.Token
	}
	var keep []string
	for _, u := range s.ds.Users {
		if u.ID != user {
			continue
		}
		for _, g := range u.Groups {
			if id := s.ds.Groups[g].ID; id != group {
				keep = append(keep, strconv.FormatInt(id, 10))
			}
		}
	}
	if keep == nil {
		keep = []string{}
	}
	b, _ := json.Marshal(map[string]any{"security_group_ids": keep})
	a, err := w.do(httpRequest("PATCH", s.p.addr, "/api/v1/users/"+strconv.FormatInt(user, 10), "Bearer "+s.admin, b))
	if err != nil || a.status != 200 {
		return fmt.Errorf("gatehouse change: %d %v %.200s", a.status, err, a.body)
	}
	return nil
}

// serverTime reads Gatehouse's Server-Timing header ("app;dur=0.412").
func serverTime(h string) (time.Duration, bool) {
	_, v, ok := strings.Cut(h, "dur=")
	if !ok {
		return 0, false
	}
	ms, err := strconv.ParseFloat(string(bytes.TrimSpace([]byte(v))), 64)
	return time.Duration(ms * float64(time.Millisecond)), err == nil
}
