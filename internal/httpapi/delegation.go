package httpapi

import (
	"errors"
	"net/http"

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

// The web admin applies the very same rules as the API: the functions
// below export them, so the two surfaces cannot drift apart.

// CanGrant is the delegated-administration check on one group.
func CanGrant(c *authz.Caller, g gatehouse.SecurityGroup) error { return canGrant(c, g) }

// CustomerGroupsCheck is the check run when a customer's page changes
// which groups list the customer: each group gained or lost must be one
// the caller could grant, the gained ones with the customer added.
func CustomerGroupsCheck(c *authz.Caller, customerID int64) func(added, removed []gatehouse.SecurityGroup) error {
	return func(added, removed []gatehouse.SecurityGroup) error {
		for _, g := range added {
			g.CustomerIDs = append(g.CustomerIDs, customerID)
			if err := canGrant(c, g); err != nil {
				return err
			}
		}
		for _, g := range removed {
			if err := canGrant(c, g); err != nil {
				return err
			}
		}
		return nil
	}
}

// CheckUserCreate holds the delegated-administration rules for a new user.
func (s *Server) CheckUserCreate(r *http.Request, c *authz.Caller, globalAdmin bool, groupIDs []int64) error {
	if globalAdmin && !c.Grants.GlobalAdmin() {
		return gatehouse.Errorf(gatehouse.EForbidden, "only a global admin can make a global admin")
	}
	return s.checkGroupGrants(r, c, nil, groupIDs)
}

// CheckUserChange holds the delegated-administration rules for changing
// a user; only the global-admin flag and the groups of upd matter.
func (s *Server) CheckUserChange(r *http.Request, c *authz.Caller, before gatehouse.User, upd gatehouse.UserUpdate) error {
	req := updateUserRequest{GlobalAdmin: upd.GlobalAdmin}
	if upd.GroupIDs != nil {
		ids := toIDs(*upd.GroupIDs)
		req.SecurityGroupIDs = &ids
	}
	return s.checkUserChange(r, c, before, req)
}

// HashPassword checks a new password's length and hashes it.
func (s *Server) HashPassword(password string) (string, error) { return s.hashPassword(password) }
