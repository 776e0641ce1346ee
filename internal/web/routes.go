package web

import (
	"slices"
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
)

// Route is one entry of the web admin's route table.
type Route struct {
	Pattern string // method and path, as http.ServeMux reads it
	Need    authz.Requirement
	// Also lists permissions that open the route besides Need: a module's
	// "view own" next to its "view all". The query's reach then decides
	// which records show.
	Also   []string
	handle handlerFunc
}

func need(perm string) authz.Requirement { return authz.Requirement{Permission: perm} }

func needAll(perm string) authz.Requirement {
	return authz.Requirement{Permission: perm, AllCustomers: true}
}

// Routes returns the route table; tests walk it.
func (s *Server) Routes() []Route { return s.routes() }

func (s *Server) routes() []Route {
	routes := append(s.adminRoutes(), s.accessRoutes()...)
	routes = append(routes, s.identityRoutes()...)
	routes = append(routes, s.moduleRoutes()...)
	routes = append(routes, s.calendarRoutes()...)
	return append(routes, s.moduleFormRoutes()...)
}

func (s *Server) adminRoutes() []Route {
	return []Route{
		{Pattern: "GET /static/{file}", Need: need(authz.Public), handle: s.serveStatic},
		{Pattern: "GET /signin", Need: need(authz.Public), handle: s.handleSignInForm},
		{Pattern: "POST /signin", Need: need(authz.Public), handle: s.handleSignIn},
		{Pattern: "POST /signout", Need: enrol(authz.SignedIn), handle: s.handleSignOut},
		{Pattern: "GET /{$}", Need: need(authz.SignedIn), handle: s.handleDashboard},

		{Pattern: "GET /customers", Need: need("customers.view"), handle: s.handleCustomerList},
		{Pattern: "GET /customers/search", Need: need("customers.view"), handle: s.handleCustomerSearch},
		{Pattern: "GET /customers/new", Need: needAll("customers.create"), handle: s.handleCustomerNew},
		{Pattern: "POST /customers", Need: needAll("customers.create"), handle: s.handleCustomerCreate},
		{Pattern: "GET /customers/{id}", Need: need("customers.view"), handle: s.handleCustomerShow},
		{Pattern: "GET /customers/{id}/edit", Need: need("customers.edit"), handle: s.handleCustomerEdit},
		{Pattern: "POST /customers/{id}", Need: need("customers.edit"), handle: s.handleCustomerUpdate},
		{Pattern: "GET /customers/{id}/security-groups", Need: need("security_groups.view"), handle: s.handleCustomerGroups},
		{Pattern: "POST /customers/{id}/security-groups", Need: need("security_groups.manage"), handle: s.handleCustomerGroupsUpdate},
		{Pattern: "GET /customers/{id}/delete", Need: need("customers.delete"), handle: s.handleCustomerDeleteConfirm},
		{Pattern: "POST /customers/{id}/delete", Need: need("customers.delete"), handle: s.handleCustomerDelete},
		{Pattern: "POST /customers/{id}/archive", Need: need("customers.delete"), handle: s.handleCustomerArchive},
		{Pattern: "POST /customers/{id}/unarchive", Need: need("customers.delete"), handle: s.handleCustomerUnarchive},

		{Pattern: "GET /security-groups", Need: need("security_groups.view"), handle: s.handleGroupList},
		{Pattern: "GET /security-groups/new", Need: need("security_groups.manage"), handle: s.handleGroupNew},
		{Pattern: "POST /security-groups", Need: need("security_groups.manage"), handle: s.handleGroupCreate},
		{Pattern: "GET /security-groups/{id}", Need: need("security_groups.view"), handle: s.handleGroupEdit},
		{Pattern: "POST /security-groups/{id}", Need: need("security_groups.manage"), handle: s.handleGroupUpdate},
		{Pattern: "POST /security-groups/{id}/copy", Need: need("security_groups.manage"), handle: s.handleGroupCopy},
		{Pattern: "GET /security-groups/{id}/delete", Need: need("security_groups.manage"), handle: s.handleGroupDeleteConfirm},
		{Pattern: "POST /security-groups/{id}/delete", Need: need("security_groups.manage"), handle: s.handleGroupDelete},

		{Pattern: "GET /users", Need: need("users.view"), handle: s.handleUserList},
		{Pattern: "GET /users/new", Need: need("users.manage"), handle: s.handleUserNew},
		{Pattern: "POST /users", Need: need("users.manage"), handle: s.handleUserCreate},
		{Pattern: "GET /users/{id}", Need: need("users.view"), handle: s.handleUserEdit},
		{Pattern: "POST /users/{id}", Need: need("users.manage"), handle: s.handleUserUpdate},
		{Pattern: "GET /users/{id}/delete", Need: need("users.manage"), handle: s.handleUserDeleteConfirm},
		{Pattern: "POST /users/{id}/tokens/{token_id}/revoke", Need: need("users.manage"), handle: s.handleUserTokenRevoke},
		{Pattern: "GET /tokens", Need: need(authz.SignedIn), handle: s.handleTokens},
		{Pattern: "POST /tokens", Need: need("api_tokens.manage"), handle: s.handleTokenCreate},
		{Pattern: "POST /tokens/{id}/revoke", Need: need(authz.SignedIn), handle: s.handleTokenRevoke},
		{Pattern: "POST /users/{id}/delete", Need: need("users.manage"), handle: s.handleUserDelete},
		{Pattern: "GET /api-clients", Need: need("api_clients.manage"), handle: s.handleAPIClients},
		{Pattern: "POST /api-clients", Need: need("api_clients.manage"), handle: s.handleAPIClientCreate},
		{Pattern: "POST /api-clients/{id}/revoke", Need: need("api_clients.manage"), handle: s.handleAPIClientRevoke},
	}
}

// navItem is one entry of the navigation bar.
type navItem struct {
	Label   string
	Path    string
	Current bool
}

// navEntry is a section the navigation can show, with the permissions
// any of which makes it appear.
type navEntry struct {
	Label, Path string
	Perms       []catalog.Perm
	Also        []string // other paths the section covers (the calendar's list)
}

// navEntries: customers, every module, then administration.
var navEntries = append(append([]navEntry{
	{"Customers", "/customers", []catalog.Perm{catalog.MustLookup("customers.view")}, nil},
}, moduleNav()...),
	navEntry{"Security groups", "/security-groups", []catalog.Perm{catalog.MustLookup("security_groups.view")}, nil},
	navEntry{"Users", "/users", []catalog.Perm{catalog.MustLookup("users.view")}, nil},
	navEntry{"Access map", "/access/map", []catalog.Perm{catalog.MustLookup("users.view")}, nil},
	navEntry{"Explain access", "/access/explain", []catalog.Perm{catalog.MustLookup("users.view")}, nil},
	navEntry{"Audit log", "/audit", []catalog.Perm{catalog.MustLookup("audit_log.view")}, nil},
	navEntry{"API clients", "/api-clients", []catalog.Perm{catalog.MustLookup("api_clients.manage")}, nil},
	navEntry{"Settings", "/settings", []catalog.Perm{catalog.MustLookup("settings.manage")}, nil},
)

// navFor lists the sections the caller holds, and only those.
func navFor(c *authz.Caller, path string) []navItem {
	var out []navItem
	if c.MustEnrol() {
		return nil // nothing else opens until a second factor is enrolled
	}
	for _, e := range navEntries {
		if slices.ContainsFunc(e.Perms, c.Grants.Holds) {
			out = append(out, navItem{Label: e.Label, Path: e.Path, Current: slices.ContainsFunc(append([]string{e.Path}, e.Also...), func(p string) bool {
				return path == p || strings.HasPrefix(path, p+"/")
			})})
		}
	}
	return out
}
