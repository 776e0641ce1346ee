package usecase

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/accessmap"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// EffectiveAccess is what a user of the caller's account may do,
// permission by permission, cut to what the caller may see: customers
// outside the caller's customers.view scope are left out (Hidden says some
// were), and the granting groups are named only to a caller holding
// security_groups.view.
func (s *Service) EffectiveAccess(ctx context.Context, c *authz.Caller, userID int64) (gatehouse.User, []Effective, error) {
	u, err := s.store.User(ctx, c.AccountID, userID)
	if err != nil {
		return u, nil, err
	}
	g, err := s.UserGrants(ctx, c.AccountID, userID)
	if err != nil {
		return u, nil, err
	}
	visible := CustomerView(c)
	showGroups := c.Grants.Holds(permGroupsView)
	var out []Effective
	for _, e := range g.Effective() {
		p := catalog.Get(catalog.MustLookup(e.Permission))
		row := Effective{Permission: e.Permission, Scope: e.Scope}
		if p.CustomerScoped && e.Scope.Kind != access.ScopeAll {
			row.Scope = access.Intersect(e.Scope, visible)
			row.Hidden = !row.Scope.Equal(e.Scope)
			if row.Scope.Empty() && !row.Hidden {
				continue
			}
		}
		if showGroups {
			row.Groups = e.Groups
		}
		out = append(out, row)
	}
	return u, out, nil
}

// Effective is one permission a user holds, as the caller may see it.
type Effective struct {
	Permission string
	Scope      access.Scope
	Hidden     bool // the user also holds it on customers the caller cannot see
	Groups     []access.GroupRef
}

// Explain decides a permission for a user on a customer (0: none) and says
// why. The customer must be one the caller can see, and a customer-scoped
// permission needs one.
func (s *Service) Explain(ctx context.Context, c *authz.Caller, userID int64, key string, customerID int64) (gatehouse.User, access.Explanation, error) {
	var u gatehouse.User
	p, ok := catalog.Lookup(key)
	if !ok {
		return u, access.Explanation{}, gatehouse.Invalid("permission", "unknown permission %q", key)
	}
	if customerID != 0 {
		if _, err := s.store.Customer(ctx, c.AccountID, CustomerView(c), customerID); err != nil {
			return u, access.Explanation{}, err
		}
	} else if p.CustomerScoped() {
		return u, access.Explanation{}, gatehouse.Invalid("customer", "%q is customer-scoped: name a customer", key)
	}
	u, err := s.store.User(ctx, c.AccountID, userID)
	if err != nil {
		return u, access.Explanation{}, err
	}
	g, err := s.UserGrants(ctx, c.AccountID, userID)
	if err != nil {
		return u, access.Explanation{}, err
	}
	e := g.Explain(p, customerID)
	if !c.Grants.Holds(permGroupsView) {
		e.Granting, e.Elsewhere = nil, nil
	}
	return u, e, nil
}

// ReviewUser is one line of an access review: a user who can reach the
// customer, with each permission allowed there and the granting groups.
type ReviewUser struct {
	User        gatehouse.User
	Permissions []ReviewPermission
}

// ReviewPermission is one permission a user holds on the reviewed
// customer; Groups is empty for a global admin's implicit grant, and for
// a caller who may not see groups.
type ReviewPermission struct {
	Permission string
	Groups     []access.GroupRef
}

// AccessReview is who can access a customer the caller can see: for every
// user, every customer-scoped permission Check allows on the customer, and
// the groups that grant it — exactly the users Check lets in, no more.
func (s *Service) AccessReview(ctx context.Context, c *authz.Caller, customerID int64) (gatehouse.Customer, []ReviewUser, error) {
	cu, err := s.store.Customer(ctx, c.AccountID, CustomerView(c), customerID)
	if err != nil {
		return cu, nil, err
	}
	subjects, err := s.store.AccountSubjects(ctx, c.AccountID)
	if err != nil {
		return cu, nil, err
	}
	showGroups := c.Grants.Holds(permGroupsView)
	var users []ReviewUser
	for _, sub := range subjects {
		g := access.Compile(sub.Subject, s.now())
		var perms []ReviewPermission
		for _, p := range catalog.All() {
			if !p.CustomerScoped || !g.Check(p.Index, customerID) {
				continue
			}
			rp := ReviewPermission{Permission: p.Key}
			if showGroups {
				rp.Groups = g.Explain(p.Index, customerID).Granting
			}
			perms = append(perms, rp)
		}
		if len(perms) > 0 {
			users = append(users, ReviewUser{User: sub.User, Permissions: perms})
		}
	}
	return cu, users, nil
}

// MaxMapColumns keeps the access map readable; a filter narrows larger
// accounts.
const MaxMapColumns = 80

// AccessMap draws users (or, with byGroups, security groups — which needs
// security_groups.view) against the customers the caller can see whose
// name matches q.
func (s *Service) AccessMap(ctx context.Context, c *authz.Caller, byGroups bool, q string) (accessmap.Map, error) {
	m := accessmap.Map{Title: "Who can reach which customer"}
	if byGroups && !c.Grants.Holds(permGroupsView) {
		return m, gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", "security_groups.view")
	}
	page, err := s.customersMatching(ctx, c, q)
	if err != nil {
		return m, err
	}
	subjects, err := s.store.AccountSubjects(ctx, c.AccountID)
	if err != nil {
		return m, err
	}
	for _, cu := range page.Items {
		m.Cols = append(m.Cols, accessmap.Label{Name: cu.Name})
	}
	if page.NextCursor != "" {
		m.Title += fmt.Sprintf(" (first %d customers; filter with q=)", MaxMapColumns)
	}
	if byGroups {
		mapGroups(&m, subjects, page.Items)
	} else {
		s.mapUsers(&m, subjects, page.Items)
	}
	return m, nil
}

func (s *Service) customersMatching(ctx context.Context, c *authz.Caller, q string) (gatehouse.Page[gatehouse.Customer], error) {
	return s.store.ListCustomers(ctx, c.AccountID, CustomerView(c), gatehouse.ListFilter{Q: q, Limit: MaxMapColumns})
}

func (s *Service) mapUsers(m *accessmap.Map, subjects []gatehouse.AccountSubject, customers []gatehouse.Customer) {
	for _, sub := range subjects {
		g := access.Compile(sub.Subject, s.now())
		row := make([]accessmap.Cell, len(customers))
		reaches := false
		for i, cu := range customers {
			for _, p := range catalog.All() {
				if p.CustomerScoped && g.Check(p.Index, cu.ID) {
					row[i].Count++
					row[i].Details = append(row[i].Details, p.Key)
				}
			}
			reaches = reaches || row[i].Count > 0
		}
		if !reaches {
			continue
		}
		note := ""
		if sub.User.GlobalAdmin {
			note = "global admin"
		}
		m.Rows = append(m.Rows, accessmap.Label{Name: sub.User.Email, Note: note})
		m.Cells = append(m.Cells, row)
	}
}

func mapGroups(m *accessmap.Map, subjects []gatehouse.AccountSubject, customers []gatehouse.Customer) {
	seen := map[int64]bool{}
	var groups []*access.Group
	for _, sub := range subjects {
		for _, ms := range sub.Subject.Memberships {
			if !seen[ms.Group.ID] {
				seen[ms.Group.ID] = true
				groups = append(groups, ms.Group)
			}
		}
	}
	for _, g := range groups {
		row := make([]accessmap.Cell, len(customers))
		for i, cu := range customers {
			if !g.Scope.Contains(cu.ID) {
				continue
			}
			for _, p := range g.Perms {
				if p.CustomerScoped() {
					row[i].Count++
					row[i].Details = append(row[i].Details, p.Key())
				}
			}
		}
		m.Rows = append(m.Rows, accessmap.Label{Name: g.Name})
		m.Cells = append(m.Cells, row)
	}
}

// ReviewCSVHeader names the columns of an access review export.
var ReviewCSVHeader = []string{"user_id", "email", "name", "global_admin", "permission", "granted_by"}

// ReviewCSV is an access review as rows, one per user and permission.
func ReviewCSV(users []ReviewUser) [][]string {
	var rows [][]string
	for _, u := range users {
		for _, p := range u.Permissions {
			by := "global admin"
			if !u.User.GlobalAdmin || len(p.Groups) > 0 {
				names := make([]string, len(p.Groups))
				for i, g := range p.Groups {
					names[i] = g.Name
				}
				by = strings.Join(names, "; ")
			}
			rows = append(rows, []string{strconv.FormatInt(u.User.ID, 10), u.User.Email, u.User.Name,
				strconv.FormatBool(u.User.GlobalAdmin), p.Permission, by})
		}
	}
	return rows
}
