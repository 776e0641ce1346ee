package httpapi_test

import (
	"strings"
	"testing"

	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb/dbtest"
)

func TestOpenAPIDescribesEveryRouteWithItsPermission(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			OperationID string         `json:"operationId"`
			Permission  string         `json:"x-permission"`
			Security    []any          `json:"security"`
			Responses   map[string]any `json:"responses"`
		}
		Components struct {
			Schemas map[string]any
		}
	}
	w.want(200, "", "GET", "/api/v1/openapi.json", nil, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	ids := map[string]bool{}
	for _, rt := range httpapi.New(nil, nil, nil, fastHash).Routes() {
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
	for _, name := range []string{"Problem", "Asset", "AssetCreate", "AssetUpdate", "Credential", "Invoice"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
}
