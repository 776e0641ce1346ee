package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"gatehouse/internal/authz"
)

// The OpenAPI document is generated from the route table — each route's
// permission and Doc — and from the Go types the handlers read and
// write, so it cannot drift from what the server does; the tests hold
// every request they send and every response they get to it.

// Doc is what the OpenAPI document says of a route. The server holds
// requests to it too: a route without a Body refuses one, a route with
// a Body takes application/json only, and format= must be one the route
// answers in.
type Doc struct {
	Summary string
	// Body is the request body: a value of its type, such as
	// customerRequest{}; nil for a route that takes none.
	Body any
	// Reply is the success response: a value of its type, such as
	// customerJSON{} or list[customerJSON]{}; nil for 204 No Content.
	Reply any
	// Created makes the success status 201.
	Created bool
	// Query lists the query parameters the route reads.
	Query []Param
	// CSV: format=csv answers the same data as a text/csv download.
	CSV bool
	// SignIn: wrong credentials answer 401 and repeated failures 429.
	SignIn bool
	// Also holds responses with their own bodies, by status (the 503 of
	// /readyz), in place of the problem every route may answer.
	Also map[int]any
	// Preview: an access change that takes dry_run (answering 200 with
	// who gains and who loses what, writing nothing) and confirm.
	Preview bool
}

// Param is a query parameter.
type Param struct {
	Name, Doc string
	Type      string // "string" (the default), "integer" or "boolean"
	Format    string // e.g. "date-time"
	Enum      []string
	Min, Max  int // bounds of an integer, when Max > 0
	Required  bool
	Example   any
}

// The query parameters lists share.
var (
	qParam      = Param{Name: "q", Doc: "case-insensitive text to look for", Example: "acme"}
	cursorParam = Param{Name: "cursor", Doc: "the next_cursor of the previous page"}
	limitParam  = Param{Name: "limit", Type: "integer", Min: 1, Max: 500, Doc: "page size (default 50)", Example: 50}
	listQuery   = []Param{qParam, cursorParam, limitParam}
	// previewQuery are the parameters of an access change.
	previewQuery = []Param{
		{Name: "dry_run", Type: "boolean", Doc: "true answers who gains and who loses what, and writes nothing", Example: true},
		{Name: "confirm", Doc: "the digest of a preview: apply only if the change's effect is still the one previewed"},
	}
	pageQuery = []Param{cursorParam, limitParam}
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI is the document, as served at /api/v1/openapi.json.
func (s *Server) OpenAPI() ([]byte, error) {
	return json.MarshalIndent(s.openAPI(), "", "  ")
}

func (s *Server) openAPI() map[string]any {
	g := newSchemaGen()
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = g.operation(method, path, rt)
	}
	g.body(Problem{}, inResponse)
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "Gatehouse API",
			"version": "1",
			"description": "Access control for MSP platforms. Every operation declares the permission it needs " +
				"(x-permission); records outside the caller's customer scope answer 404 like missing ones, " +
				"an area not granted at all answers 403. IDs are strings of digits. Request bodies are " +
				"application/json (UTF-8, no duplicate members, at most 1 MiB); errors are application/problem+json. " +
				"When the database cannot be reached or written, every operation answers 503 with Retry-After.",
		},
		"servers": []any{map[string]any{"url": "/", "description": "the server that serves this document"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "a token from POST /api/v1/auth/login or POST /api/v1/me/tokens"}},
			"schemas":   g.components,
			"responses": problemResponses(),
		},
	}
}

func (g *schemaGen) operation(method, path string, rt Route) map[string]any {
	d := rt.Doc
	op := map[string]any{
		"summary":         d.Summary,
		"description":     permissionText(rt),
		"operationId":     operationID(method, path),
		"x-permission":    rt.Need.Permission,
		"x-all-customers": rt.Need.AllCustomers,
		"x-step-up":       rt.Need.NeedsStepUp(),
		"responses":       g.responses(method, rt),
		"tags":            []string{tag(path)},
	}
	if also := rt.AlsoOpens(); len(also) > 0 {
		op["x-also-permissions"] = also
	}
	if rt.Need.Permission == authz.Public {
		op["security"] = []any{}
	} else {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": idSchema(),
			"description": "an id; one that is malformed, missing or out of scope answers 404"})
	}
	query := d.Query
	if d.Preview {
		query = append(query, previewQuery...)
	}
	for _, p := range query {
		params = append(params, p.openAPI())
	}
	if d.CSV {
		params = append(params, Param{Name: "format", Enum: []string{"json", "csv"}, Doc: "csv answers a text/csv download of every page", Example: "csv"}.openAPI())
	}
	if params != nil {
		op["parameters"] = params
	}
	if d.Body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": jsonContent(g.body(d.Body, inRequest))}
	}
	return op
}

func (p Param) openAPI() map[string]any {
	s := map[string]any{"type": "string"}
	if p.Type != "" {
		s["type"] = p.Type
	}
	if p.Format != "" {
		s["format"] = p.Format
	}
	if p.Enum != nil {
		s["enum"] = p.Enum
	}
	if p.Max > 0 {
		s["minimum"], s["maximum"] = p.Min, p.Max
	}
	if p.Example != nil {
		s["example"] = p.Example
	}
	return map[string]any{"name": p.Name, "in": "query", "required": p.Required, "description": p.Doc, "schema": s}
}

// responses are the route's success response and every problem it may
// answer.
func (g *schemaGen) responses(method string, rt Route) map[string]any {
	d := rt.Doc
	out := map[string]any{}
	switch {
	case d.Reply == nil:
		out["204"] = map[string]any{"description": "done; no content"}
	default:
		status := "200"
		if d.Created {
			status = "201"
		}
		content := g.content(d.Reply)
		if d.CSV {
			content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string", "description": "a header row, then one row per item"}}
		}
		out[status] = map[string]any{"description": "success", "content": content}
	}
	statuses := []int{400, 404, 500, 503}
	if rt.Need.Permission != authz.Public {
		statuses = append(statuses, 401, 403)
	}
	if method != "GET" {
		statuses = append(statuses, 409)
	}
	if d.Body != nil {
		statuses = append(statuses, 413, 415)
	}
	if d.SignIn {
		statuses = append(statuses, 401, 403, 429) // 403: a sign-in this account allows only through its identity provider
	}
	for _, st := range statuses {
		out[fmt.Sprint(st)] = map[string]any{"$ref": "#/components/responses/" + problemNames[st]}
	}
	for st, body := range d.Also {
		out[fmt.Sprint(st)] = map[string]any{"description": http.StatusText(st), "content": g.content(body)}
	}
	if d.Preview {
		preview := g.body(previewJSON{}, inResponse)
		if ok, isOK := out["200"].(map[string]any); isOK {
			schema := ok["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
			ok["content"] = jsonContent(map[string]any{"anyOf": []any{schema, preview}})
			ok["description"] = "success; with dry_run=true, the preview"
		} else {
			out["200"] = map[string]any{"description": "with dry_run=true: who gains and who loses what", "content": jsonContent(preview)}
		}
	}
	return out
}

func (g *schemaGen) content(body any) map[string]any {
	if m, ok := body.(media); ok {
		return map[string]any{m.Type: map[string]any{"schema": map[string]any{"type": "string", "description": m.Description}}}
	}
	return jsonContent(g.body(body, inResponse))
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// problemNames name the shared problem responses by status.
var problemNames = map[int]string{
	400: "Invalid", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict",
	413: "TooLarge", 415: "MediaType", 429: "TooMany", 500: "Internal", 503: "Unavailable",
}

func problemResponses() map[string]any {
	texts := map[int]string{
		400: "bad input: field names the (first) culprit, errors lists every one",
		401: "no or bad credentials; code step_up_required: present a second factor again (POST /api/v1/auth/step-up)",
		403: "the area is not granted at all, or the change would grant what the caller does not hold; code mfa_enrolment_required: enrol a second factor first",
		404: "missing, or outside the caller's scope (the two read the same)",
		405: "the path does not take this method; Allow lists those it takes",
		409: "the change would break an invariant",
		413: "the body is over the 1 MiB limit",
		415: "the body is not Content-Type: application/json",
		429: "too many failed sign-ins; the detail says until when",
		500: "an internal error; logged, never described",
		503: "the database cannot be reached or written; retry after Retry-After seconds",
	}
	out := map[string]any{}
	for st, name := range problemNames {
		r := map[string]any{"description": texts[st],
			"content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}}
		if st == 503 {
			r["headers"] = map[string]any{"Retry-After": map[string]any{"description": "seconds to wait", "schema": map[string]any{"type": "integer"}}}
		}
		out[name] = r
	}
	return out
}

// permissionText says in words what the route needs.
func permissionText(rt Route) string {
	text := needText(rt)
	if rt.Need.NeedsStepUp() {
		text += " A sign-in session whose user has a second factor must have presented it within the account's step-up window " +
			"(else 401 with code step_up_required; POST /api/v1/auth/step-up)."
	}
	return text
}

func needText(rt Route) string {
	switch rt.Need.Permission {
	case authz.Public:
		return "Public: no token needed."
	case authz.SignedIn:
		return "Any signed-in user."
	}
	text := "Needs `" + rt.Need.Permission + "`"
	if also := rt.AlsoOpens(); len(also) > 0 {
		text += " (or `" + strings.Join(also, "`, `") + "`)"
	}
	if rt.Need.AllCustomers {
		text += " for all customers"
	}
	return text + "; records outside the caller's scope answer 404."
}

func tag(path string) string {
	if !strings.HasPrefix(path, "/api/v1/") {
		return "operations"
	}
	return strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")[0]
}

func operationID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/") {
		seg = strings.NewReplacer("{", "by_", "}", "", "-", "_", ".", "_").Replace(seg)
		if seg != "" {
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "_")
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	return writeJSON(w, http.StatusOK, s.openAPI())
}
