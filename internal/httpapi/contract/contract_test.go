package contract

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const doc = `{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/api/v1/things": {
      "post": {
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "required": ["name"],
          "properties": {"name": {"type": "string"}}}}}},
        "responses": {
          "201": {"description": "made", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "400": {"description": "bad", "content": {"application/problem+json": {"schema": {"type": "object"}}}}
        }
      }
    }
  },
  "components": {"schemas": {"Thing": {"type": "object", "additionalProperties": false, "required": ["id"],
    "properties": {"id": {"type": "string"}}}}}
}`

// exchange runs one request against a server answering status and body,
// and returns what the checker reported.
func exchange(t *testing.T, c *Checker, reqBody string, status int, contentType, respBody string) []string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, respBody)
	}))
	defer srv.Close()
	var reports []string
	client := &http.Client{Transport: c.Transport(http.DefaultTransport, func(m string) { reports = append(reports, m) })}
	resp, err := client.Post(srv.URL+"/api/v1/things", "application/json", strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return reports
}

func TestTheCheckerReportsEveryKindOfDrift(t *testing.T) {
	c, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, req       string
		status          int
		ct, resp, wants string
	}{
		{"a good exchange", `{"name":"a"}`, 201, "application/json", `{"id":"1"}`, ""},
		{"a refused request refused", `{"nom":"a"}`, 400, "application/problem+json", `{}`, ""},
		{"a response missing a member", `{"name":"a"}`, 201, "application/json", `{}`, "doesn't match"},
		{"a response with an undescribed member", `{"name":"a"}`, 201, "application/json", `{"id":"1","extra":2}`, "doesn't match"},
		{"a status the document does not give", `{"name":"a"}`, 202, "application/json", `{"id":"1"}`, "status is not supported"},
		{"a media type the document does not give", `{"name":"a"}`, 201, "text/plain", `1`, "Content-Type"},
		{"a request the document refuses, taken", `{"nom":"a"}`, 201, "application/json", `{"id":"1"}`, "the document refuses the request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := exchange(t, c, tc.req, tc.status, tc.ct, tc.resp)
			switch {
			case tc.wants == "" && len(got) > 0:
				t.Fatalf("reported %v", got)
			case tc.wants != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tc.wants)):
				t.Fatalf("reported %v, want %q", got, tc.wants)
			}
		})
	}
	if c.requests.Load() != int64(len(cases)) || c.responses.Load() != int64(len(cases)) || c.refused.Load() != 2 {
		t.Fatalf("counted %s", c.Summary())
	}
}
