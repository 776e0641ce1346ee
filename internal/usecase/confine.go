package usecase

import (
	"context"
	"errors"
	"fmt"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
)

// A user provisioned by a customer's own identity provider is confined
// to that customer: only ever a member of groups whose scope is within
// it (access.WithinCustomer), never a global admin. Every path that
// changes memberships or a group's scope asks here, inside its
// transaction: a user's groups and flags (UpdateUser), a group's scope
// (UpdateGroup), a customer's groups (SetCustomerGroups), and the
// groups an identity provider maps its users into.

// checkConfinedUser refuses a change that would take a confined user
// beyond their customer.
func (s *Service) checkConfinedUser(ctx context.Context, accountID int64, u gatehouse.User, upd gatehouse.UserUpdate) error {
	customer, confined, err := s.store.Confinement(ctx, accountID, u.ID)
	if err != nil || !confined {
		return err
	}
	if upd.GlobalAdmin != nil && *upd.GlobalAdmin {
		return &gatehouse.Error{Code: gatehouse.EForbidden, Field: "global_admin",
			Message: u.Email + " signs in through a customer's own identity provider and can never be a global admin"}
	}
	if upd.GroupIDs == nil {
		return nil
	}
	for _, id := range *upd.GroupIDs {
		g, err := s.store.Group(ctx, accountID, id)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			continue // the store refuses it, naming the field
		}
		if err != nil {
			return err
		}
		if err := confinedTo(g, customer, "security_group_ids", u.Email+" signs in through"); err != nil {
			return err
		}
	}
	return nil
}

// checkConfinedMembers refuses a group, as it will be, that reaches
// beyond the customer of one of its confined members.
func (s *Service) checkConfinedMembers(ctx context.Context, accountID int64, g gatehouse.SecurityGroup, field string) error {
	members, err := s.store.ConfinedMembers(ctx, accountID, g.ID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := confinedTo(g, m.CustomerID, field, "a member of this group signs in through"); err != nil {
			return err
		}
	}
	return nil
}

// confinedTo asks the engine whether a user confined to customer may be
// in g, and words its refusal.
func confinedTo(g gatehouse.SecurityGroup, customer int64, field, who string) error {
	err := access.WithinCustomer(g.AccessGroup(), customer)
	var ce *access.ConfinementError
	if !errors.As(err, &ce) {
		return err
	}
	msg := who + " customer %d's own identity provider and may only be in groups limited to that customer; %q reaches further"
	if ce.Permission != "" {
		msg = who + " customer %d's own identity provider and may only be in groups limited to that customer; %q holds account-wide permissions"
	}
	return &gatehouse.Error{Code: gatehouse.EForbidden, Field: field, Message: fmt.Sprintf(msg, customer, g.Name)}
}
