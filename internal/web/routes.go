package web

import (
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
)

// Route is one entry of the web admin's route table.
type Route struct {
	Pattern string // method and path, as http.ServeMux reads it
	Need    authz.Requirement
	handle  handlerFunc
}

func need(perm string) authz.Requirement { return authz.Requirement{Permission: perm} }

func needAll(perm string) authz.Requirement {
	return authz.Requirement{Permission: perm, AllCustomers: true}
}

// Routes returns the route table; tests walk it.
func (s *Server) Routes() []Route { return s.routes() }

func (s *Server) routes() []Route {
	return []Route{
		{"GET /static/{file}", need(authz.Public), s.serveStatic},
		{"GET /signin", need(authz.Public), s.handleSignInForm},
		{"POST /signin", need(authz.Public), s.handleSignIn},
		{"POST /signout", need(authz.SignedIn), s.handleSignOut},
		{"GET /{$}", need(authz.SignedIn), s.handleHome},

		{"GET /customers", need("customers.view"), s.handleCustomerList},
		{"GET /customers/search", need("customers.view"), s.handleCustomerSearch},
		{"GET /customers/new", needAll("customers.create"), s.handleCustomerNew},
		{"POST /customers", needAll("customers.create"), s.handleCustomerCreate},
		{"GET /customers/{id}", need("customers.view"), s.handleCustomerShow},
		{"GET /customers/{id}/edit", need("customers.edit"), s.handleCustomerEdit},
		{"POST /customers/{id}", need("customers.edit"), s.handleCustomerUpdate},
		{"POST /customers/{id}/security-groups", need("security_groups.manage"), s.handleCustomerGroupsUpdate},
		{"GET /customers/{id}/delete", need("customers.delete"), s.handleCustomerDeleteConfirm},
		{"POST /customers/{id}/delete", need("customers.delete"), s.handleCustomerDelete},

		{"GET /security-groups", need("security_groups.view"), s.handleGroupList},
		{"GET /security-groups/new", need("security_groups.manage"), s.handleGroupNew},
		{"POST /security-groups", need("security_groups.manage"), s.handleGroupCreate},
		{"GET /security-groups/{id}", need("security_groups.view"), s.handleGroupEdit},
		{"POST /security-groups/{id}", need("security_groups.manage"), s.handleGroupUpdate},
		{"POST /security-groups/{id}/copy", need("security_groups.manage"), s.handleGroupCopy},
		{"GET /security-groups/{id}/delete", need("security_groups.manage"), s.handleGroupDeleteConfirm},
		{"POST /security-groups/{id}/delete", need("security_groups.manage"), s.handleGroupDelete},

		{"GET /users", need("users.view"), s.handleUserList},
		{"GET /users/new", need("users.manage"), s.handleUserNew},
		{"POST /users", need("users.manage"), s.handleUserCreate},
		{"GET /users/{id}", need("users.view"), s.handleUserEdit},
		{"POST /users/{id}", need("users.manage"), s.handleUserUpdate},
	}
}

// navItem is one entry of the navigation bar.
type navItem struct {
	Label   string
	Path    string
	Current bool
}

// navEntries are the sections the navigation can show, each with the
// permission that makes it appear.
var navEntries = []struct {
	Label, Path string
	Perm        catalog.Perm
}{
	{"Customers", "/customers", catalog.MustLookup("customers.view")},
	{"Security groups", "/security-groups", catalog.MustLookup("security_groups.view")},
	{"Users", "/users", catalog.MustLookup("users.view")},
}

// navFor lists the sections the caller holds, and only those.
func navFor(c *authz.Caller, path string) []navItem {
	var out []navItem
	for _, e := range navEntries {
		if c.Grants.Holds(e.Perm) {
			out = append(out, navItem{Label: e.Label, Path: e.Path, Current: path == e.Path || strings.HasPrefix(path, e.Path+"/")})
		}
	}
	return out
}
