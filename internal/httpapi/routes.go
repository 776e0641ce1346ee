package httpapi

import (
	"gatehouse/internal/authz"
	"gatehouse/internal/records"
)

// Route is one entry of the API's route table: the pattern, the
// permission it needs, its handler, and its Doc — what the OpenAPI
// document says of it, and the body and format rules the server holds
// requests to. A new route names its request and response types there.
type Route struct {
	Pattern string // method and path, as http.ServeMux reads it
	Need    authz.Requirement
	handle  handlerFunc
	Doc     Doc
}

func need(perm string) authz.Requirement { return authz.Requirement{Permission: perm} }

func needAll(perm string) authz.Requirement {
	return authz.Requirement{Permission: perm, AllCustomers: true}
}

// Routes returns the route table; tests walk it.
func (s *Server) Routes() []Route { return s.routes() }

func (s *Server) routes() []Route {
	routes := append(s.foundationRoutes(), s.accessRoutes()...)
	routes = append(routes, s.identityRoutes()...)
	return append(routes, s.moduleRoutes()...)
}

func (s *Server) foundationRoutes() []Route {
	return []Route{
		{"GET /healthz", need(authz.Public), s.healthz, Doc{Summary: "Liveness: the process answers", Reply: statusJSON{}}},
		{"GET /readyz", need(authz.Public), s.readyz, Doc{Summary: "Readiness: the database answers and takes writes",
			Reply: statusJSON{}, Also: map[int]any{503: statusJSON{}}}},
		{"GET /metrics", need(authz.Public), s.metrics, Doc{Summary: "Prometheus metrics",
			Reply: media{"text/plain", "the Prometheus text exposition format"}}},
		{"GET /api/v1/openapi.json", need(authz.Public), s.serveOpenAPI, Doc{Summary: "This OpenAPI document",
			Reply: anyObject{"an OpenAPI 3.0 document"}}},
		{"POST /api/v1/auth/login", need(authz.Public), s.login, Doc{
			Summary: "Sign in with email and password; a user with a second factor gets mfa_required and a challenge instead of a token",
			Body:    loginRequest{}, Reply: loginResponse{}, SignIn: true}},
		{"POST /api/v1/auth/logout", enrol(authz.SignedIn), s.logout, Doc{Summary: "Sign out: revoke the token of this request"}},
		{"GET /api/v1/me", enrol(authz.SignedIn), s.me, Doc{Summary: "The caller, with their effective permissions and scopes", Reply: meJSON{}}},
		{"GET /api/v1/me/tokens", need(authz.SignedIn), s.listTokens, Doc{Summary: "List the caller's personal API tokens", Reply: list[tokenJSON]{}}},
		{"POST /api/v1/me/tokens", need("api_tokens.manage"), s.createToken, Doc{Summary: "Create a personal API token (shown once)",
			Body: createTokenRequest{}, Reply: tokenJSON{}, Created: true}},
		{"DELETE /api/v1/me/tokens/{id}", need(authz.SignedIn), s.deleteToken, Doc{Summary: "Revoke one of the caller's tokens"}},
		{"GET /api/v1/permissions", need(authz.SignedIn), s.listPermissions, Doc{Summary: "The permission catalog", Reply: catalogJSON{}}},
		{"GET /api/v1/api-clients", need("api_clients.manage"), s.listAPIClients, Doc{
			Summary: "List the account's API clients: other tools' credentials for the decision API", Reply: list[apiClientJSON]{}}},
		{"POST /api/v1/api-clients", need("api_clients.manage"), s.createAPIClient, Doc{
			Summary: "Create an API client (its secret is shown once)", Body: createAPIClientRequest{}, Reply: apiClientJSON{}, Created: true}},
		{"DELETE /api/v1/api-clients/{id}", need("api_clients.manage"), s.revokeAPIClient, Doc{
			Summary: "Revoke an API client, at once on every instance"}},

		{"GET /api/v1/customers", need("customers.view"), s.listCustomers, Doc{Summary: "List customers in the caller's scope",
			Reply: list[customerJSON]{}, Query: listQuery, CSV: true}},
		{"POST /api/v1/customers", needAll("customers.create"), s.createCustomer, Doc{Summary: "Create a customer",
			Body: requires(customerRequest{}, "CustomerCreate", "name"), Reply: customerJSON{}, Created: true}},
		{"GET /api/v1/customers/{id}", need("customers.view"), s.getCustomer, Doc{Summary: "Get a customer", Reply: customerJSON{}}},
		{"PATCH /api/v1/customers/{id}", need("customers.edit"), s.updateCustomer, Doc{Summary: "Update a customer: only the members sent change",
			Body: customerRequest{}, Reply: customerJSON{}}},
		{"DELETE /api/v1/customers/{id}", need("customers.delete"), s.deleteCustomer, Doc{
			Summary: "Delete a customer with its records; one with invoices or payments is archived instead", Preview: true}},
		{"POST /api/v1/customers/{id}/archive", need("customers.delete"), s.archiveCustomer, Doc{
			Summary: "Archive a customer: out of lists and every select-customers group's reach, records kept", Reply: customerJSON{}, Preview: true}},
		{"POST /api/v1/customers/{id}/unarchive", need("customers.delete"), s.unarchiveCustomer, Doc{
			Summary: "Bring an archived customer back", Reply: customerJSON{}, Preview: true}},
		{"GET /api/v1/customers/{id}/security-groups", need("security_groups.view"), s.getCustomerGroups, Doc{
			Summary: "The security groups that list a customer", Reply: customerGroupsJSON{}}},
		{"PUT /api/v1/customers/{id}/security-groups", need("security_groups.manage"), s.setCustomerGroups, Doc{
			Summary: "Set the security groups that list a customer", Body: customerGroupsJSON{}, Reply: customerGroupsJSON{}, Preview: true}},

		{"GET /api/v1/security-groups", need("security_groups.view"), s.listGroups, Doc{Summary: "List security groups",
			Reply: list[groupJSON]{}, Query: listQuery, CSV: true}},
		{"POST /api/v1/security-groups", need("security_groups.manage"), s.createGroup, Doc{Summary: "Create a security group",
			Body: createGroupRequest{}, Reply: groupJSON{}, Created: true, Preview: true}},
		{"GET /api/v1/security-groups/{id}", need("security_groups.view"), s.getGroup, Doc{Summary: "Get a security group", Reply: groupJSON{}}},
		{"PATCH /api/v1/security-groups/{id}", need("security_groups.manage"), s.updateGroup, Doc{
			Summary: "Update a security group: only the members sent change", Body: updateGroupRequest{}, Reply: groupJSON{}, Preview: true}},
		{"DELETE /api/v1/security-groups/{id}", need("security_groups.manage"), s.deleteGroup, Doc{
			Summary: "Delete a security group; answers who lost access", Reply: impactJSON{}, Preview: true}},
		{"POST /api/v1/security-groups/{id}/copy", need("security_groups.manage"), s.copyGroup, Doc{
			Summary: "Copy a security group under a new name", Body: copyGroupRequest{}, Reply: groupJSON{}, Created: true}},
		{"GET /api/v1/security-groups/{id}/impact", need("security_groups.view"), s.groupImpact, Doc{
			Summary: "Who would lose what if the group were deleted", Reply: impactJSON{}}},

		{"GET /api/v1/users", need("users.view"), s.listUsers, Doc{Summary: "List users", Reply: list[userJSON]{}, Query: listQuery, CSV: true}},
		{"POST /api/v1/users", need("users.manage"), s.createUser, Doc{Summary: "Create a user",
			Body: createUserRequest{}, Reply: userJSON{}, Created: true, Preview: true}},
		{"GET /api/v1/users/{id}", need("users.view"), s.getUser, Doc{Summary: "Get a user", Reply: userJSON{}}},
		{"PATCH /api/v1/users/{id}", need("users.manage"), s.updateUser, Doc{Summary: "Update a user: only the members sent change",
			Body: updateUserRequest{}, Reply: userJSON{}, Preview: true}},
		{"DELETE /api/v1/users/{id}", need("users.manage"), s.deleteUser, Doc{Summary: "Delete a user", Preview: true}},
		{"GET /api/v1/users/{id}/tokens", need("users.manage"), s.listUserTokens, Doc{
			Summary: "List a user's API tokens, for a holder of users.manage over them", Reply: list[tokenJSON]{}}},
		{"DELETE /api/v1/users/{id}/tokens/{token_id}", need("users.manage"), s.revokeUserToken, Doc{
			Summary: "Revoke one of a user's API tokens"}},
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
		{"GET /api/v1/search", need(authz.SignedIn), s.search, Doc{ // each module within its own view reach
			Summary: "Search every module the caller can view", Reply: list[hitJSON]{}, CSV: true,
			Query: []Param{{Name: "q", Required: true, Doc: "1 to 100 characters to look for", Example: "acme"}}}},
		{"GET /api/v1/reports/summary", need("reports.view"), s.reportSummary, Doc{
			Summary: "Per-customer counts and totals", Reply: summaryJSON{}, CSV: true}},
		{"POST /api/v1/alerts/{id}/clear", need("alerts.manage"), s.clearAlert, Doc{Summary: "Clear an alert", Reply: moduleRecord{modAlerts}}},
		{"GET /api/v1/tickets/{id}/comments", need("tickets.view"), comments.list, Doc{
			Summary: "List a ticket's comments, oldest first", Reply: list[noteJSON]{}, Query: pageQuery}},
		{"POST /api/v1/tickets/{id}/comments", need("tickets.edit"), comments.add, Doc{
			Summary: "Comment on a ticket", Body: noteRequest{}, Reply: noteJSON{}, Created: true}},
		{"POST /api/v1/scripts/{id}/runs", need("scripts.run"), s.runScript, Doc{
			Summary: "Run a script on an asset", Body: runRequest{}, Reply: moduleRecord{modScriptRuns}, Created: true}},
		{"GET /api/v1/script-runs/{id}/output", need("script_runs.view_output"), s.scriptRunOutput, Doc{
			Summary: "A script run's output", Reply: runOutputJSON{}}},
		{"PUT /api/v1/assets/{id}/policy", need("policies.assign"), s.setAssetPolicy, Doc{
			Summary: "Assign a policy to an asset (null: none)", Body: assetPolicyRequest{}, Reply: moduleRecord{modAssets}}},
		{"GET /api/v1/policies/{id}/customers", need("policies.view"), s.policyCustomers, Doc{
			Summary: "The customers (in scope) a policy is assigned to", Reply: policyCustomersJSON{}}},
		{"PUT /api/v1/policies/{id}/customers/{customer_id}", need("policies.assign"), s.assignPolicy, Doc{
			Summary: "Assign a policy to a customer"}},
		{"DELETE /api/v1/policies/{id}/customers/{customer_id}", need("policies.assign"), s.unassignPolicy, Doc{
			Summary: "Unassign a policy from a customer"}},
		{"GET /api/v1/credentials/{id}/secret", need("credentials.reveal"), s.revealSecret, Doc{
			Summary: "Reveal a credential's secret (audited)", Reply: secretJSON{}}},
		{"GET /api/v1/chats/{id}/messages", need("chat.view_all"), messages.list, Doc{
			Summary: "List a chat's messages, oldest first", Reply: list[noteJSON]{}, Query: pageQuery}},
		{"POST /api/v1/chats/{id}/messages", need("chat.use"), messages.add, Doc{
			Summary: "Post a message to a chat", Body: noteRequest{}, Reply: noteJSON{}, Created: true}},
		{"GET /api/v1/campaigns/{id}/recipients", need("mailer.view"), s.campaignRecipients, Doc{
			Summary: "Who the campaign would reach for the caller", Reply: list[recipientJSON]{}}},
		{"POST /api/v1/campaigns/{id}/send", need("mailer.send"), s.sendCampaign, Doc{
			Summary: "Queue a campaign's mail, once", Reply: moduleRecord{modCampaigns}}},
		{"POST /api/v1/leads/{id}/convert", need("leads.convert"), s.convertLead, Doc{
			Summary: "Convert a lead into a customer's won lead", Reply: leadConversionJSON{}}},
		{"POST /api/v1/estimates/{id}/convert", need("invoices.create"), s.convertEstimate, Doc{ // the estimate in view
			Summary: "Convert an estimate into a draft invoice", Body: estimateConversionRequest{}, Reply: moduleRecord{modInvoices}, Created: true}},
	}, s.recordRoutes()...)
}
