package access

import (
	"slices"
	"time"

	"gatehouse/internal/catalog"
)

// Check reports whether the subject may use p on a record of customer
// (0: a record with no customer, which needs an all-customers grant). For
// account-wide permissions the customer is ignored. It allocates nothing.
func (g *Grants) Check(p catalog.Perm, customer int64) bool {
	if g == nil || !g.active || int(p) >= len(g.perms) {
		return false
	}
	s := &g.perms[p]
	switch s.scope.Kind {
	case ScopeAll:
		return true
	case ScopeOnly:
		return customer != 0 && s.listed(customer)
	case ScopeAllExcept:
		return customer != 0 && !s.listed(customer)
	}
	return false
}

// CheckKey is Check by permission key; an unknown key is denied.
func (g *Grants) CheckKey(key string, customer int64) bool {
	p, ok := catalog.Lookup(key)
	return ok && g.Check(p, customer)
}

// Scope is the customers p is granted on, for query filters: All, Only(ids)
// or None (AllExcept only if a group has such a scope). A global admin gets
// All, a disabled user None. The IDs are the caller's to keep.
func (g *Grants) Scope(p catalog.Perm) Scope {
	if g == nil || !g.active || int(p) >= len(g.perms) {
		return Scope{}
	}
	s := g.perms[p].scope
	s.IDs = slices.Clone(s.IDs)
	return s
}

// Holds reports whether p is granted on at least one customer (or all),
// which is what reading the shared library needs.
func (g *Grants) Holds(p catalog.Perm) bool {
	return g != nil && g.active && int(p) < len(g.perms) && !g.perms[p].scope.Empty()
}

// HoldsAll reports whether p is granted on all customers, which changing
// shared-library or restricted account-level records needs.
func (g *Grants) HoldsAll(p catalog.Perm) bool {
	return g != nil && g.active && int(p) < len(g.perms) && g.perms[p].scope.Kind == ScopeAll
}

// GlobalAdmin reports whether the subject is a global admin (even if
// disabled; Active says whether anything is allowed).
func (g *Grants) GlobalAdmin() bool { return g != nil && g.admin }

// Active reports whether the subject is not disabled.
func (g *Grants) Active() bool { return g != nil && g.active }

// UserID is the subject's user ID.
func (g *Grants) UserID() int64 {
	if g == nil {
		return 0
	}
	return g.userID
}

// ValidUntil is the soonest future membership expiry (zero: none). The
// grants are stale from then on; callers recompile after it.
func (g *Grants) ValidUntil() time.Time {
	if g == nil {
		return time.Time{}
	}
	return g.validUntil
}

// Effective is one held permission with where it applies and why.
type Effective struct {
	Permission string
	Scope      Scope
	Groups     []GroupRef // groups that grant it; empty for a global admin's implicit grants
}

// Effective lists every held permission in catalog order.
func (g *Grants) Effective() []Effective {
	var out []Effective
	copies := make(map[*int64][]int64) // one copy per shared ID slice
	for _, perm := range catalog.All() {
		p := perm.Index
		if !g.Holds(p) {
			continue
		}
		s := g.perms[p].scope
		if len(s.IDs) > 0 {
			c, ok := copies[&s.IDs[0]]
			if !ok {
				c = slices.Clone(s.IDs)
				copies[&s.IDs[0]] = c
			}
			s.IDs = c
		}
		out = append(out, Effective{Permission: perm.Key, Scope: s, Groups: g.granting(p)})
	}
	return out
}

// granting lists the live groups whose holding p takes effect.
func (g *Grants) granting(p catalog.Perm) []GroupRef {
	var refs []GroupRef
	for i := range g.groups {
		if g.groups[i].counts(p) {
			refs = append(refs, g.groups[i].ref)
		}
	}
	return refs
}
