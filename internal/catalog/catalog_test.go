package catalog

import "testing"

// The keys issue #2 names; the catalog may hold more, never fewer.
var required = map[string][]string{
	"customers":       {"view", "create", "edit", "delete"},
	"contacts":        {"view", "create", "edit", "delete"},
	"assets":          {"view", "create", "edit", "delete", "remote_access"},
	"alerts":          {"view", "manage"},
	"tickets":         {"view", "view_own", "create", "edit", "delete"},
	"timelogs":        {"view", "manage"},
	"scripts":         {"view", "create", "edit", "delete", "run"},
	"script_runs":     {"view_output"},
	"policies":        {"view", "create", "edit", "delete", "assign"},
	"documentation":   {"view", "create", "edit", "delete"},
	"credentials":     {"view", "reveal", "create", "edit", "delete"},
	"invoices":        {"view", "create", "edit", "delete"},
	"estimates":       {"view", "create", "edit", "delete"},
	"payments":        {"view", "create"},
	"contracts":       {"view", "create", "edit", "delete"},
	"appointments":    {"view_all", "create", "edit", "delete"},
	"chat":            {"use", "view_all"},
	"leads":           {"view", "create", "edit", "delete", "convert"},
	"mailer":          {"view", "create", "send"},
	"reports":         {"view"},
	"audit_log":       {"view"},
	"products":        {"view", "create", "edit", "delete"},
	"vendors":         {"view", "create", "edit", "delete"},
	"users":           {"view", "manage"},
	"security_groups": {"view", "manage"},
	"api_tokens":      {"manage"},
	"settings":        {"manage"},
	"api_clients":     {"manage"},
	"decisions":       {"ask"},
}

var accountWide = []string{"products", "vendors", "users", "security_groups", "api_tokens", "settings", "api_clients", "decisions"}

func TestCatalogHoldsEveryRequiredPermission(t *testing.T) {
	for area, actions := range required {
		for _, a := range actions {
			if _, ok := Lookup(area + "." + a); !ok {
				t.Errorf("missing %s.%s", area, a)
			}
		}
	}
	if n := len(Areas()); n < 28 {
		t.Errorf("%d areas; the field has about 30", n)
	}
	if Len() < 90 {
		t.Errorf("%d permissions; the field has about 100", Len())
	}
}

func TestAreasAreScopedAsDesigned(t *testing.T) {
	wide := map[string]bool{}
	for _, a := range accountWide {
		wide[a] = true
	}
	for _, a := range Areas() {
		if _, named := required[a.Key]; named && a.CustomerScoped == wide[a.Key] {
			t.Errorf("area %s: customer-scoped = %v", a.Key, a.CustomerScoped)
		}
		if a.Label == "" || a.Category == "" {
			t.Errorf("area %s lacks a label or category", a.Key)
		}
	}
}

func TestIndexesMatchPositions(t *testing.T) {
	for i, p := range All() {
		if int(p.Index) != i || Get(p.Index).Key != p.Key || MustLookup(p.Key) != p.Index {
			t.Fatalf("permission %s at %d has index %d", p.Key, i, p.Index)
		}
	}
}
