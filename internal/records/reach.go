package records

import (
	"slices"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
)

// Reach is the set of a module's records a caller reaches with some
// permission. Storage turns it into a WHERE condition (lists, counts,
// search, exports) and Allows answers for one record; the two must agree.
type Reach struct {
	// Customers: every record of these customers.
	Customers access.Scope
	// Library: records with no customer.
	Library bool
	// Own: the records of these customers whose owner is OwnerID.
	Own     access.Scope
	OwnerID int64

	// OwnersLimited restricts whom a record written within this reach may
	// belong to: OwnerID, or anyone for customers in AnyOwner. It is set
	// where the permission is one of the module's own permissions ("manage
	// one's own time logs"): writing a record in another user's name then
	// needs a view-all permission on its customer. Reading ignores it.
	OwnersLimited bool
	AnyOwner      access.Scope
}

// MayOwn reports whether a record of customer written within r may
// belong to owner (0: no one).
func (r Reach) MayOwn(customer, owner int64) bool {
	return !r.OwnersLimited || (owner != 0 && owner == r.OwnerID) || r.AnyOwner.Contains(customer)
}

// None reaches nothing.
func (r Reach) None() bool {
	return r.Customers.Empty() && !r.Library && (r.Own.Empty() || r.OwnerID == 0)
}

// Allows reports whether a record of customer (0: none) owned by owner is
// reached.
func (r Reach) Allows(customer, owner int64) bool {
	if customer == 0 {
		return r.Library
	}
	if r.Customers.Contains(customer) {
		return true
	}
	return r.OwnerID != 0 && owner == r.OwnerID && r.Own.Contains(customer)
}

// Grants is what the reach rules read: the caller's compiled grants.
type Grants interface {
	Scope(p catalog.Perm) access.Scope
	Holds(p catalog.Perm) bool
	Check(p catalog.Perm, customer int64) bool
	UserID() int64
}

// ViewReach is what a caller may read of m: every record of the customers
// a view permission is granted on, their own records where only an own
// permission is granted, and records with no customer — for a shared
// library, when any view permission is held at all; for restricted
// records, only when one is held for all customers.
func ViewReach(m *Module, g Grants) Reach {
	var r Reach
	for _, key := range m.ViewPerms {
		u := UseReach(m, g, key)
		r.Customers = access.Union(r.Customers, u.Customers)
		r.Library = r.Library || u.Library
	}
	for _, key := range m.OwnPerms {
		r.Own = access.Union(r.Own, g.Scope(catalog.MustLookup(key)))
	}
	if !r.Own.Empty() {
		r.OwnerID = g.UserID()
	}
	return r
}

// UseReach is where a caller may use a reading permission (view, run,
// reveal) on m's records: the customers it is granted on, and records with
// no customer as reading goes — a shared library for any holder, restricted
// records only for an all-customers holder.
func UseReach(m *Module, g Grants, perm string) Reach {
	p := catalog.MustLookup(perm)
	r := Reach{Customers: g.Scope(p)}
	switch m.Ownership {
	case SharedLibrary:
		r.Library = g.Holds(p)
	case Restricted:
		r.Library = g.Check(p, 0)
	}
	return r
}

// PermReach is where a caller may use perm on m's records: the customers
// it is granted on and, for records with no customer, only with an
// all-customers grant. A change needs both this and ViewReach: no one
// edits what they cannot see. Where perm is one of m's own permissions,
// the records written must stay the caller's own, except on customers
// where a view permission shows the caller everyone's.
func PermReach(m *Module, g Grants, perm string) Reach {
	p := catalog.MustLookup(perm)
	r := Reach{Customers: g.Scope(p), Library: m.Ownership != CustomerRequired && g.Check(p, 0)}
	if slices.Contains(m.OwnPerms, perm) {
		r.OwnersLimited, r.OwnerID = true, g.UserID()
		for _, key := range m.ViewPerms {
			r.AnyOwner = access.Union(r.AnyOwner, g.Scope(catalog.MustLookup(key)))
		}
	}
	return r
}
