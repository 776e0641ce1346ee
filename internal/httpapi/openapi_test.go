package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb/dbtest"
)

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	Summary     string         `json:"summary"`
	OperationID string         `json:"operationId"`
	Permission  string         `json:"x-permission"`
	Security    []any          `json:"security"`
	Responses   map[string]any `json:"responses"`
	RequestBody *struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Parameters []struct {
		Name   string         `json:"name"`
		Schema map[string]any `json:"schema"`
	} `json:"parameters"`
}

func TestOpenAPIDescribesEveryRouteWithItsPermission(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	var doc openAPIDoc
	w.want(200, "", "GET", "/api/v1/openapi.json", nil, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") || len(doc.Servers) == 0 {
		t.Fatalf("openapi %q, servers %v", doc.OpenAPI, doc.Servers)
	}
	ids := map[string]bool{}
	for _, rt := range httpapi.New(nil, nil, nil, nil).Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not in the document", rt.Pattern)
			continue
		}
		if op.Permission != rt.Need.Permission || len(op.Responses) == 0 {
			t.Errorf("%s: x-permission %q, want %q", rt.Pattern, op.Permission, rt.Need.Permission)
		}
		if (rt.Need.Permission == "public") != (len(op.Security) == 0) {
			t.Errorf("%s: security %v does not match %q", rt.Pattern, op.Security, rt.Need.Permission)
		}
		if ids[op.OperationID] {
			t.Errorf("operationId %q repeats", op.OperationID)
		}
		ids[op.OperationID] = true
	}
	for _, name := range []string{"Problem", "Asset", "AssetCreate", "AssetUpdate", "Credential", "Invoice", "Customer", "CustomerCreate"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
}

// Every body is described member by member: no bare "object", a
// summary that says what the operation does, limit an integer.
func TestOpenAPIDescribesEveryBodyMemberByMember(t *testing.T) {
	raw, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			if op.Summary == "" || strings.Contains(op.Summary, "/") {
				t.Errorf("%s: summary %q does not say what it does", where, op.Summary)
			}
			if op.RequestBody != nil {
				for _, c := range op.RequestBody.Content {
					checkDescribed(t, doc, where+" request", c.Schema)
				}
			}
			for status, r := range op.Responses {
				content, _ := r.(map[string]any)["content"].(map[string]any)
				if mt, ok := content["application/json"].(map[string]any); ok && path != "/api/v1/openapi.json" {
					checkDescribed(t, doc, where+" "+status, mt["schema"].(map[string]any))
				}
				if strings.HasPrefix(status, "4") || strings.HasPrefix(status, "5") {
					if ref, _ := r.(map[string]any)["$ref"].(string); ref == "" && path != "/readyz" {
						t.Errorf("%s %s: an error is not the shared problem+json response", where, status)
					}
				}
			}
			for _, p := range op.Parameters {
				if p.Name == "limit" && p.Schema["type"] != "integer" {
					t.Errorf("%s: limit is %v", where, p.Schema["type"])
				}
			}
		}
	}
}

// checkDescribed fails on an object schema with no members named (but
// one described as free-form), and on a member with no type.
func checkDescribed(t *testing.T, doc openAPIDoc, where string, s map[string]any) {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		s = doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	if all, ok := s["allOf"].([]any); ok {
		s = all[0].(map[string]any)
		checkDescribed(t, doc, where, s)
		return
	}
	if alts, ok := s["anyOf"].([]any); ok { // a preview or the resource
		for i, alt := range alts {
			checkDescribed(t, doc, fmt.Sprintf("%s (alternative %d)", where, i+1), alt.(map[string]any))
		}
		return
	}
	switch s["type"] {
	case "object":
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		freeForm := s["additionalProperties"] == true && s["description"] != nil // documented as any JSON object
		if len(props) == 0 && extra == nil && !freeForm {
			t.Errorf("%s: a bare object %v", where, s)
		}
		for name, p := range props {
			ps := p.(map[string]any)
			if ps["type"] == nil && ps["$ref"] == nil && ps["allOf"] == nil {
				t.Errorf("%s: member %s has no type", where, name)
			}
			if ps["type"] == "object" || ps["type"] == "array" {
				checkDescribed(t, doc, where+"."+name, ps)
			}
		}
	case "array":
		checkDescribed(t, doc, where+"[]", s["items"].(map[string]any))
	case nil:
		t.Errorf("%s: no type in %v", where, s)
	}
}
