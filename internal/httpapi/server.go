// Package httpapi is the JSON API under /api/v1. Every route is declared
// in one table with the permission it needs and is served through the
// authz gate; handlers receive the caller's scope for their query.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/throttle"
)

// Store is the storage the API needs.
type Store interface {
	authz.Store
	AccessStore
	AuditStore
	ModuleStore
	Ping(ctx context.Context) error
	// Ready reports whether the store answers and takes writes.
	Ready(ctx context.Context) error

	UserByEmail(ctx context.Context, email string) (gatehouse.User, error)
	CreateToken(ctx context.Context, t gatehouse.Token) (gatehouse.Token, error)
	DeleteToken(ctx context.Context, accountID, userID, tokenID int64) error
	ListTokens(ctx context.Context, accountID, userID int64) ([]gatehouse.Token, error)
	Account(ctx context.Context, id int64) (gatehouse.Account, error)

	ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error)
	Customer(ctx context.Context, accountID int64, scope access.Scope, id int64) (gatehouse.Customer, error)
	CreateCustomer(ctx context.Context, accountID int64, f gatehouse.CustomerFields) (gatehouse.Customer, error)
	UpdateCustomer(ctx context.Context, accountID int64, scope access.Scope, id int64, f gatehouse.CustomerFields) (gatehouse.Customer, error)
	DeleteCustomer(ctx context.Context, accountID int64, scope access.Scope, id int64) error
	CustomerGroupIDs(ctx context.Context, accountID int64, scope access.Scope, customerID int64) ([]int64, error)
	SetCustomerGroups(ctx context.Context, accountID int64, scope access.Scope, customerID int64, groupIDs []int64, check func(added, removed []gatehouse.SecurityGroup) error) ([]int64, error)

	ListGroups(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.SecurityGroup], error)
	Group(ctx context.Context, accountID, id int64) (gatehouse.SecurityGroup, error)
	CreateGroup(ctx context.Context, accountID int64, g gatehouse.SecurityGroup) (gatehouse.SecurityGroup, error)
	UpdateGroup(ctx context.Context, accountID, id int64, f gatehouse.GroupFields, check func(before, after gatehouse.SecurityGroup) error) (gatehouse.SecurityGroup, error)
	DeleteGroup(ctx context.Context, accountID, id int64, check func(gatehouse.SecurityGroup) error) error
	CopyGroup(ctx context.Context, accountID, id int64, name string, check func(gatehouse.SecurityGroup) error) (gatehouse.SecurityGroup, error)

	ListUsers(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error)
	User(ctx context.Context, accountID, id int64) (gatehouse.User, error)
	CreateUser(ctx context.Context, accountID int64, u gatehouse.UserCreate) (gatehouse.User, error)
	UpdateUser(ctx context.Context, accountID, id int64, upd gatehouse.UserUpdate) (gatehouse.User, error)
	DeleteUser(ctx context.Context, accountID, id int64) error
}

// Server serves the JSON API.
type Server struct {
	store    Store
	gate     *authz.Gate
	log      *slog.Logger
	now      func() time.Time
	password auth.Params
	signIns  *throttle.Limiter

	// SessionTTL is how long a sign-in token lives.
	SessionTTL time.Duration
	// WriteTimeout is the HTTP server's; a streaming export extends it
	// while it makes progress instead of being cut mid-file.
	WriteTimeout time.Duration

	// Vault seals credential secrets; without one, secrets can be
	// neither stored nor revealed.
	Vault Sealer
	// Metrics, when set, serves GET /metrics.
	Metrics http.Handler
	// MailQueued, when set, is told that the outbox has new mail.
	MailQueued func()
}

// New returns an API server.
func New(store Store, gate *authz.Gate, log *slog.Logger, password auth.Params) *Server {
	return &Server{store: store, gate: gate, log: log, now: time.Now, password: password, SessionTTL: 12 * time.Hour,
		signIns: throttle.New(10, 15*time.Minute)}
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
			if caller, err = s.gate.Authenticate(r.Context(), bearer(r)); err != nil {
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
		r = r.WithContext(audit.WithActor(r.Context(), RequestActor(r, caller)))
		if err := rt.handle(w, r, caller); err != nil {
			s.fail(w, r, err)
		}
	})
}

// clientIP is the peer's address. Forwarded headers are not trusted:
// anyone can send them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
