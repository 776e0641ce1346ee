// Package httpapi is the JSON API under /api/v1. Every route is declared
// in one table with the permission it needs and is served through the
// authz gate; handlers receive the caller's scope for their query.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// Store is what the API reads directly: lists and single records. Every
// security-relevant change goes through the use cases instead.
type Store interface {
	ModuleStore
	Ping(ctx context.Context) error
	// Ready reports whether the store answers and takes writes.
	Ready(ctx context.Context) error
	Account(ctx context.Context, id int64) (gatehouse.Account, error)

	ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error)
	Customer(ctx context.Context, accountID int64, scope access.Scope, id int64) (gatehouse.Customer, error)
	CustomerGroupIDs(ctx context.Context, accountID int64, scope access.Scope, customerID int64) ([]int64, error)
	ListGroups(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.SecurityGroup], error)
	Group(ctx context.Context, accountID, id int64) (gatehouse.SecurityGroup, error)
	ListUsers(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error)
	User(ctx context.Context, accountID, id int64) (gatehouse.User, error)
}

// Server serves the JSON API.
type Server struct {
	store Store
	uc    *usecase.Service
	gate  *authz.Gate
	log   *slog.Logger
	now   func() time.Time

	// WriteTimeout is the HTTP server's; a streaming export extends it
	// while it makes progress instead of being cut mid-file.
	WriteTimeout time.Duration
	// Metrics, when set, serves GET /metrics.
	Metrics http.Handler
}

// New returns an API server over the store's reads and the use cases.
func New(store Store, uc *usecase.Service, gate *authz.Gate, log *slog.Logger) *Server {
	return &Server{store: store, uc: uc, gate: gate, log: log, now: time.Now}
}

// handlerFunc is a route's handler: it returns an error for the boundary
// to turn into a problem response.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *authz.Caller) error

// Mount registers every route of the table on mux. A path asked with a
// method it does not take answers 405 as a problem too.
func (s *Server) Mount(mux *http.ServeMux) {
	allow := map[string][]string{}
	var paths []string
	for _, rt := range s.routes() {
		mux.Handle(rt.Pattern, s.enforce(rt))
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if allow[path] == nil {
			paths = append(paths, path)
		}
		allow[path] = append(allow[path], method)
	}
	for _, path := range paths {
		methods := strings.Join(allow[path], ", ")
		mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", methods)
			s.fail(w, r, gatehouse.Errorf(gatehouse.EMethod, "this endpoint takes %s", methods))
		}))
	}
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, gatehouse.Errorf(gatehouse.ENotFound, "no such endpoint"))
	}))
}

// enforce is the one path from a request to a handler: authenticate,
// authorize against the route's declared requirement, then handle.
func (s *Server) enforce(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var caller *authz.Caller
		if rt.Need.Permission != authz.Public {
			var err error
			if caller, err = s.gate.Authenticate(r.Context(), bearer(r), s.gate.Addrs.Addr(r)); err != nil {
				s.fail(w, r, err)
				return
			}
			if err := s.authorize(caller, rt); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := rt.Doc.admit(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
		// Storage attributes its audit entries to the actor in the context.
		r = r.WithContext(audit.WithActor(r.Context(), s.gate.Actor(r, caller)))
		if err := rt.handle(w, r, caller); err != nil {
			s.fail(w, r, err)
		}
	})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
