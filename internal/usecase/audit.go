package usecase

import (
	"context"
	"encoding/json"

	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// AuditPage is one page of the audit entries the caller may see: events of
// the customers their audit_log.view scope holds, and account-level events
// only when they hold it for all customers — the scope goes into the
// query. An entry's values (before and after) are withheld when the
// caller may not view its area on its customer: an auditor of a customer
// sees that a credential changed, not its username.
func (s *Service) AuditPage(ctx context.Context, c *authz.Caller, f audit.Filter) (gatehouse.Page[audit.Entry], error) {
	page, err := s.store.ListAudit(ctx, c.AccountID, c.Grants.Scope(permAuditView), c.Grants.HoldsAll(permAuditView), f)
	for i := range page.Items {
		withhold(c, &page.Items[i])
	}
	return page, err
}

// withheld replaces values the viewer may not read.
var withheld = json.RawMessage(`{"withheld":"you may not view this area's records for this customer"}`)

func withhold(c *authz.Caller, e *audit.Entry) {
	if mayReadValues(c, e.TargetType, e.CustomerID) {
		return
	}
	if len(e.Before) > 0 && string(e.Before) != "null" {
		e.Before = withheld
	}
	if len(e.After) > 0 && string(e.After) != "null" {
		e.After = withheld
	}
}

// mayReadValues reports whether the viewer may read the values of an entry
// about a record of target type on customer (0: account level): the same
// view permission that would show them the record itself.
func mayReadValues(c *authz.Caller, targetType string, customer int64) bool {
	perms := valuePerms(targetType)
	if perms == nil {
		return true // account events: the audit scope already decided
	}
	for _, key := range perms {
		p := catalog.MustLookup(key)
		if c.Grants.Check(p, customer) || !p.CustomerScoped() && c.Grants.Holds(p) {
			return true
		}
	}
	return false
}

// valuePerms are the permissions that show the values of a target type.
func valuePerms(targetType string) []string {
	switch targetType {
	case "user":
		return []string{"users.view"}
	case "security_group":
		return []string{"security_groups.view"}
	case "customer":
		return []string{"customers.view"}
	case "account":
		return nil
	}
	for _, m := range records.All() {
		if m.Noun == targetType {
			return m.ViewPerms
		}
	}
	return []string{"settings.manage"} // an unknown type shows only to account managers
}
