package httpapi

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/records"
)

// The OpenAPI document is generated from the route table and the module
// descriptions, so it cannot drift from what the server does: every
// operation names the permission its route declares (x-permission).

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI builds the document once per request; it is small.
func (s *Server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = operation(method, path, rt)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Gatehouse API",
			"version": "1",
			"description": "Access control for MSP platforms. Every operation declares the permission it needs " +
				"(x-permission); records outside the caller's customer scope answer 404 like missing ones, " +
				"an area not granted at all answers 403.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas(),
		},
	}
}

func operation(method, path string, rt Route) map[string]any {
	op := map[string]any{
		"summary":         method + " " + path,
		"operationId":     operationID(method, path),
		"x-permission":    rt.Need.Permission,
		"responses":       responses(method, path, rt),
		"tags":            []string{tag(path)},
		"x-all-customers": rt.Need.AllCustomers,
	}
	if rt.Need.Permission == authz.Public {
		op["security"] = []any{}
	} else {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if method == "GET" && !pathParam.MatchString(lastSegment(path)) && strings.HasPrefix(path, "/api/v1/") {
		for _, q := range []string{"q", "cursor", "limit", "format"} {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
	}
	if params != nil {
		op["parameters"] = params
	}
	if m := moduleOf(path); m != nil && (method == "POST" || method == "PATCH") && isRecordPath(path, m) {
		op["requestBody"] = map[string]any{"required": true, "content": jsonContent(ref(schemaName(m) + "Input"))}
	} else if method == "POST" || method == "PATCH" || method == "PUT" {
		op["requestBody"] = map[string]any{"content": jsonContent(map[string]any{"type": "object"})}
	}
	return op
}

func responses(method, path string, rt Route) map[string]any {
	ok := "200"
	switch method {
	case "POST":
		ok = "201"
	case "DELETE":
		ok = "204"
	}
	body := map[string]any{"type": "object"}
	if m := moduleOf(path); m != nil && isRecordPath(path, m) {
		body = ref(schemaName(m))
		if method == "GET" && !strings.HasSuffix(path, "}") {
			body = map[string]any{"type": "object", "properties": map[string]any{
				"items": map[string]any{"type": "array", "items": ref(schemaName(m))}, "next_cursor": map[string]any{"type": []string{"string", "null"}}}}
		}
	}
	out := map[string]any{ok: map[string]any{"description": "success", "content": jsonContent(body)}}
	if ok == "204" {
		out[ok] = map[string]any{"description": "done"}
	}
	problem := map[string]any{"description": "a problem", "content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}}
	for _, code := range []string{"400", "404", "409"} {
		out[code] = problem
	}
	if rt.Need.Permission != authz.Public {
		out["401"], out["403"] = problem, problem
	}
	return out
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// moduleOf finds the module a path serves, if any.
func moduleOf(path string) *records.Module {
	seg := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")[0]
	m, _ := records.Lookup(seg)
	return m
}

// isRecordPath reports whether path is a module's list or record path
// (not a sub-resource such as /scripts/{id}/runs).
func isRecordPath(path string, m *records.Module) bool {
	base := "/api/v1/" + m.Key
	return path == base || path == base+"/{id}"
}

func lastSegment(path string) string { return path[strings.LastIndex(path, "/")+1:] }

func tag(path string) string {
	seg := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")[0]
	if !strings.HasPrefix(path, "/api/v1/") {
		return "operations"
	}
	return seg
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

func schemaName(m *records.Module) string {
	name := ""
	for _, w := range strings.FieldsFunc(m.Noun, func(r rune) bool { return r == ' ' || r == '_' }) {
		name += strings.ToUpper(w[:1]) + w[1:]
	}
	return name
}

// schemas are the problem shape and, per module, its record and input.
func schemas() map[string]any {
	out := map[string]any{
		"Problem": map[string]any{"type": "object", "required": []string{"type", "title", "status", "code"}, "properties": map[string]any{
			"type": str(), "title": str(), "status": map[string]any{"type": "integer"}, "detail": str(), "code": str(),
			"field": map[string]any{"type": "string", "description": "the input field at fault"}}},
	}
	for _, m := range records.All() {
		rec, in := moduleSchemas(m)
		out[schemaName(m)] = rec
		out[schemaName(m)+"Input"] = in
	}
	return out
}

func str() map[string]any { return map[string]any{"type": "string"} }

func moduleSchemas(m *records.Module) (record, input map[string]any) {
	props := map[string]any{"id": str(), "customer_id": map[string]any{"type": []string{"string", "null"}},
		"created_at": map[string]any{"type": "string", "format": "date-time"}, "updated_at": map[string]any{"type": "string", "format": "date-time"}}
	inProps := map[string]any{}
	var required []string
	if m.HasCustomerInput() {
		inProps["customer_id"] = map[string]any{"type": []string{"string", "null"}, "description": "the owning customer; fixed after creation"}
		if m.Ownership == records.CustomerRequired {
			required = append(required, "customer_id")
		}
	}
	for _, f := range m.Fields {
		props[f.Name] = fieldSchema(f)
		if f.ReadOnly {
			continue
		}
		inProps[f.Name] = fieldSchema(f)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	if m.Lines {
		line := map[string]any{"type": "object", "properties": map[string]any{"description": str(),
			"quantity": map[string]any{"type": "integer"}, "unit_price": map[string]any{"type": "integer", "description": "minor units"}}}
		props["lines"] = map[string]any{"type": "array", "items": line}
		inProps["lines"] = props["lines"]
	}
	if m.Secret {
		props["has_secret"] = map[string]any{"type": "boolean"}
		inProps["secret"] = map[string]any{"type": "string", "writeOnly": true, "description": "encrypted at rest; revealed only through its own audited route"}
	}
	sort.Strings(required)
	input = map[string]any{"type": "object", "additionalProperties": false, "properties": inProps}
	if len(required) > 0 {
		input["required"] = required
	}
	return map[string]any{"type": "object", "properties": props}, input
}

func fieldSchema(f records.Field) map[string]any {
	s := map[string]any{}
	switch f.Kind {
	case records.Int, records.Money:
		s["type"] = "integer"
		if f.Kind == records.Money {
			s["description"] = "integer minor units"
		}
	case records.Bool:
		s["type"] = "boolean"
	case records.Ref, records.UserRef:
		s["type"] = []string{"string", "null"}
		s["description"] = "an id"
	case records.Time:
		s["type"], s["format"] = []string{"string", "null"}, "date-time"
	case records.Date:
		s["type"], s["format"] = "string", "date"
	case records.JSONDoc:
		s["type"] = "object"
	case records.Enum:
		s["type"], s["enum"] = "string", f.Enum
	case records.Email:
		s["type"], s["format"] = "string", "email"
	default:
		s["type"] = "string"
		if f.Max > 0 {
			s["maxLength"] = f.Max
		}
	}
	if f.ReadOnly {
		s["readOnly"] = true
	}
	return s
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	return writeJSON(w, http.StatusOK, s.openAPI())
}
