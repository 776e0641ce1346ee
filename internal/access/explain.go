package access

import (
	"fmt"
	"strconv"
	"strings"

	"gatehouse/internal/catalog"
)

// Reason is the machine-readable code of a decision.
type Reason string

const (
	ReasonGlobalAdmin Reason = "global_admin"
	ReasonGranted     Reason = "granted"
	ReasonDisabled    Reason = "user_disabled"
	ReasonNotHeld     Reason = "not_held"
	// ReasonOtherCustomers: some group holds the permission, but its
	// scope leaves this customer out.
	ReasonOtherCustomers Reason = "other_customers"
	// ReasonNeedsAllCustomers: the permission is account-wide, or the record
	// has no customer, and only an all-customers group can grant that.
	ReasonNeedsAllCustomers Reason = "account_wide_needs_all_customers"
	// ReasonExpired: a membership that would have granted it has expired.
	ReasonExpired Reason = "membership_expired"
)

// Explanation is a decision with its reasons.
type Explanation struct {
	Allowed   bool
	Reason    Reason
	Granting  []GroupRef // groups whose permission and scope include the customer
	Elsewhere []GroupRef // groups that hold the permission but whose scope excludes the customer
	Message   string     // one human sentence
}

// Explain gives the decision on p for customer and its reasons. It walks
// the groups with the plain per-group rule rather than the compiled
// tables, and always agrees with Check (tests hold it to that).
func (g *Grants) Explain(p catalog.Perm, customer int64) Explanation {
	switch {
	case g == nil:
		return Explanation{Reason: ReasonNotHeld, Message: "There are no compiled grants, so nothing is allowed."}
	case !g.active:
		return Explanation{Reason: ReasonDisabled, Message: fmt.Sprintf("User %d is disabled, so nothing is allowed.", g.userID)}
	case int(p) >= catalog.Len():
		return Explanation{Reason: ReasonNotHeld, Message: fmt.Sprintf("Permission #%d is not in the catalog.", p)}
	case g.admin:
		return Explanation{Allowed: true, Reason: ReasonGlobalAdmin, Message: fmt.Sprintf("User %d is a global admin and may do everything.", g.userID)}
	}
	var e Explanation
	for i := range g.groups {
		cg := &g.groups[i]
		switch {
		case cg.allows(p, customer):
			e.Granting = append(e.Granting, cg.ref)
		case cg.has(p):
			e.Elsewhere = append(e.Elsewhere, cg.ref)
		}
	}
	e.Allowed = len(e.Granting) > 0
	e.Reason, e.Message = g.why(p, customer, e)
	return e
}

// why picks the reason for a decision, most specific first.
func (g *Grants) why(p catalog.Perm, customer int64, e Explanation) (Reason, string) {
	key, where := p.Key(), target(p, customer)
	if e.Allowed {
		return ReasonGranted, fmt.Sprintf("%s is granted %s by %s.", key, where, groupList(e.Granting))
	}
	if lapsed := g.lapsed(p, customer); len(lapsed) > 0 {
		return ReasonExpired, fmt.Sprintf("The membership in %s that granted %s %s has expired.", groupList(lapsed), key, where)
	}
	switch {
	case len(e.Elsewhere) == 0:
		return ReasonNotHeld, fmt.Sprintf("No group of user %d grants %s.", g.userID, key)
	case !scoped[p]:
		return ReasonNeedsAllCustomers, fmt.Sprintf("%s is account-wide and is honoured only from all-customers groups, not from %s.", key, groupList(e.Elsewhere))
	case customer == 0:
		return ReasonNeedsAllCustomers, fmt.Sprintf("A record with no customer needs %s from an all-customers group, not from %s.", key, groupList(e.Elsewhere))
	}
	return ReasonOtherCustomers, fmt.Sprintf("%s holds %s, but not %s.", groupList(e.Elsewhere), key, where)
}

// lapsed lists the groups of expired memberships that would allow p.
func (g *Grants) lapsed(p catalog.Perm, customer int64) []GroupRef {
	var refs []GroupRef
	for i := range g.expired {
		if g.expired[i].allows(p, customer) {
			refs = append(refs, g.expired[i].ref)
		}
	}
	return refs
}

func target(p catalog.Perm, customer int64) string {
	switch {
	case !scoped[p]:
		return "account-wide"
	case customer == 0:
		return "on records with no customer"
	}
	return "on customer " + strconv.FormatInt(customer, 10)
}

func groupList(refs []GroupRef) string {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = strconv.Quote(r.Name)
	}
	if len(refs) == 1 {
		return "group " + names[0]
	}
	return "groups " + strings.Join(names, ", ")
}
