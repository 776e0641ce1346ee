// Package authz is the one enforcement path every surface goes through:
// it authenticates a bearer token, keeps each user's compiled grants
// current with the account's security version, and answers whether a
// route's declared requirement is met and with which customer scope.
package authz

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/catalog"
	"gatehouse/internal/clientip"
	"gatehouse/internal/gatehouse"
)

// Store is what the gate reads, and the one thing it writes: when a
// token was last used.
type Store interface {
	Principal(ctx context.Context, tokenHash []byte) (gatehouse.Principal, error)
	Subject(ctx context.Context, accountID, userID int64) (access.Subject, int64, error)
	TouchToken(ctx context.Context, tokenID int64, at time.Time, addr string) error
}

// Requirement is what a route declares it needs.
type Requirement struct {
	// Permission is a catalog key, or Public / SignedIn.
	Permission string
	// AllCustomers routes act on records that no select-customers grant
	// can reach (creating customers, account-level records).
	AllCustomers bool
	// StepUp asks for a recent second factor even though the permission
	// is not sensitive (removing one's own factors); a sensitive
	// permission always asks for one.
	StepUp bool
	// Enrolment opens the route to a user who must enrol a second factor
	// before anything else: enrolling, signing out, seeing who they are.
	Enrolment bool
}

// NeedsStepUp reports whether the route asks for a recent second factor.
func (r Requirement) NeedsStepUp() bool { return r.StepUp || catalog.Sensitive(r.Permission) }

// Markers for routes that need no permission from the catalog.
const (
	Public   = "public"    // no credentials at all (sign-in, health)
	SignedIn = "signed_in" // any active user, acting on themselves
)

// Valid reports whether the requirement names something real.
func (r Requirement) Valid() bool {
	if r.Permission == Public || r.Permission == SignedIn {
		return !r.AllCustomers
	}
	_, ok := catalog.Lookup(r.Permission)
	return ok
}

// Caller is an authenticated request's identity and grants.
type Caller struct {
	gatehouse.Principal
	Grants *access.Grants
	// Scope is the customers the route's permission reaches, for the
	// route's query filter.
	Scope access.Scope
}

// Gate authenticates and authorizes.
type Gate struct {
	store Store
	now   func() time.Time
	// Addrs tells a request's client address; nil trusts no proxy.
	Addrs *clientip.Resolver

	mu    sync.RWMutex
	cache map[int64]cached // by user id

	hits, compiles atomic.Uint64
}

// Stats counts how often grants came from the cache and how often they
// were compiled, for the metrics endpoint.
type Stats struct {
	CacheHits, Compiles uint64
}

// Stats returns the counters since start-up.
func (g *Gate) Stats() Stats {
	return Stats{CacheHits: g.hits.Load(), Compiles: g.compiles.Load()}
}

type cached struct {
	version    int64
	grants     *access.Grants
	validUntil time.Time
}

// maxCached bounds memory; past it the cache starts over.
const maxCached = 100_000

// NewGate returns a gate over the store.
func NewGate(store Store, now func() time.Time) *Gate {
	if now == nil {
		now = time.Now
	}
	return &Gate{store: store, now: now, cache: make(map[int64]cached)}
}

// Authenticate resolves a bearer token, presented from the client
// address addr, to a caller with current grants.
func (g *Gate) Authenticate(ctx context.Context, token, addr string) (*Caller, error) {
	if token == "" {
		return nil, gatehouse.Errorf(gatehouse.EUnauthorized, "sign in first: send Authorization: Bearer <token>")
	}
	p, err := g.store.Principal(ctx, auth.HashToken(token))
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.EUnauthorized {
			return nil, gatehouse.Errorf(gatehouse.EUnauthorized, "the token is invalid or has expired")
		}
		return nil, err
	}
	if err := g.sessionAlive(p); err != nil {
		return nil, err
	}
	grants, err := g.Grants(ctx, p.AccountID, p.UserID, p.SecurityVersion)
	if err != nil {
		return nil, err
	}
	if p.TokenPermissions != nil {
		// A limited token holds its permissions only as far as its owner
		// still does: re-derived from current grants on every request.
		keep := make([]catalog.Perm, 0, len(p.TokenPermissions))
		for _, k := range p.TokenPermissions {
			if perm, ok := catalog.Lookup(k); ok {
				keep = append(keep, perm)
			}
		}
		grants = grants.Restrict(keep)
	}
	if now := g.now(); now.Sub(p.TokenLastUsed) >= touchEvery || addr != p.TokenLastIP {
		// Best effort: a store refusing writes still serves reads, and a
		// last-use time a minute stale harms no one. A new address is
		// recorded at once: it is what a user looks for.
		_ = g.store.TouchToken(ctx, p.TokenID, now, addr)
	}
	return &Caller{Principal: p, Grants: grants}, nil
}

// sessionAlive ends a sign-in session idle or older than the account
// allows, as the settings stand now (not as they stood at sign-in).
func (g *Gate) sessionAlive(p gatehouse.Principal) error {
	if p.TokenKind != gatehouse.TokenSession {
		return nil
	}
	now := g.now()
	last := p.TokenCreated
	if p.TokenLastUsed.After(last) {
		last = p.TokenLastUsed
	}
	if (p.SessionMax > 0 && now.Sub(p.TokenCreated) >= p.SessionMax) || (p.SessionIdle > 0 && now.Sub(last) >= p.SessionIdle+touchEvery) {
		return gatehouse.Errorf(gatehouse.EUnauthorized, "the session has ended; sign in again")
	}
	return nil
}

// touchEvery bounds how often a token's last use is written: once a
// minute is precise enough to show, and spares a write per request.
const touchEvery = time.Minute

// Actor is who a request acts as, for the audit entries storage writes:
// the caller (nil before sign-in) from the client's address.
func (g *Gate) Actor(r *http.Request, c *Caller) audit.Actor {
	a := audit.Actor{IP: g.Addrs.Addr(r)}
	if c != nil {
		a.UserID, a.Email = c.UserID, c.Email
	}
	return a
}

// Grants returns the user's compiled grants, compiling again when the
// account's security version moved past the cached one or a membership
// expired since.
func (g *Gate) Grants(ctx context.Context, accountID, userID, version int64) (*access.Grants, error) {
	now := g.now()
	g.mu.RLock()
	c, ok := g.cache[userID]
	g.mu.RUnlock()
	if ok && c.version >= version && (c.validUntil.IsZero() || now.Before(c.validUntil)) {
		g.hits.Add(1)
		return c.grants, nil
	}
	g.compiles.Add(1)
	subject, loaded, err := g.store.Subject(ctx, accountID, userID)
	if err != nil {
		return nil, err
	}
	grants := access.Compile(subject, now)
	g.mu.Lock()
	if len(g.cache) >= maxCached {
		g.cache = make(map[int64]cached)
	}
	if cur, ok := g.cache[userID]; !ok || cur.version <= loaded {
		g.cache[userID] = cached{version: loaded, grants: grants, validUntil: grants.ValidUntil()}
	}
	g.mu.Unlock()
	return grants, nil
}

// Authorize checks a signed-in caller against a route's requirement and
// sets the caller's scope for it. Lacking the permission on every
// customer is forbidden; per-record scope is the query's job (404). A
// user who must enrol a second factor reaches only enrolment routes; a
// sensitive permission (or a route asking for it) needs a second factor
// presented within the account's step-up window.
func (g *Gate) Authorize(c *Caller, req Requirement) error {
	if c.MustEnrol() && !req.Enrolment && req.Permission != Public {
		return gatehouse.Errorf(gatehouse.EEnrol, "your account requires a second factor: enrol an authenticator app or a passkey first")
	}
	if err := g.authorize(c, req); err != nil {
		return err
	}
	return g.checkStepUp(c, req)
}

// checkStepUp asks a sign-in session whose user has a second factor to
// present it again when the last time is older than the window. A user
// with no factor, in an account that requires none, is not blocked (the
// audit log marks what they reveal or run); personal API tokens are
// exempt, since making one is itself a sensitive step.
func (g *Gate) checkStepUp(c *Caller, req Requirement) error {
	if !req.NeedsStepUp() || c.TokenKind != gatehouse.TokenSession || !c.HasFactor || c.SteppedUp(g.now()) {
		return nil
	}
	return gatehouse.Errorf(gatehouse.EStepUp, "confirm it is you: present your second factor again (POST /api/v1/auth/step-up); "+
		"this action needs one from the last %d minutes", int(c.StepUp.Minutes()))
}

func (g *Gate) authorize(c *Caller, req Requirement) error {
	if req.Permission == SignedIn || req.Permission == Public {
		c.Scope = access.Scope{}
		return nil
	}
	p, ok := catalog.Lookup(req.Permission)
	if !ok {
		return gatehouse.Errorf(gatehouse.EInternal, "route requires unknown permission %q", req.Permission)
	}
	if !c.Grants.Holds(p) {
		return gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", req.Permission)
	}
	if req.AllCustomers && !c.Grants.HoldsAll(p) {
		return gatehouse.Errorf(gatehouse.EForbidden, "%q is held only for some customers; this needs it for all customers", req.Permission)
	}
	c.Scope = c.Grants.Scope(p)
	return nil
}
