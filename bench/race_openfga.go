package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/language/pkg/go/transformer"
	fgarun "github.com/openfga/openfga/cmd/run"
	"github.com/openfga/openfga/pkg/logger"
	"github.com/openfga/openfga/pkg/storage/migrate"
	fgapg "github.com/openfga/openfga/pkg/storage/postgres"
	"github.com/openfga/openfga/pkg/storage/sqlcommon"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gen"
)

// OpenFGA in the race: its own server (the "run" command of its binary)
// on its PostgreSQL datastore, with the check query cache and the check
// iterator cache on, answering over its HTTP API with a preshared key.

// serveOpenFGA is the "serve-openfga" command: OpenFGA's run command with
// the arguments given, in a process of its own.
func serveOpenFGA(args []string) error {
	cmd := fgarun.NewRunCommand()
	cmd.SetArgs(args)
	return cmd.Execute()
}

// openfgaArgs configures the server: PostgreSQL, both check caches, a
// preshared key, no playground, metrics or logs, batch checks of 100,
// and no cap on ListObjects (a cap would make its listing incomplete).
func openfgaArgs(uri, httpAddr, grpcAddr, key string) []string {
	return []string{
		"--datastore-engine", "postgres", "--datastore-uri", uri, "--datastore-max-open-conns", "20",
		"--http-addr", httpAddr, "--grpc-addr", grpcAddr,
		"--authn-method", "preshared", "--authn-preshared-keys", key,
		"--check-query-cache-enabled", "--check-iterator-cache-enabled",
		"--max-checks-per-batch-check", "100",
		"--listObjects-max-results", "0", "--listObjects-deadline", "60s", "--request-timeout", "61s",
		"--playground-enabled=false", "--metrics-enabled=false", "--datastore-metrics-enabled=false",
		"--log-level", "error", "--log-format", "json",
	}
}

// openfgaService is the race's client of the OpenFGA process.
type openfgaService struct {
	p       *proc
	auth    string
	store   string
	modelID string
	account string
	sql     *listSQL
}

// startOpenFGA migrates the datastore, starts the server, creates the
// store and the model through its API, and writes the tuples straight
// into the datastore in large batches (the API takes 100 a call, which
// only makes loading slower; the race does not time loading).
func startOpenFGA(ctx context.Context, bin, dsn string, ds *gen.Dataset, sql *listSQL, logf func(string, ...any)) (*openfgaService, int, error) {
	uri, err := freshSchema(ctx, dsn, "openfga_race")
	if err != nil {
		return nil, 0, err
	}
	if err := migrate.RunMigrations(migrate.MigrationConfig{Engine: "postgres", URI: uri, Timeout: time.Minute, PingTimeout: 10 * time.Second}); err != nil {
		return nil, 0, fmt.Errorf("openfga migrations: %w", err)
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	grpcAddr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	key := "race-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	p, err := start(ctx, "OpenFGA", httpAddr, nil, "/healthz", bin, append([]string{"serve-openfga"}, openfgaArgs(uri, httpAddr, grpcAddr, key)...)...)
	if err != nil {
		return nil, 0, err
	}
	s := &openfgaService{p: p, auth: "Bearer " + key, account: "account:" + strconv.FormatInt(ds.AccountID, 10), sql: sql}
	if err := s.setUp(); err != nil {
		p.stop()
		return nil, 0, err
	}
	tuples := openfgaTuples(ds, s.account, false)
	store, err := fgapg.New(uri, sqlcommon.NewConfig(sqlcommon.WithLogger(logger.NewNoopLogger()), sqlcommon.WithMaxTuplesPerWrite(5000)))
	if err != nil {
		p.stop()
		return nil, 0, err
	}
	defer store.Close()
	last := time.Now()
	const batch = 5000
	for i := 0; i < len(tuples); i += batch {
		if err := store.Write(ctx, s.store, nil, tuples[i:min(i+batch, len(tuples))]); err != nil {
			p.stop()
			return nil, 0, fmt.Errorf("openfga tuples: %w", err)
		}
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			logf("  OpenFGA tuples %d / %d", i+batch, len(tuples))
		}
	}
	return s, len(tuples), nil
}

// setUp creates the store and writes the model through the HTTP API.
func (s *openfgaService) setUp() error {
	var st struct{ ID string }
	if err := s.call("POST", "/stores", `{"name":"gatehouse-race"}`, &st); err != nil {
		return err
	}
	s.store = st.ID
	model, err := transformer.TransformDSLToJSON(openfgaModel())
	if err != nil {
		return err
	}
	var m struct {
		ID string `json:"authorization_model_id"`
	}
	if err := s.call("POST", "/stores/"+s.store+"/authorization-models", model, &m); err != nil {
		return err
	}
	s.modelID = m.ID
	return nil
}

func (s *openfgaService) call(method, path, body string, out any) error {
	req, _ := http.NewRequest(method, "http://"+s.p.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", s.auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var msg json.RawMessage
		json.NewDecoder(resp.Body).Decode(&msg)
		return fmt.Errorf("openfga %s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (s *openfgaService) name() string   { return "OpenFGA" }
func (s *openfgaService) addr() string   { return s.p.addr }
func (s *openfgaService) stop()          { s.p.stop() }
func (s *openfgaService) process() *proc { return s.p }

type fgaTupleKey struct {
	User     string `json:"user"`
	Relation string `json:"relation"`
	Object   string `json:"object"`
}

func fgaKey(q query) fgaTupleKey {
	return fgaTupleKey{User: fgaUser(q.user), Relation: relation(q.perm), Object: fgaCustomer(q.customer)}
}

// check asks Check; fresh asks for HIGHER_CONSISTENCY, which skips the
// caches so that a change just written is seen.
func (s *openfgaService) check(q query, fresh bool) []byte {
	req := map[string]any{"tuple_key": fgaKey(q), "authorization_model_id": s.modelID}
	if fresh {
		req["consistency"] = openfgav1.ConsistencyPreference_HIGHER_CONSISTENCY.String()
	}
	b, _ := json.Marshal(req)
	return httpRequest("POST", s.p.addr, "/stores/"+s.store+"/check", s.auth, b)
}

func (s *openfgaService) decided(body []byte) (bool, error) { return boolMember(body, `"allowed":`) }

func (s *openfgaService) batch(qs []query) []byte {
	type item struct {
		Key fgaTupleKey `json:"tuple_key"`
		ID  string      `json:"correlation_id"`
	}
	items := make([]item, len(qs))
	for i, q := range qs {
		items[i] = item{fgaKey(q), strconv.Itoa(i)}
	}
	b, _ := json.Marshal(map[string]any{"checks": items, "authorization_model_id": s.modelID})
	return httpRequest("POST", s.p.addr, "/stores/"+s.store+"/batch-check", s.auth, b)
}

func (s *openfgaService) batched(body []byte, n int) ([]bool, error) {
	var out struct {
		Result map[string]struct {
			Allowed bool
			Error   json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Result) != n {
		return nil, fmt.Errorf("openfga batch answered %.300s", body)
	}
	res := make([]bool, n)
	for k, v := range out.Result {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= n || len(v.Error) > 0 {
			return nil, fmt.Errorf("openfga batch item %s: %s", k, v.Error)
		}
		res[i] = v.Allowed
	}
	return res, nil
}

// list runs ListObjects(customer, permission, user), then the customers'
// rows from SQL.
func (s *openfgaService) list(ctx context.Context, w *wire, user int64, perm catalog.Perm) ([]int64, error) {
	b, _ := json.Marshal(map[string]any{"type": "customer", "relation": relation(perm), "user": fgaUser(user), "authorization_model_id": s.modelID})
	a, err := w.do(httpRequest("POST", s.p.addr, "/stores/"+s.store+"/list-objects", s.auth, b))
	if err != nil || a.status != 200 {
		return nil, fmt.Errorf("openfga list objects: %d %v %.200s", a.status, err, a.body)
	}
	var out struct{ Objects []string }
	if err := json.Unmarshal(a.body, &out); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(out.Objects))
	for _, o := range out.Objects {
		id, err := strconv.ParseInt(strings.TrimPrefix(o, "customer:"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("openfga listed %q", o)
		}
		ids = append(ids, id)
	}
	return s.sql.rows(ctx, ids)
}

func (s *openfgaService) removeMember(ctx context.Context, w *wire, user, group int64) error {
	b, _ := json.Marshal(map[string]any{"deletes": map[string]any{"tuple_keys": []fgaTupleKey{{User: fgaUser(user), Relation: "member", Object: fgaGroup(group)}}},
		"authorization_model_id": s.modelID})
	a, err := w.do(httpRequest("POST", s.p.addr, "/stores/"+s.store+"/write", s.auth, b))
	if err != nil || a.status != 200 {
		return fmt.Errorf("openfga write: %d %v %.200s", a.status, err, a.body)
	}
	return nil
}
