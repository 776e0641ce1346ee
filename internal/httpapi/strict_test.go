package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb/dbtest"
)

// send makes a request with a raw body and Content-Type, through the
// validating client, and decodes a problem answer.
func (w *world) send(token, method, path, contentType string, body []byte) (int, httpapi.Problem) {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.srv.URL+path, bytes.NewReader(body))
	if body == nil {
		req, _ = http.NewRequest(method, w.srv.URL+path, nil)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.httpClient().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var p httpapi.Problem
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			w.t.Errorf("%s %s: %d answered as %q, want application/problem+json", method, path, resp.StatusCode, ct)
		}
		json.NewDecoder(resp.Body).Decode(&p)
	}
	return resp.StatusCode, p
}

// customerCount is how many customers the account holds.
func (w *world) customerCount() int {
	w.t.Helper()
	var page struct{ Items []any }
	w.want(200, w.admin, "GET", "/api/v1/customers?limit=500", nil, &page)
	return len(page.Items)
}

func TestBadBodiesAreRefusedNamingTheFieldAndChangeNothing(t *testing.T) {
	w := newModuleWorld(t, dbtest.OpenSQLite(t))
	cust := w.customer(w.acct.ID, "Acme")
	before := w.customerCount()
	const js = "application/json"
	cases := []struct {
		name, method, path, ct, body string
		status                       int
		field, detail                string
	}{
		{"invalid UTF-8 in a string", "POST", "/api/v1/customers", js, "{\"name\":\"Acme \xff Ltd\"}", 400, "name", "UTF-8"},
		{"invalid UTF-8 in a record field", "POST", "/api/v1/contacts", js, "{\"customer_id\":\"" + id(cust) + "\",\"name\":\"Ann \xc3\"}", 400, "name", "UTF-8"},
		{"a lone surrogate escape", "POST", "/api/v1/customers", js, `{"name":"\ud800"}`, 400, "name", "UTF-8"},
		{"invalid UTF-8 in a nested member", "POST", "/api/v1/customers", js, "{\"name\":\"Acme\",\"tags\":[\"ok\",\"\xfe\"]}", 400, "tags[1]", "UTF-8"},
		{"a member given twice", "POST", "/api/v1/customers", js, `{"name":"Acme","name":"Evil"}`, 400, "name", "twice"},
		{"a record member given twice", "POST", "/api/v1/contacts", js, `{"customer_id":"` + id(cust) + `","name":"A","name":"B"}`, 400, "name", "twice"},
		{"a number where an id goes", "PUT", "/api/v1/customers/" + id(cust) + "/security-groups", js, `{"security_group_ids":[1]}`, 400, "security_group_ids", "not an id"},
		{"a number as a record's customer", "POST", "/api/v1/contacts", js, `{"customer_id":` + id(cust) + `,"name":"Ann"}`, 400, "customer_id", "id"},
		{"a member with other case", "POST", "/api/v1/customers", js, `{"NAME":"Acme"}`, 400, "NAME", "unknown"},
		{"no Content-Type", "POST", "/api/v1/customers", "", `{"name":"Acme"}`, 415, "", "application/json"},
		{"a form body", "POST", "/api/v1/customers", "application/x-www-form-urlencoded", `name=Acme`, 415, "", "application/json"},
		{"JSON in another charset", "POST", "/api/v1/customers", "application/json; charset=latin1", `{"name":"Acme"}`, 415, "", "application/json"},
		{"a body on a GET", "GET", "/api/v1/customers", js, `{"q":"a"}`, 400, "", "no request body"},
		{"a body on a DELETE", "DELETE", "/api/v1/customers/" + id(cust), js, `{}`, 400, "", "no request body"},
		{"a body where a POST takes none", "POST", "/api/v1/auth/logout", js, `{}`, 400, "", "no request body"},
		{"an array instead of an object", "POST", "/api/v1/customers", js, `["Acme"]`, 400, "", "JSON object"},
		{"two objects", "POST", "/api/v1/customers", js, `{"name":"A"} {"name":"B"}`, 400, "", "exactly one"},
		{"no body at all", "POST", "/api/v1/customers", js, ``, 400, "", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, p := w.send(w.admin, c.method, c.path, c.ct, []byte(c.body))
			if status != c.status || p.Field != c.field || !strings.Contains(p.Detail, c.detail) {
				t.Errorf("%s %s %q: %d field %q detail %q; want %d field %q detail with %q",
					c.method, c.path, c.body, status, p.Field, p.Detail, c.status, c.field, c.detail)
			}
		})
	}
	if after := w.customerCount(); after != before {
		t.Fatalf("refused requests changed the customers: %d, then %d", before, after)
	}
	var contacts struct{ Items []any }
	w.want(200, w.admin, "GET", "/api/v1/contacts", nil, &contacts)
	if len(contacts.Items) != 0 {
		t.Fatalf("a refused contact was stored: %v", contacts.Items)
	}
	// The same body, well formed, is taken: the cases above fail for the
	// reason they name.
	w.want(201, w.admin, "POST", "/api/v1/customers", map[string]string{"name": "Acme Ltd"}, nil)
	if status, p := w.send(w.admin, "POST", "/api/v1/customers", "application/json; charset=UTF-8", []byte(`{"name":"Acme Two"}`)); status != 201 {
		t.Fatalf("JSON declared as UTF-8: %d %+v", status, p)
	}
}

func TestABodyOverTheLimitIs413NamingTheLimit(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	big := `{"name":"Acme","notes":"` + strings.Repeat("x", 1<<20) + `"}`
	status, p := w.send(w.admin, "POST", "/api/v1/customers", "application/json", []byte(big))
	if status != 413 || p.Code != "too_large" || !strings.Contains(p.Detail, "1048576 bytes") {
		t.Fatalf("an oversized body: %d %+v", status, p)
	}
	// Sent in chunks, with no length up front, it is cut at the limit too.
	req, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/customers", struct{ *strings.Reader }{strings.NewReader(big)})
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.admin)
	resp, err := w.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("an oversized chunked body: %d", resp.StatusCode)
	}
}

func TestAnUnknownFormatIs400(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	for _, path := range []string{"/api/v1/customers?format=xml", "/api/v1/audit?format=pdf", "/api/v1/me?format=csv"} {
		if status, p := w.send(w.admin, "GET", path, "", nil); status != 400 || p.Field != "format" {
			t.Errorf("GET %s: %d %+v, want 400 naming format", path, status, p)
		}
	}
	for _, path := range []string{"/api/v1/customers?format=csv", "/api/v1/customers?format=json", "/api/v1/me?format=json"} {
		if status, p := w.send(w.admin, "GET", path, "", nil); status != 200 {
			t.Errorf("GET %s: %d %+v", path, status, p)
		}
	}
}

func TestACreateReportsEveryInvalidFieldAtOnce(t *testing.T) {
	w := newModuleWorld(t, dbtest.OpenSQLite(t))
	cust := w.customer(w.acct.ID, "Acme")
	cases := []struct {
		name, path string
		body       any
		fields     []string
	}{
		{"customer: domain rules", "/api/v1/customers",
			map[string]any{"name": " ", "email": strings.Repeat("e", 201), "city": strings.Repeat("c", 201)}, []string{"name", "email", "city"}},
		{"customer: JSON types", "/api/v1/customers",
			map[string]any{"name": 5, "notes": true, "bogus": "x"}, []string{"name", "notes", "bogus"}},
		{"security group", "/api/v1/security-groups",
			map[string]any{"name": "", "description": strings.Repeat("d", 2001), "access_type": "some"}, []string{"name", "description", "access_type"}},
		{"module record: field rules", "/api/v1/tickets",
			map[string]any{"customer_id": id(cust), "subject": "", "status": "nope", "priority": "urgent!"}, []string{"subject", "status", "priority"}},
		{"module record: JSON types", "/api/v1/timelogs",
			map[string]any{"minutes": "ten", "billable": "yes", "created_at": "now"}, []string{"minutes", "billable", "created_at"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p httpapi.Problem
			w.want(400, w.admin, "POST", c.path, c.body, &p)
			var got []string
			for _, e := range p.Errors {
				got = append(got, e.Field)
			}
			if p.Field == "" || len(got) == 0 || p.Field != got[0] || !sameSet(got, c.fields) {
				t.Fatalf("problem %+v: fields %v, want every one of %v with field the first", p, got, c.fields)
			}
		})
	}
	if n := w.customerCount(); n != 1 {
		t.Fatalf("refused creates stored customers: %d", n)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestAMethodAPathDoesNotTakeIs405AsAProblem(t *testing.T) {
	w := newWorld(t, dbtest.OpenSQLite(t))
	status, p := w.send(w.admin, "DELETE", "/api/v1/me", "", nil)
	if status != 405 || p.Code != "method" || !strings.Contains(p.Detail, "GET") {
		t.Fatalf("DELETE /api/v1/me: %d %+v", status, p)
	}
	_, _, h := w.do(w.admin, "PUT", "/api/v1/customers/1", map[string]string{"name": "x"})
	if allow := h.Get("Allow"); allow != "GET, PATCH, DELETE" {
		t.Fatalf("Allow: %q", allow)
	}
	if status, _ := w.send(w.admin, "GET", "/api/v1/customers/+1", "", nil); status != 404 {
		t.Fatalf("an id with a sign: %d, want 404", status)
	}
}
