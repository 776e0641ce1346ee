package authz

import (
	"context"
	"strings"
	"sync"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// ClientStore is what authenticating API clients reads, and the one thing
// it writes: when a client was last used.
type ClientStore interface {
	// APIClientBySecret resolves an unexpired client, with its account's
	// security version read in the same statement.
	APIClientBySecret(ctx context.Context, hash []byte) (gatehouse.APIClient, int64, error)
	TouchAPIClient(ctx context.Context, id int64, at time.Time) error
}

// Versions tells an account's current security version.
type Versions interface {
	Current(ctx context.Context, accountID int64) (int64, error)
}

// Clients authenticates API clients: another tool's credential for the
// decision API. A client's grants are its own permissions, on all
// customers of its account and nothing else; routes then authorize it
// through Gate.Authorize like any caller.
//
// Resolved clients are kept in memory while their account's security
// version stays where it was when they were read. Creating and revoking
// a client moves that version, so a revoked secret stops working on the
// next request of every instance that has learned the new version.
type Clients struct {
	store    ClientStore
	versions Versions
	now      func() time.Time

	mu    sync.RWMutex
	cache map[[32]byte]clientEntry
}

type clientEntry struct {
	client  gatehouse.APIClient
	version int64
	grants  *access.Grants
	touched time.Time
}

// NewClients returns the API clients' authenticator.
func NewClients(store ClientStore, versions Versions, now func() time.Time) *Clients {
	if now == nil {
		now = time.Now
	}
	return &Clients{store: store, versions: versions, now: now, cache: map[[32]byte]clientEntry{}}
}

// Authenticate resolves an API client's secret to a caller whose grants
// are the client's permissions, and the client.
func (cs *Clients) Authenticate(ctx context.Context, secret string) (*Caller, gatehouse.APIClient, error) {
	if !strings.HasPrefix(secret, auth.ClientSecretPrefix) {
		return nil, gatehouse.APIClient{}, gatehouse.Errorf(gatehouse.EUnauthorized, "send an API client's secret: Authorization: Bearer <secret>")
	}
	var key [32]byte
	copy(key[:], auth.HashToken(secret))
	now := cs.now()
	cs.mu.RLock()
	e, ok := cs.cache[key]
	cs.mu.RUnlock()
	if ok && now.Before(e.client.ExpiresAt) {
		current, err := cs.versions.Current(ctx, e.client.AccountID)
		if err != nil {
			return nil, gatehouse.APIClient{}, err
		}
		if current == e.version {
			cs.touch(ctx, key, e, now)
			return e.caller(), e.client, nil
		}
	}
	return cs.load(ctx, key, now)
}

// load reads the client from the store and caches it.
func (cs *Clients) load(ctx context.Context, key [32]byte, now time.Time) (*Caller, gatehouse.APIClient, error) {
	cl, version, err := cs.store.APIClientBySecret(ctx, key[:])
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.EUnauthorized {
			cs.mu.Lock()
			delete(cs.cache, key)
			cs.mu.Unlock()
			return nil, cl, gatehouse.Errorf(gatehouse.EUnauthorized, "the API client secret is invalid, revoked or expired")
		}
		return nil, cl, err
	}
	e := clientEntry{client: cl, version: version, grants: clientGrants(cl), touched: cl.LastUsedAt}
	cs.mu.Lock()
	if len(cs.cache) >= maxCached {
		cs.cache = map[[32]byte]clientEntry{}
	}
	cs.cache[key] = e
	cs.mu.Unlock()
	cs.touch(ctx, key, e, now)
	return e.caller(), cl, nil
}

// touch stores e, recording the client's use at most once a minute.
func (cs *Clients) touch(ctx context.Context, key [32]byte, e clientEntry, now time.Time) {
	if now.Sub(e.touched) < touchEvery {
		return
	}
	e.touched = now
	_ = cs.store.TouchAPIClient(ctx, e.client.ID, now) // best effort, as for tokens
	cs.mu.Lock()
	if len(cs.cache) >= maxCached {
		cs.cache = map[[32]byte]clientEntry{}
	}
	cs.cache[key] = e
	cs.mu.Unlock()
}

func (e clientEntry) caller() *Caller {
	return &Caller{
		Principal: gatehouse.Principal{TokenID: e.client.ID, TokenKind: gatehouse.TokenClient, TokenLastUsed: e.touched,
			TokenPermissions: e.client.Permissions, AccountID: e.client.AccountID, Name: e.client.Name, SecurityVersion: e.version},
		Grants: e.grants,
	}
}

// clientGrants compiles a client's permissions as one all-customers
// group: it holds them on every customer of its account, and nothing
// else. It is never a global admin.
func clientGrants(cl gatehouse.APIClient) *access.Grants {
	g := &access.Group{Name: "API client " + cl.Name, Scope: access.All()}
	for _, k := range cl.Permissions {
		if p, ok := catalog.Lookup(k); ok {
			g.Perms = append(g.Perms, p)
		}
	}
	return access.Compile(access.Subject{Memberships: []access.Membership{{Group: g}}}, time.Time{})
}
