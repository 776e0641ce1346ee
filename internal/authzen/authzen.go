// Package authzen is Gatehouse's decision API for the MSP's other tools:
// OpenID AuthZEN Authorization API 1.0 — evaluation, evaluations, subject,
// resource and action search, the metadata document — and a change feed
// telling a tool when an account's access moved. It has its own route
// table, served through the same authz gate as the JSON API and the web
// admin; every answer comes from the same decision engine (access) and
// reach rules (records) those surfaces enforce, and resource search from
// the store's scoped list queries.
//
// The caller is an API client of an account (authz.Clients) and asks
// about that account only. Subjects are users; resources are customers,
// users and module records, named by Gatehouse id or — for a client set
// up so — by the external ids the tool set on them.
package authzen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/versions"
)

// Store is what the decision API reads. Every read names the client's
// account.
type Store interface {
	UserRef(ctx context.Context, accountID, id int64, name string) (gatehouse.Ref, error)
	CustomerRef(ctx context.Context, accountID, id int64, name string) (gatehouse.Ref, error)
	Record(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, error)
	RecordByExternalID(ctx context.Context, accountID int64, m *records.Module, ext string) (records.Record, error)
	AccountSubjects(ctx context.Context, accountID int64) ([]gatehouse.AccountSubject, error)
	ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error)
	ListUsers(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error)
	ListRecords(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Record], error)
}

// Server serves the decision API.
type Server struct {
	store    Store
	gate     *authz.Gate
	clients  *authz.Clients
	versions *versions.Watcher
	log      *slog.Logger
	now      func() time.Time

	// PublicURL is the base URL tools reach this server at, named in the
	// metadata document; empty: taken from each request.
	PublicURL string

	dir     directory
	limits  limiter
	streams streams
}

// New returns the decision API over the store, authenticating API clients
// with clients and authorizing through gate.
func New(store Store, gate *authz.Gate, clients *authz.Clients, vs *versions.Watcher, log *slog.Logger) *Server {
	s := &Server{store: store, gate: gate, clients: clients, versions: vs, log: log, now: time.Now}
	s.dir.init()
	s.limits.init()
	s.streams.init()
	return s
}

// Route is one entry of the decision API's route table.
type Route struct {
	Pattern string
	Need    authz.Requirement
	handle  handlerFunc
}

// handlerFunc is a route's handler; errors go to the one boundary, fail.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a *asker) error

func need(perm string) authz.Requirement { return authz.Requirement{Permission: perm} }

// Routes returns the route table; tests walk it.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET /.well-known/authzen-configuration", need(authz.Public), s.metadata},
		{"POST /access/v1/evaluation", need("decisions.ask"), s.evaluation},
		{"POST /access/v1/evaluations", need("decisions.ask"), s.evaluations},
		{"POST /access/v1/search/subject", need("decisions.ask"), s.searchSubject},
		{"POST /access/v1/search/resource", need("decisions.ask"), s.searchResource},
		{"POST /access/v1/search/action", need("decisions.ask"), s.searchAction},
		{"GET /access/v1/changes", need("decisions.ask"), s.changes},
	}
}

// Mount registers every route of the table on mux; a path asked with a
// method it does not take answers 405.
func (s *Server) Mount(mux *http.ServeMux) {
	allow := map[string][]string{}
	for _, rt := range s.Routes() {
		mux.Handle(rt.Pattern, s.enforce(rt))
		method, path, _ := strings.Cut(rt.Pattern, " ")
		allow[path] = append(allow[path], method)
	}
	for path, methods := range allow {
		list := strings.Join(methods, ", ")
		mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requestID(w, r)
			w.Header().Set("Allow", list)
			s.fail(w, r, gatehouse.Errorf(gatehouse.EMethod, "this endpoint takes %s", list))
		}))
	}
	mux.Handle("/access/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID(w, r)
		s.fail(w, r, gatehouse.Errorf(gatehouse.ENotFound, "no such endpoint"))
	}))
}

// enforce is the one path from a request to a handler: the request id
// echoed, the API client authenticated and rate limited, the route's
// declared requirement authorized by the gate, then the handler.
func (s *Server) enforce(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID(w, r)
		a := &asker{s: s, ctx: r.Context(), start: time.Now()}
		if rt.Need.Permission != authz.Public {
			c, client, err := s.clients.Authenticate(r.Context(), bearer(r))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if err := s.limits.allow(client); err != nil {
				s.fail(w, r, err)
				return
			}
			if err := s.gate.Authorize(c, rt.Need); err != nil {
				s.fail(w, r, err)
				return
			}
			a.caller, a.client = c, client
		}
		if err := rt.handle(w, r, a); err != nil {
			s.fail(w, r, err)
		}
	})
}

// bearer reads the client's secret: "Authorization: Bearer <secret>", or
// the secret alone, as some AuthZEN tools send an API key.
func bearer(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return h
}

// requestID echoes the request's X-Request-ID, or names the answer with a
// new one: this process's random prefix and a counter.
func requestID(w http.ResponseWriter, r *http.Request) {
	id := r.Header["X-Request-Id"]
	if len(id) == 0 || id[0] == "" || len(id[0]) > 200 {
		id = []string{string(strconv.AppendUint([]byte(idPrefix), requests.Add(1), 36))}
	}
	w.Header()["X-Request-Id"] = id[:1]
}

var (
	idPrefix = func() string {
		b := make([]byte, 8)
		rand.Read(b)
		return hex.EncodeToString(b) + "-"
	}()
	requests atomic.Uint64
)

// Shutdown ends every open change feed: called as the HTTP server shuts
// down, so long-lived streams do not hold it up.
func (s *Server) Shutdown() { s.streams.close() }

// streams bounds and ends the change feeds.
type streams struct {
	mu       sync.Mutex
	open     map[int64]int // by client
	total    int
	done     chan struct{}
	isClosed bool
}

func (st *streams) init() { st.open = map[int64]int{}; st.done = make(chan struct{}) }

func (st *streams) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.isClosed {
		st.isClosed = true
		close(st.done)
	}
}
