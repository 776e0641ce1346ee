package access

import "fmt"

// ConfinementError says a group reaches beyond the one customer a user
// is confined to.
type ConfinementError struct {
	Group    string
	Customer int64
	// Permission is set when the group holds an account-wide permission.
	Permission string
}

func (e *ConfinementError) Error() string {
	if e.Permission != "" {
		return fmt.Sprintf("access: group %q holds the account-wide %s, beyond customer %d", e.Group, e.Permission, e.Customer)
	}
	return fmt.Sprintf("access: group %q reaches beyond customer %d", e.Group, e.Customer)
}

// WithinCustomer returns nil if a user confined to customer may be a
// member of grp: its scope is a subset of {customer} and it holds no
// account-wide permission. A customer's own identity provider only ever
// yields users confined so; no grant can widen them, because every
// membership change, and every scope change of a group they are in,
// asks this first.
func WithinCustomer(grp Group, customer int64) error {
	if !Only(customer).Covers(normalize(grp.Scope)) {
		return &ConfinementError{Group: grp.Name, Customer: customer}
	}
	for _, p := range grp.Perms {
		if int(p) < len(scoped) && !scoped[p] {
			return &ConfinementError{Group: grp.Name, Customer: customer, Permission: p.Key()}
		}
	}
	return nil
}
