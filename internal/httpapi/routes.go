package httpapi

import (
	"gatehouse/internal/authz"
	"gatehouse/internal/records"
)

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
	routes := append(s.foundationRoutes(), s.accessRoutes()...)
	return append(routes, s.moduleRoutes()...)
}

func (s *Server) foundationRoutes() []Route {
	return []Route{
		{"GET /healthz", need(authz.Public), s.healthz},
		{"GET /readyz", need(authz.Public), s.readyz},
		{"GET /metrics", need(authz.Public), s.metrics},
		{"GET /api/v1/openapi.json", need(authz.Public), s.serveOpenAPI},
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

// moduleRoutes are the module records. Each module's list, detail,
// create, update and delete routes come from its description
// (recordRoutes), declaring the permission the description names; the
// special ones are listed here.
func (s *Server) moduleRoutes() []Route {
	comments := noteRoutes{s, records.TicketComments}
	messages := noteRoutes{s, records.ChatMessages}
	return append([]Route{
		{"GET /api/v1/search", need(authz.SignedIn), s.search}, // each module within its own view reach
		{"GET /api/v1/reports/summary", need("reports.view"), s.reportSummary},
		{"POST /api/v1/alerts/{id}/clear", need("alerts.manage"), s.clearAlert},
		{"GET /api/v1/tickets/{id}/comments", need("tickets.view"), comments.list},
		{"POST /api/v1/tickets/{id}/comments", need("tickets.edit"), comments.add},
		{"POST /api/v1/scripts/{id}/runs", need("scripts.run"), s.runScript},
		{"GET /api/v1/script-runs/{id}/output", need("script_runs.view_output"), s.scriptRunOutput},
		{"PUT /api/v1/assets/{id}/policy", need("policies.assign"), s.setAssetPolicy},
		{"GET /api/v1/policies/{id}/customers", need("policies.view"), s.policyCustomers},
		{"PUT /api/v1/policies/{id}/customers/{customer_id}", need("policies.assign"), s.assignPolicy},
		{"DELETE /api/v1/policies/{id}/customers/{customer_id}", need("policies.assign"), s.unassignPolicy},
		{"GET /api/v1/credentials/{id}/secret", need("credentials.reveal"), s.revealSecret},
		{"GET /api/v1/chats/{id}/messages", need("chat.view_all"), messages.list},
		{"POST /api/v1/chats/{id}/messages", need("chat.use"), messages.add},
		{"GET /api/v1/campaigns/{id}/recipients", need("mailer.view"), s.campaignRecipients},
		{"POST /api/v1/campaigns/{id}/send", need("mailer.send"), s.sendCampaign},
		{"POST /api/v1/leads/{id}/convert", need("leads.convert"), s.convertLead},
		{"POST /api/v1/estimates/{id}/convert", need("invoices.create"), s.convertEstimate}, // estimate in view
	}, s.recordRoutes()...)
}
