package access

import (
	"math/bits"
	"time"

	"gatehouse/internal/catalog"
)

// Group is one security group as the engine sees it; the caller has
// already resolved its scope to customer IDs.
type Group struct {
	ID    int64
	Name  string
	Scope Scope
	Perms []catalog.Perm
}

// Membership puts a subject in a group, possibly until a moment.
type Membership struct {
	Group     *Group
	ExpiresAt time.Time // zero: never expires
}

// Subject is a user as the engine sees it.
type Subject struct {
	UserID      int64
	GlobalAdmin bool
	Disabled    bool
	Memberships []Membership
}

// GroupRef names a group in explanations.
type GroupRef struct {
	ID   int64
	Name string
}

// Grants is a subject compiled for checking. It is immutable and safe for
// concurrent use. A nil *Grants denies everything.
type Grants struct {
	userID     int64
	active     bool
	admin      bool
	validUntil time.Time
	// perms[p] is the customers p is granted on, by membership (or All for
	// a global admin), before the active flag is applied. Entries coming
	// from the same combination of groups share their ID slices.
	perms   []set
	groups  []group // groups of live memberships, membership order
	expired []group // groups reached only through expired memberships
}

// group is a private copy of a Group, so a caller editing its Group after
// Compile can change neither Check nor Explain.
type group struct {
	ref   GroupRef
	scope Scope
	perms []uint64 // bitset by catalog.Perm
}

// scoped caches Perm.CustomerScoped by index; the catalog is fixed at init.
var scoped = func() []bool {
	out := make([]bool, catalog.Len())
	for _, p := range catalog.All() {
		out[p.Index] = p.CustomerScoped
	}
	return out
}()

var wordsPerBitset = (catalog.Len() + 63) / 64

func newGroup(g *Group) group {
	cg := group{
		ref:   GroupRef{ID: g.ID, Name: g.Name},
		scope: normalize(g.Scope),
		perms: make([]uint64, wordsPerBitset),
	}
	for _, p := range g.Perms {
		if int(p) < catalog.Len() { // unknown indexes grant nothing
			cg.perms[p/64] |= 1 << (p % 64)
		}
	}
	return cg
}

func (cg *group) has(p catalog.Perm) bool {
	return int(p) < catalog.Len() && cg.perms[p/64]&(1<<(p%64)) != 0
}

// counts reports whether cg's holding p takes effect at all: account-wide
// permissions are honoured only from all-customers groups, and an empty
// scope grants nothing.
func (cg *group) counts(p catalog.Perm) bool {
	if !cg.has(p) || cg.scope.Empty() {
		return false
	}
	return scoped[p] || cg.scope.Kind == ScopeAll
}

// allows is the decision rule for one group, written plainly. Explain
// uses it directly; Check answers from tables compiled to agree with it.
func (cg *group) allows(p catalog.Perm, customer int64) bool {
	if !cg.counts(p) {
		return false
	}
	if !scoped[p] || customer == 0 {
		// Account-wide permissions ignore the customer, and records with
		// no customer need an all-customers grant.
		return cg.scope.Kind == ScopeAll
	}
	return cg.scope.Contains(customer)
}

// Compile turns a subject into grants once; all checks then answer from
// memory. Memberships expiring at or before now are ignored.
func Compile(s Subject, now time.Time) *Grants {
	g := &Grants{userID: s.UserID, active: !s.Disabled, admin: s.GlobalAdmin}
	g.collect(s.Memberships, now)
	g.perms = make([]set, catalog.Len())
	if g.admin {
		all := set{scope: All()}
		for i := range g.perms {
			g.perms[i] = all
		}
		return g
	}
	g.build()
	return g
}

// collect sorts memberships into live and expired groups and finds the
// soonest future expiry.
func (g *Grants) collect(ms []Membership, now time.Time) {
	live := make(map[*Group]bool, len(ms))
	for _, m := range ms {
		if m.Group == nil || !m.ExpiresAt.IsZero() && !m.ExpiresAt.After(now) {
			continue
		}
		// Every live expiry counts, even of a group reached twice:
		// recompiling early is harmless, late is not.
		if !m.ExpiresAt.IsZero() && (g.validUntil.IsZero() || m.ExpiresAt.Before(g.validUntil)) {
			g.validUntil = m.ExpiresAt
		}
		if !live[m.Group] {
			live[m.Group] = true
			g.groups = append(g.groups, newGroup(m.Group))
		}
	}
	seen := live
	for _, m := range ms {
		if m.Group != nil && !seen[m.Group] {
			seen[m.Group] = true
			g.expired = append(g.expired, newGroup(m.Group))
		}
	}
}

// build fills g.perms. Each permission gets the union of the scopes of the
// groups that grant it; permissions granted by the same groups share one
// union, so a user in three groups does at most seven unions, not one per
// permission.
func (g *Grants) build() {
	n, words := catalog.Len(), (len(g.groups)+63)/64
	masks := make([]uint64, n*words) // masks[p*words:]: groups granting p
	for gi := range g.groups {
		cg := &g.groups[gi]
		for p := range n {
			if cg.counts(catalog.Perm(p)) {
				masks[p*words+gi/64] |= 1 << (gi % 64)
			}
		}
	}
	shared := make(map[string]set)
	key := make([]byte, 8*words)
	for p := range n {
		mask := masks[p*words : (p+1)*words]
		if isZero(mask) {
			continue
		}
		for i, w := range mask {
			for b := range 8 {
				key[i*8+b] = byte(w >> (8 * b))
			}
		}
		s, ok := shared[string(key)]
		if !ok {
			s = compileSet(g.unionOf(mask))
			shared[string(key)] = s
		}
		g.perms[p] = s
	}
}

func (g *Grants) unionOf(mask []uint64) Scope {
	var u Scope
	for i, w := range mask {
		for w != 0 {
			gi := i*64 + bits.TrailingZeros64(w)
			w &= w - 1
			u = Union(u, g.groups[gi].scope)
		}
	}
	return u
}

func isZero(ws []uint64) bool {
	for _, w := range ws {
		if w != 0 {
			return false
		}
	}
	return true
}
