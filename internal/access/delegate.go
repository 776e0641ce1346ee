package access

import (
	"fmt"
	"strconv"

	"gatehouse/internal/catalog"
)

// EscalationError says a grant would hand out more than its author holds.
type EscalationError struct {
	Permission string
	Customer   int64 // 0: the whole scope, e.g. all customers
}

func (e *EscalationError) Error() string {
	if e.Customer != 0 {
		return fmt.Sprintf("access: cannot grant %s on customer %d without holding it there", e.Permission, e.Customer)
	}
	return fmt.Sprintf("access: cannot grant %s over the group's whole scope without holding it there", e.Permission)
}

// CanGrant returns nil if g may hand out grp: delegated administration lets
// a non-global-admin hand out only what they hold. Otherwise it returns an
// *EscalationError naming the first permission of grp.Perms not held over
// grp's whole scope (and a customer, when one can be named). An
// account-wide permission must be held account-wide whatever grp's scope,
// since that is the only way it is ever honoured.
func (g *Grants) CanGrant(grp Group) error {
	if g.Active() && g.admin {
		return nil
	}
	want := normalize(grp.Scope)
	for _, p := range grp.Perms {
		if int(p) >= catalog.Len() {
			return &EscalationError{Permission: "#" + strconv.Itoa(int(p))}
		}
		need := want
		if !scoped[p] {
			need = All()
		}
		if c, missing := uncovered(g.held(p), need); missing {
			return &EscalationError{Permission: p.Key(), Customer: c}
		}
	}
	return nil
}

// Covers reports whether g holds everything other holds: for every
// permission, g's scope ⊇ other's. Only an active global admin covers a
// global admin. other is compared as if it were active, because enabling a
// user again must not hand out more than the editor holds.
func (g *Grants) Covers(other *Grants) bool {
	switch {
	case other == nil:
		return true
	case g.Active() && g.admin:
		return true
	case other.admin:
		return false
	}
	for p := range other.perms {
		if !g.held(catalog.Perm(p)).Covers(other.perms[p].scope) {
			return false
		}
	}
	return true
}

// held is Scope without the defensive copy, for comparisons.
func (g *Grants) held(p catalog.Perm) Scope {
	if !g.Active() || int(p) >= len(g.perms) {
		return Scope{}
	}
	return g.perms[p].scope
}
