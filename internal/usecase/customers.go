package usecase

import (
	"context"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// CustomerView is where a customer page may look: the caller's
// customers.view scope, so an out-of-scope customer is not found.
func CustomerView(c *authz.Caller) access.Scope { return c.Grants.Scope(permCustomersView) }

// The customer routes' rule, in one place for every surface: creating a
// customer needs the permission for all customers (a new customer is in
// no select list yet); editing or deleting one needs customers.view on it
// too, so an edit right alone never reads a customer back; any other
// permission holds where it is granted.

// CustomerReach is where g may use p on customers, for queries.
func CustomerReach(g *access.Grants, p catalog.Perm) access.Scope {
	switch p {
	case permCustomersCreate:
		if !g.HoldsAll(p) {
			return access.Scope{}
		}
	case permCustomersEdit, permCustomersDelete:
		return access.Intersect(g.Scope(p), g.Scope(permCustomersView))
	}
	return g.Scope(p)
}

// CustomerAllows is CustomerReach for one customer, without building a
// scope: the decision API asks it for every evaluation.
func CustomerAllows(g *access.Grants, p catalog.Perm, customer int64) bool {
	switch p {
	case permCustomersCreate:
		return g.HoldsAll(p)
	case permCustomersEdit, permCustomersDelete:
		return g.Check(p, customer) && g.Check(permCustomersView, customer)
	}
	return g.Check(p, customer)
}

// CustomerForEdit reads a customer the caller may both see and edit.
func (s *Service) CustomerForEdit(ctx context.Context, c *authz.Caller, id int64) (gatehouse.Customer, error) {
	return s.store.Customer(ctx, c.AccountID, CustomerReach(c.Grants, permCustomersEdit), id)
}

// CustomerForDelete reads a customer the caller may both see and delete.
func (s *Service) CustomerForDelete(ctx context.Context, c *authz.Caller, id int64) (gatehouse.Customer, error) {
	return s.store.Customer(ctx, c.AccountID, CustomerReach(c.Grants, permCustomersDelete), id)
}

// CreateCustomer adds a customer; it needs customers.create for all
// customers, since a new customer is in no select list yet.
func (s *Service) CreateCustomer(ctx context.Context, c *authz.Caller, f gatehouse.CustomerFields) (gatehouse.Customer, error) {
	if !CustomerAllows(c.Grants, permCustomersCreate, 0) {
		return gatehouse.Customer{}, gatehouse.Errorf(gatehouse.EForbidden, "creating customers needs %q for all customers", "customers.create")
	}
	return s.store.CreateCustomer(ctx, c.AccountID, f)
}

// UpdateCustomer changes a customer the caller may see and edit.
func (s *Service) UpdateCustomer(ctx context.Context, c *authz.Caller, id int64, f gatehouse.CustomerFields) (gatehouse.Customer, error) {
	return s.store.UpdateCustomer(ctx, c.AccountID, CustomerReach(c.Grants, permCustomersEdit), id, f)
}

// DeleteCustomer removes a customer the caller may see and delete, with
// every record it owns; every group listing it loses it, which a preview
// reports first. Financial records are kept: a customer with invoices or
// payments is archived, never deleted.
func (s *Service) DeleteCustomer(ctx context.Context, c *authz.Caller, id int64, mode Mode) (gatehouse.Customer, Impact, error) {
	var cu gatehouse.Customer
	scope := CustomerReach(c.Grants, permCustomersDelete)
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		var err error
		if cu, err = s.store.Customer(ctx, c.AccountID, scope, id); err != nil {
			return err
		}
		counts, err := s.store.CustomerRecordCounts(ctx, c.AccountID, id)
		if err != nil {
			return err
		}
		if n, m := counts["invoices"], counts["payments"]; n+m > 0 {
			return gatehouse.Errorf(gatehouse.EConflict, "%s has %d invoices and %d payments; financial records are kept, so archive the customer instead", cu.Name, n, m)
		}
		return s.store.DeleteCustomer(ctx, c.AccountID, scope, id)
	})
	return cu, imp, err
}

// CustomerRecordCounts is how many records of each module a customer the
// caller may delete owns, for the deletion page.
func (s *Service) CustomerRecordCounts(ctx context.Context, c *authz.Caller, id int64) (map[string]int, error) {
	if _, err := s.store.Customer(ctx, c.AccountID, CustomerReach(c.Grants, permCustomersDelete), id); err != nil {
		return nil, err
	}
	return s.store.CustomerRecordCounts(ctx, c.AccountID, id)
}

// ArchiveCustomer archives a customer (or, with archived false, brings it
// back): it leaves lists, pickers and every select-customers group's
// reach, which a preview reports first; its records stay, readable to
// all-customers holders. It needs customers.delete on the customer.
func (s *Service) ArchiveCustomer(ctx context.Context, c *authz.Caller, id int64, archived bool, mode Mode) (gatehouse.Customer, Impact, error) {
	var cu gatehouse.Customer
	scope := CustomerReach(c.Grants, permCustomersDelete)
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		var err error
		cu, err = s.store.SetCustomerArchived(ctx, c.AccountID, scope, id, archived)
		return err
	})
	return cu, imp, err
}

// SetCustomerGroups makes groupIDs exactly the select-customers groups
// listing a customer the caller may see. Each group gaining the customer
// is checked as it will be — with the customer added — and each group
// losing it as it is, so a delegated manager neither hands a client's
// customer to a group nor takes it from one beyond what they hold.
func (s *Service) SetCustomerGroups(ctx context.Context, c *authz.Caller, customerID int64, groupIDs []int64, mode Mode) ([]int64, Impact, error) {
	var out []int64
	scope := CustomerView(c)
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		groupIDs = gatehouse.DedupIDs(groupIDs)
		added, removed, err := s.store.CustomerGroupDiff(ctx, c.AccountID, scope, customerID, groupIDs)
		if err != nil {
			return err
		}
		for _, g := range added {
			g.CustomerIDs = append(g.CustomerIDs, customerID)
			if err := canGrant(c, g); err != nil {
				return err
			}
			if err := s.checkConfinedMembers(ctx, c.AccountID, g, "security_group_ids"); err != nil {
				return err
			}
		}
		for _, g := range removed {
			if err := canGrant(c, g); err != nil {
				return err
			}
		}
		out, err = s.store.SetCustomerGroups(ctx, c.AccountID, scope, customerID, groupIDs)
		return err
	})
	return out, imp, err
}
