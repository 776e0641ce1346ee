package main

import (
	"fmt"
	"strconv"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
)

// casbinModel is rbac_with_domains, the domain being the customer, with
// one addition: membership in a group (g2) carries no domain, and a
// group's scope is the group's own role per domain (g). A policy's
// domain is "*" for an all-customers group and "scoped" for a
// select-customers one, whose customers come from g. The one group p.sub
// is used for both the membership and the scope, so a permission and a
// customer always pair through one group, as Gatehouse's rule demands.
// The cheap equality tests come first so most policies are rejected
// before any role lookup.
const casbinModel = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && g2(r.sub, p.sub) && (p.dom == "*" || g(p.sub, "in_scope", r.dom))
`

type casbinEngine struct {
	e  *casbin.Enforcer
	ds *gen.Dataset
}

func casbinUser(id int64) string  { return "user:" + strconv.FormatInt(id, 10) }
func casbinGroup(id int64) string { return "group:" + strconv.FormatInt(id, 10) }

// newCasbin loads the dataset's groups, scopes and memberships.
func newCasbin(ds *gen.Dataset) (*casbinEngine, int, error) {
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return nil, 0, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, 0, err
	}
	n, err := casbinLoad(e, ds)
	if err != nil {
		return nil, 0, err
	}
	return &casbinEngine{e: e, ds: ds}, n, nil
}

// casbinRules are the policies (p), group scopes (g) and memberships
// (g2) of the dataset.
func casbinRules(ds *gen.Dataset) (policies, scopes, members [][]string) {
	for _, p := range catalog.All() {
		policies = append(policies, []string{"global_admin", "*", p.Area, p.Action})
	}
	for i := range ds.Groups {
		g := &ds.Groups[i]
		dom := "*"
		if g.AccessType == gatehouse.SelectCustomers {
			dom = "scoped"
			for _, c := range g.Customers {
				scopes = append(scopes, []string{casbinGroup(g.ID), "in_scope", strconv.FormatInt(ds.CustomerID(c), 10)})
			}
		}
		for _, p := range g.Perms {
			if dom != "*" && !p.CustomerScoped() {
				continue // account-wide permissions count only from all-customers groups
			}
			perm := catalog.Get(p)
			policies = append(policies, []string{casbinGroup(g.ID), dom, perm.Area, perm.Action})
		}
	}
	for _, u := range ds.Users {
		if u.GlobalAdmin {
			members = append(members, []string{casbinUser(u.ID), "global_admin"})
		}
		for _, g := range u.Groups {
			members = append(members, []string{casbinUser(u.ID), casbinGroup(ds.Groups[g].ID)})
		}
	}
	return policies, scopes, members
}

// casbinRuleAdder is what loading needs of an enforcer, plain or cached.
type casbinRuleAdder interface {
	EnableAutoSave(bool)
	AddPolicies([][]string) (bool, error)
	AddNamedGroupingPolicies(string, [][]string) (bool, error)
}

func casbinLoad(e casbinRuleAdder, ds *gen.Dataset) (int, error) {
	e.EnableAutoSave(false)
	policies, scopes, members := casbinRules(ds)
	if _, err := e.AddPolicies(policies); err != nil {
		return 0, fmt.Errorf("casbin policies: %w", err)
	}
	if _, err := e.AddNamedGroupingPolicies("g", scopes); err != nil {
		return 0, fmt.Errorf("casbin scopes: %w", err)
	}
	if _, err := e.AddNamedGroupingPolicies("g2", members); err != nil {
		return 0, fmt.Errorf("casbin memberships: %w", err)
	}
	return len(policies) + len(scopes) + len(members), nil
}

func (c *casbinEngine) check(userID int64, p catalog.Perm, customer int64) (bool, error) {
	perm := catalog.Get(p)
	return c.e.Enforce(casbinUser(userID), strconv.FormatInt(customer, 10), perm.Area, perm.Action)
}

// listAssets is how an application lists with Casbin, which knows
// nothing of assets: ask for each customer, then collect the assets of
// the allowed ones.
func (c *casbinEngine) listAssets(userID int64, byCustomer [][]int32) ([]int64, error) {
	reqs := make([][]any, len(c.ds.Customers))
	for i := range c.ds.Customers {
		reqs[i] = []any{casbinUser(userID), strconv.FormatInt(c.ds.Customers[i].ID, 10), "assets", "view"}
	}
	ok, err := c.e.BatchEnforce(reqs)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for i, allowed := range ok {
		if allowed {
			for _, a := range byCustomer[i] {
				ids = append(ids, c.ds.AssetBase+int64(a)+1)
			}
		}
	}
	return ids, nil
}
