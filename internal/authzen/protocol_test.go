package authzen_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/authz"
	"gatehouse/internal/authzen"
)

// The specification's protocol rules, each as a test: shapes, 400s,
// ignored unknown members, X-Request-ID, the evaluations semantics, page
// tokens, the metadata document, and who may ask.

func TestEveryDecisionRouteDeclaresItsRequirement(t *testing.T) {
	for _, rt := range (&authzen.Server{}).Routes() {
		if !rt.Need.Valid() {
			t.Errorf("%s declares no valid requirement", rt.Pattern)
		}
		if rt.Need.Permission == authz.Public && rt.Pattern != "GET /.well-known/authzen-configuration" {
			t.Errorf("%s is public; only the metadata document may be", rt.Pattern)
		}
		if rt.Need.Permission != authz.Public && rt.Need.Permission != "decisions.ask" {
			t.Errorf("%s needs %q, want decisions.ask", rt.Pattern, rt.Need.Permission)
		}
	}
}

// world is a small account: customers X and Y; tech holds assets.edit on
// X through one group and tickets.view on Y through another — the
// pairing rule's case — and viewer nothing at all.
type world struct {
	*env
	x, y, tech, viewer, secret string
}

func newWorld(t *testing.T, e *env) *world {
	w := &world{env: e}
	w.x, w.y = e.customer("X Clinic", "external_id", "psa-x"), e.customer("Y Farms")
	ga := e.group("X assets", []string{w.x}, "assets.view", "assets.edit", "customers.view")
	gb := e.group("Y tickets", []string{w.y}, "tickets.view")
	w.tech = e.user("tech@msp.example", []string{ga, gb}, "external_id", "rmm-tech")
	w.viewer = e.user("viewer@msp.example", nil)
	w.secret = e.client("RMM", "gatehouse")
	return w
}

func TestEvaluationAnswersDecisionsNeverErrorsForADenial(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		for _, c := range []struct {
			name string
			body map[string]any
			want bool
		}{
			{"group A's permission on group A's customer", eval(w.tech, "assets.edit", "customer", w.x), true},
			{"group A's permission on group B's customer (the pairing rule)", eval(w.tech, "assets.edit", "customer", w.y), false},
			{"group B's permission on group B's customer", eval(w.tech, "tickets.view", "customer", w.y), true},
			{"group B's permission on group A's customer", eval(w.tech, "tickets.view", "customer", w.x), false},
			{"an area's own action by name", eval(w.tech, "view", "customer", w.x), true},
			{"the user by email", eval("tech@msp.example", "assets.edit", "customer", w.x), true},
			{"a user holding nothing", eval(w.viewer, "assets.view", "customer", w.x), false},
			{"an unknown user", eval("999999", "assets.view", "customer", w.x), false},
			{"an unknown customer", eval(w.tech, "assets.view", "customer", "999999"), false},
			{"an unknown resource type", eval(w.tech, "view", "spaceship", w.x), false},
			{"an unknown action", eval(w.tech, "teleport", "customer", w.x), false},
			{"a subject that is not a user", map[string]any{"subject": map[string]any{"type": "group", "id": w.tech},
				"action": map[string]any{"name": "view"}, "resource": map[string]any{"type": "customer", "id": w.x}}, false},
			{"an external id, for a client naming things by Gatehouse id", eval("rmm-tech", "assets.edit", "customer", w.x), false},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, raw, hdr := e.do(w.secret, "POST", "/access/v1/evaluation", c.body)
				if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
					t.Fatalf("status %d, %s: %s", status, hdr.Get("Content-Type"), raw)
				}
				var out struct {
					Decision *bool
					Context  struct {
						ConsistencyToken string `json:"consistency_token"`
					}
				}
				json.Unmarshal(raw, &out)
				if out.Decision == nil || *out.Decision != c.want {
					t.Fatalf("answer %s, want decision %v", raw, c.want)
				}
				if out.Context.ConsistencyToken == "" {
					t.Errorf("no consistency token in %s", raw)
				}
			})
		}
	})
}

func TestAClientNamingThingsByExternalIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ext := e.client("PSA", "external")
		if !e.decision(ext, eval("rmm-tech", "assets.edit", "customer", "psa-x")) {
			t.Error("external ids of user and customer: denied")
		}
		if !e.decision(ext, eval("tech@msp.example", "assets.edit", "customer", "psa-x")) {
			t.Error("email and external id: denied")
		}
		if e.decision(ext, eval(w.tech, "assets.edit", "customer", w.x)) {
			t.Error("Gatehouse ids, for a client naming things by external id: allowed")
		}
	})
}

func TestMalformedRequestsAre400(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		valid := `{"subject":{"type":"user","id":"` + w.tech + `"},"action":{"name":"view"},"resource":{"type":"customer","id":"` + w.x + `"}}`
		for _, c := range []struct{ name, body string }{
			{"no subject", `{"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"no action", `{"subject":{"type":"user","id":"1"},"resource":{"type":"customer","id":"1"}}`},
			{"no resource", `{"subject":{"type":"user","id":"1"},"action":{"name":"view"}}`},
			{"subject without a type", `{"subject":{"id":"1"},"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"subject without an id", `{"subject":{"type":"user"},"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"resource without an id", `{"subject":{"type":"user","id":"1"},"action":{"name":"view"},"resource":{"type":"customer"}}`},
			{"action without a name", `{"subject":{"type":"user","id":"1"},"action":{},"resource":{"type":"customer","id":"1"}}`},
			{"subject as a string", `{"subject":"alice","action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"action name a number", `{"subject":{"type":"user","id":"1"},"action":{"name":7},"resource":{"type":"customer","id":"1"}}`},
			{"an id as a number", `{"subject":{"type":"user","id":1},"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"properties not an object", `{"subject":{"type":"user","id":"1","properties":[1]},"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"a null subject", `{"subject":null,"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"not JSON", `{"subject":`},
			{"an empty body", ``},
			{"an array", `[]`},
			{"a duplicate member", `{"subject":{"type":"user","id":"1"},"subject":{"type":"user","id":"2"},"action":{"name":"view"},"resource":{"type":"customer","id":"1"}}`},
			{"text that is not UTF-8", "{\"subject\":{\"type\":\"user\",\"id\":\"\xff\"},\"action\":{\"name\":\"view\"},\"resource\":{\"type\":\"customer\",\"id\":\"1\"}}"},
			{"a consistency token of nothing", strings.TrimSuffix(valid, "}") + `,"context":{"at_least_as_fresh":"nope"}}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, raw, hdr := e.do(w.secret, "POST", "/access/v1/evaluation", []byte(c.body))
				if status != 400 || hdr.Get("Content-Type") != "application/json" {
					t.Fatalf("status %d (%s): %s; want 400 application/json", status, hdr.Get("Content-Type"), raw)
				}
				var msg string
				if json.Unmarshal(raw, &msg) != nil || msg == "" {
					t.Errorf("the error body is not a message string: %s", raw)
				}
			})
		}
		status, raw, _ := e.do(w.secret, "POST", "/access/v1/evaluation", []byte(valid), "Content-Type", "text/plain")
		if status != 400 {
			t.Errorf("a body sent as text/plain: %d %s, want 400", status, raw)
		}
	})
}

func TestUnknownMembersAreIgnored(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		body := `{"_note":"top","subject":{"_note":"inside","type":"user","id":"` + w.tech + `","properties":{"role":"admin"}},` +
			`"action":{"name":"assets.edit","extra":1},"resource":{"type":"customer","id":"` + w.x + `","nested":{"a":[1,2]}},` +
			`"context":{"time":"2025-01-01T00:00:00Z"},"somethingElse":true}`
		status, raw, _ := e.do(w.secret, "POST", "/access/v1/evaluation", []byte(body))
		if status != 200 || !strings.Contains(string(raw), `"decision":true`) {
			t.Fatalf("%d %s", status, raw)
		}
		// Roles the asking tool claims are not Gatehouse's: they grant nothing.
		body = strings.ReplaceAll(body, w.x, w.y)
		if _, raw, _ := e.do(w.secret, "POST", "/access/v1/evaluation", []byte(body)); !strings.Contains(string(raw), `"decision":false`) {
			t.Fatalf("a claimed role granted access: %s", raw)
		}
	})
}

func TestTheRequestIDComesBack(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		for _, c := range []struct{ name, secret, body string }{
			{"a decision", w.secret, ""},
			{"a 400", w.secret, "{"},
			{"a 401", "", ""},
		} {
			body := any(eval(w.tech, "view", "customer", w.x))
			if c.body != "" {
				body = []byte(c.body)
			}
			_, _, hdr := e.do(c.secret, "POST", "/access/v1/evaluation", body, "X-Request-ID", "bfe9eb29-ab87-4ca3-be83-a1d5d8305716")
			if got := hdr.Get("X-Request-ID"); got != "bfe9eb29-ab87-4ca3-be83-a1d5d8305716" {
				t.Errorf("%s: X-Request-ID %q", c.name, got)
			}
		}
		if _, _, hdr := e.do(w.secret, "POST", "/access/v1/evaluation", eval(w.tech, "view", "customer", w.x)); hdr.Get("X-Request-ID") == "" {
			t.Error("no request id named when the request had none")
		}
	})
}

func TestOnlyAnAPIClientOfTheAccountMayAsk(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		body := eval(w.tech, "view", "customer", w.x)
		for _, c := range []struct{ name, secret string }{
			{"no credentials", ""},
			{"a made-up secret", "ghc_" + strings.Repeat("A", 43)},
			{"a user's own session token", e.admin},
		} {
			status, raw, hdr := e.do(c.secret, "POST", "/access/v1/evaluation", body)
			if status != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: %d %s (WWW-Authenticate %q), want 401", c.name, status, raw, hdr.Get("WWW-Authenticate"))
			}
		}
		// The bare secret, as some tools send an API key, is accepted too.
		if status, raw, _ := e.do("", "POST", "/access/v1/evaluation", body, "Authorization", w.secret); status != 200 {
			t.Errorf("bare secret: %d %s", status, raw)
		}
	})
}

func TestARevokedClientStopsAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		body := eval(w.tech, "view", "customer", w.x)
		e.decision(w.secret, body) // cached now
		var list struct{ Items []struct{ ID, Name string } }
		e.want(200, e.admin, "GET", "/api/v1/api-clients", nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("clients %+v", list.Items)
		}
		e.want(204, e.admin, "DELETE", "/api/v1/api-clients/"+list.Items[0].ID, nil, nil)
		if status, raw, _ := e.do(w.secret, "POST", "/access/v1/evaluation", body); status != 401 {
			t.Fatalf("revoked client: %d %s", status, raw)
		}
	})
}

func TestAClientIsRateLimited(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		var out struct{ Secret string }
		e.want(201, e.admin, "POST", "/api/v1/api-clients", map[string]any{"name": "slow", "rate_limit": 3}, &out)
		body := eval(w.tech, "view", "customer", w.x)
		limited := false
		for range 10 {
			status, _, hdr := e.do(out.Secret, "POST", "/access/v1/evaluation", body)
			if status == 429 {
				limited = hdr.Get("Retry-After") != ""
				break
			}
		}
		if !limited {
			t.Fatal("10 requests at once passed a limit of 3 a second, or the 429 named no Retry-After")
		}
		// Another client is not slowed by this one's limit.
		e.decision(w.secret, body)
	})
}

func TestEvaluationsSemantics(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		sub := map[string]any{"type": "user", "id": w.tech}
		res := func(id string) map[string]any {
			return map[string]any{"resource": map[string]any{"type": "customer", "id": id}}
		}
		batch := func(semantic string, items ...any) map[string]any {
			b := map[string]any{"subject": sub, "action": map[string]any{"name": "assets.edit"}, "evaluations": items}
			if semantic != "" {
				b["options"] = map[string]any{"evaluations_semantic": semantic, "unknown_option": 1}
			}
			return b
		}
		answer := func(body any) string {
			var out struct{ Evaluations json.RawMessage }
			e.want(200, w.secret, "POST", "/access/v1/evaluations", body, &out)
			return string(out.Evaluations)
		}
		for _, c := range []struct {
			name string
			body any
			want string
		}{
			{"execute_all by default, in order", batch("", res(w.x), res(w.y), res(w.x)),
				`[{"decision":true},{"decision":false},{"decision":true}]`},
			{"deny_on_first_deny stops after the first denial", batch("deny_on_first_deny", res(w.x), res(w.y), res(w.x)),
				`[{"decision":true},{"decision":false,"context":{"code":"200","reason":"deny_on_first_deny"}}]`},
			{"permit_on_first_permit stops after the first permit", batch("permit_on_first_permit", res(w.y), res(w.x), res(w.y)),
				`[{"decision":false},{"decision":true}]`},
			{"an item's member replaces the default whole", map[string]any{"subject": sub, "action": map[string]any{"name": "assets.edit"},
				"resource": map[string]any{"type": "customer", "id": w.x},
				"evaluations": []any{map[string]any{}, map[string]any{"resource": map[string]any{"type": "customer"}},
					map[string]any{"action": map[string]any{"name": "tickets.view"}}}},
				`[{"decision":true},{"decision":false,"context":{"error":{"status":400,"message":"resource.id is required"}}},{"decision":false}]`},
			{"an item missing what no default gives is denied, not refused", batch("", map[string]any{"action": map[string]any{"name": "view"}}),
				`[{"decision":false,"context":{"error":{"status":400,"message":"resource is required"}}}]`},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := answer(c.body); got != c.want {
					t.Errorf("evaluations %s, want %s", got, c.want)
				}
			})
		}
		t.Run("no items answers as one evaluation", func(t *testing.T) {
			for _, items := range []any{nil, []any{}} {
				body := map[string]any{"subject": sub, "action": map[string]any{"name": "assets.edit"}, "resource": map[string]any{"type": "customer", "id": w.x}}
				if items != nil {
					body["evaluations"] = items
				}
				var out map[string]any
				e.want(200, w.secret, "POST", "/access/v1/evaluations", body, &out)
				if out["decision"] != true || out["evaluations"] != nil {
					t.Errorf("items %v: answer %v, want the single shape", items, out)
				}
			}
		})
		t.Run("an unknown semantic is refused", func(t *testing.T) {
			if status, raw, _ := e.do(w.secret, "POST", "/access/v1/evaluations", batch("first_come", res(w.x))); status != 400 {
				t.Errorf("%d %s", status, raw)
			}
		})
	})
}

func TestTheMetadataDocumentNamesEveryEndpoint(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		status, raw, hdr := e.do("", "GET", "/.well-known/authzen-configuration", nil)
		if status != 200 || hdr.Get("Content-Type") != "application/json" || hdr.Get("Cache-Control") == "" {
			t.Fatalf("%d %s %v", status, raw, hdr)
		}
		var m map[string]string
		json.Unmarshal(raw, &m)
		base := e.srv.URL
		want := map[string]string{
			"policy_decision_point":       base,
			"access_evaluation_endpoint":  base + "/access/v1/evaluation",
			"access_evaluations_endpoint": base + "/access/v1/evaluations",
			"search_subject_endpoint":     base + "/access/v1/search/subject",
			"search_resource_endpoint":    base + "/access/v1/search/resource",
			"search_action_endpoint":      base + "/access/v1/search/action",
			"gatehouse_changes_endpoint":  base + "/access/v1/changes",
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s = %q, want %q", k, m[k], v)
			}
		}
		e.decisions.PublicURL = "https://gatehouse.example.com/"
		_, raw, _ = e.do("", "GET", "/.well-known/authzen-configuration", nil)
		json.Unmarshal(raw, &m)
		if m["policy_decision_point"] != "https://gatehouse.example.com" || m["access_evaluation_endpoint"] != "https://gatehouse.example.com/access/v1/evaluation" {
			t.Errorf("with a public URL: %s", raw)
		}
	})
}

func TestAMethodAnEndpointDoesNotTakeIs405(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		status, _, hdr := e.do("", "GET", "/access/v1/evaluation", nil)
		if status != 405 || hdr.Get("Allow") != "POST" {
			t.Errorf("GET evaluation: %d, Allow %q", status, hdr.Get("Allow"))
		}
		if status, _, _ := e.do("", "POST", "/access/v1/nothing", nil); status != 404 {
			t.Errorf("unknown endpoint: %d", status)
		}
	})
}

// sorted is the search runner's comparison: results sorted by type and
// id (or name), compared as JSON.
func sorted(t *testing.T, raw []byte) string {
	t.Helper()
	var out struct{ Results []map[string]string }
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	slices.SortFunc(out.Results, func(a, b map[string]string) int {
		return strings.Compare(a["type"]+"\x00"+a["id"]+a["name"], b["type"]+"\x00"+b["id"]+b["name"])
	})
	b, _ := json.Marshal(out.Results)
	return string(b)
}
