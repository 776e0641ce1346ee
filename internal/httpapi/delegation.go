package httpapi

import (
	"errors"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

var permCustomersView = catalog.MustLookup("customers.view")

// canGrant refuses a delegated manager handing out (or taking away) a
// group holding a permission or customer they do not hold themselves.
func canGrant(c *authz.Caller, g gatehouse.SecurityGroup) error {
	err := c.Grants.CanGrant(g.AccessGroup())
	var esc *access.EscalationError
	if errors.As(err, &esc) {
		msg := "you cannot grant %q"
		args := []any{esc.Permission}
		if esc.Customer != 0 {
			msg += " on customer %d"
			args = append(args, esc.Customer)
		} else if g.AccessType == gatehouse.AllCustomers {
			msg += " for all customers"
		}
		return gatehouse.Errorf(gatehouse.EForbidden, msg+": you do not hold it yourself", args...)
	}
	return err
}

// canManageUser refuses a delegated manager acting on a user who holds
// anything the manager does not: otherwise resetting that user's
// password would hand the manager their access.
func canManageUser(c *authz.Caller, target *access.Grants) error {
	if c.Grants.Covers(target) {
		return nil
	}
	if target.GlobalAdmin() {
		return gatehouse.Errorf(gatehouse.EForbidden, "only a global admin can change a global admin")
	}
	return gatehouse.Errorf(gatehouse.EForbidden, "this user holds access you do not hold; only someone who holds it can change them")
}

func mustPerm(key string) catalog.Perm { return catalog.MustLookup(key) }
