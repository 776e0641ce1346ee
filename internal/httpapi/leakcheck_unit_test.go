package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The leak check must find an id wherever a body carries it, and refuse
// a body it cannot read; otherwise the matrix passes by not looking.
func TestTheLeakCheckReadsEveryFormat(t *testing.T) {
	cases := []struct {
		name, pattern, contentType, body string
		want                             []string // module:id
	}{
		{"a JSON record", "/api/v1/tickets/{id}", "application/json",
			`{"id":"7","customer_id":"3","asset_id":"11","contact_id":null,"assignee_id":"2"}`,
			[]string{"tickets:7", "customers:3", "assets:11", "users:2"}},
		{"a JSON list", "/api/v1/assets", "application/json", `{"items":[{"id":"5","customer_id":"3","policy_id":"9"}],"next_cursor":""}`,
			[]string{"assets:5", "customers:3", "policies:9"}},
		{"search hits", "/api/v1/search", "application/json", `{"items":[{"type":"credentials","id":"4","customer_id":null,"title":"t"}]}`,
			[]string{"credentials:4"}},
		{"an audit entry's values", "/api/v1/audit", "application/json",
			`{"items":[{"target_type":"customer","target_id":"3","customer_id":"3","actor_user_id":"1","before":{"ID":3,"AccountID":1},"after":{"ID":3}},` +
				`{"target_type":"script","target_id":"6","after":{"script_run_id":8,"asset_id":11}}]}`,
			[]string{"customers:3", "customers:3", "users:1", "customers:3", "accounts:1", "customers:3", "scripts:6", "script-runs:8", "assets:11"}},
		{"nested answers", "/api/v1/customers/{id}/access", "application/json",
			`{"customer":{"id":"3","name":"X"},"users":[{"id":"2","permissions":[{"permission":"assets.view","groups":[{"id":"4"}]}]}]}`,
			[]string{"customers:3", "users:2", "security-groups:4"}},
		{"id lists", "/api/v1/policies/{id}/customers", "application/json", `{"customer_ids":["3","12"]}`,
			[]string{"customers:3", "customers:12"}},
		{"a report", "/api/v1/reports/summary", "application/json", `{"customers":[{"customer_id":"3","name":"X","counts":{"assets":1}}]}`,
			[]string{"customers:3"}},
		{"a list's CSV", "/api/v1/payments", "text/csv; charset=utf-8", "id,customer_id,invoice_id,amount\n5,3,8,100\n",
			[]string{"payments:5", "customers:3", "invoices:8"}},
		{"a group CSV with id lists", "/api/v1/security-groups", "text/csv", "id,name,customer_ids\n4,G,3;12\n",
			[]string{"security-groups:4", "customers:3", "customers:12"}},
		{"the search CSV", "/api/v1/search", "text/csv", "type,id,customer_id,title\nleads,9,,x\nassets,5,3,y\n",
			[]string{"leads:9", "assets:5", "customers:3"}},
		{"the audit CSV", "/api/v1/audit", "text/csv",
			"seq,actor_user_id,target_type,target_id,customer_id,before,after\n1,2,asset,5,3,,\"{\"\"customer_id\"\":3,\"\"policy_id\"\":9}\"\n",
			[]string{"users:2", "assets:5", "customers:3", "customers:3", "policies:9"}},
		{"the access review CSV", "/api/v1/customers/{id}/access", "text/csv", "user_id,email,permission\n2,a@x,assets.view\n",
			[]string{"users:2"}},
		{"the report CSV", "/api/v1/reports/summary", "text/csv", "customer_id,name,assets\n3,X,1\n", []string{"customers:3"}},
		{"an SVG link", "/api/v1/access/map.svg", "image/svg+xml",
			`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="/customers/3"><text>X</text></a><rect data-customer-id="12"/></svg>`,
			[]string{"customers:3", "customers:12"}},
		{"HTML links and forms", "/api/v1/assets/{id}", "text/html; charset=utf-8",
			`<!doctype html><p>Hi<br><a href="/assets/5/edit">edit</a><form action="/api/v1/tickets/7/comments"><input name=x></form>`,
			[]string{"assets:5", "tickets:7"}},
		{"an empty answer", "/api/v1/assets/{id}", "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refs, err := bodyRefs(tc.pattern, tc.contentType, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range refs {
				got = append(got, fmt.Sprintf("%s:%d", r.module, r.id))
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("ids %v, want %v", got, want)
			}
		})
	}

	unreadable := []struct {
		name, pattern, contentType, body, says string
	}{
		{"an unknown content type", "/api/v1/assets", "application/octet-stream", "xx", "no reader"},
		{"a body without a type", "/api/v1/assets", "", "7", "content type"},
		{"malformed JSON", "/api/v1/assets", "application/json", `{"items":[`, "JSON"},
		{"an id field no one placed", "/api/v1/assets/{id}", "application/json", `{"id":"5","gadget_id":"9"}`, "gadget_id"},
		{"objects of an unknown kind", "/api/v1/assets/{id}", "application/json", `{"id":"5","owner":{"id":"9"}}`, "owner"},
		{"an id in a nameless answer", "/api/v1/reports/summary", "application/json", `{"id":"9"}`, "cannot tell"},
		{"a route no one described", "/api/v1/assets/{id}/teleport", "application/json", `{}`, "routeAnswers"},
		{"malformed CSV", "/api/v1/assets", "text/csv", "id,name\n\"5,x\n", "CSV"},
		{"a link to an unknown kind", "/api/v1/access/map.svg", "image/svg+xml", `<svg><a href="/gadgets/9"/></svg>`, "cannot tell"},
	}
	for _, tc := range unreadable {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := bodyRefs(tc.pattern, tc.contentType, []byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %v, want one saying %q", err, tc.says)
			}
		})
	}
}
