package httpapi

import "gatehouse/internal/authz"

// Route is one entry of the API's route table.
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
	return append(s.foundationRoutes(), s.accessRoutes()...)
}

func (s *Server) foundationRoutes() []Route {
	return []Route{
		{"GET /healthz", need(authz.Public), s.healthz},
		{"GET /readyz", need(authz.Public), s.readyz},
		{"POST /api/v1/auth/login", need(authz.Public), s.login},
		{"POST /api/v1/auth/logout", need(authz.SignedIn), s.logout},
		{"GET /api/v1/me", need(authz.SignedIn), s.me},
		{"GET /api/v1/me/tokens", need(authz.SignedIn), s.listTokens},
		{"POST /api/v1/me/tokens", need(authz.SignedIn), s.createToken},
		{"DELETE /api/v1/me/tokens/{id}", need(authz.SignedIn), s.deleteToken},
		{"GET /api/v1/permissions", need(authz.SignedIn), s.listPermissions},

		{"GET /api/v1/customers", need("customers.view"), s.listCustomers},
		{"POST /api/v1/customers", needAll("customers.create"), s.createCustomer},
		{"GET /api/v1/customers/{id}", need("customers.view"), s.getCustomer},
		{"PATCH /api/v1/customers/{id}", need("customers.edit"), s.updateCustomer},
		{"DELETE /api/v1/customers/{id}", need("customers.delete"), s.deleteCustomer},
		{"GET /api/v1/customers/{id}/security-groups", need("security_groups.view"), s.getCustomerGroups},
		{"PUT /api/v1/customers/{id}/security-groups", need("security_groups.manage"), s.setCustomerGroups},

		{"GET /api/v1/security-groups", need("security_groups.view"), s.listGroups},
		{"POST /api/v1/security-groups", need("security_groups.manage"), s.createGroup},
		{"GET /api/v1/security-groups/{id}", need("security_groups.view"), s.getGroup},
		{"PATCH /api/v1/security-groups/{id}", need("security_groups.manage"), s.updateGroup},
		{"DELETE /api/v1/security-groups/{id}", need("security_groups.manage"), s.deleteGroup},
		{"POST /api/v1/security-groups/{id}/copy", need("security_groups.manage"), s.copyGroup},
		{"GET /api/v1/security-groups/{id}/impact", need("security_groups.view"), s.groupImpact},

		{"GET /api/v1/users", need("users.view"), s.listUsers},
		{"POST /api/v1/users", need("users.manage"), s.createUser},
		{"GET /api/v1/users/{id}", need("users.view"), s.getUser},
		{"PATCH /api/v1/users/{id}", need("users.manage"), s.updateUser},
		{"DELETE /api/v1/users/{id}", need("users.manage"), s.deleteUser},
	}
}
