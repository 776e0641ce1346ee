package authzen_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
)

func TestSearchesAnswerOnlyTheSearchedTypeAndIgnoreTheIDTheyAskFor(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		// Resource search: the customers tech may edit assets of; resource.id is ignored.
		body := map[string]any{"subject": map[string]any{"type": "user", "id": w.tech}, "action": map[string]any{"name": "assets.edit"},
			"resource": map[string]any{"type": "customer", "id": w.y}}
		raw := e.want(200, w.secret, "POST", "/access/v1/search/resource", body, nil)
		if got, want := sorted(t, raw), `[{"id":"`+w.x+`","type":"customer"}]`; got != want {
			t.Errorf("resource search %s, want %s", got, want)
		}
		// Subject search: who may edit assets of X; subject.id is ignored.
		body = map[string]any{"subject": map[string]any{"type": "user", "id": w.viewer}, "action": map[string]any{"name": "assets.edit"},
			"resource": map[string]any{"type": "customer", "id": w.x}}
		admin := adminID(t, e)
		raw = e.want(200, w.secret, "POST", "/access/v1/search/subject", body, nil)
		if got, want := sorted(t, raw), sortedIDs("user", admin, w.tech); got != want {
			t.Errorf("subject search %s, want %s", got, want)
		}
		// Action search: what tech may do to customer X (customers actions).
		body = map[string]any{"subject": map[string]any{"type": "user", "id": w.tech}, "resource": map[string]any{"type": "customer", "id": w.x}}
		raw = e.want(200, w.secret, "POST", "/access/v1/search/action", body, nil)
		if got := sorted(t, raw); got != `[{"name":"view"}]` {
			t.Errorf("action search %s", got)
		}
		// Unknown types and ids answer no results, never a 400.
		for path, body := range map[string]map[string]any{
			"resource": {"subject": map[string]any{"type": "user", "id": w.tech}, "action": map[string]any{"name": "view"}, "resource": map[string]any{"type": "spaceship"}},
			"subject":  {"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": "view"}, "resource": map[string]any{"type": "customer", "id": "424242"}},
			"action":   {"subject": map[string]any{"type": "user", "id": "424242"}, "resource": map[string]any{"type": "customer", "id": w.x}},
		} {
			if raw := e.want(200, w.secret, "POST", "/access/v1/search/"+path, body, nil); !strings.Contains(string(raw), `"results":[]`) {
				t.Errorf("%s search of an unknown: %s", path, raw)
			}
		}
		// Malformed searches are 400.
		for path, body := range map[string]string{
			"resource": `{"subject":{"type":"user","id":"1"},"action":{"name":"view"}}`,
			"subject":  `{"subject":{"type":"user"},"action":{"name":"view"},"resource":{"type":"customer"}}`,
			"action":   `{"subject":{"type":"user"},"resource":{"type":"customer","id":"1"}}`,
		} {
			if status, raw, _ := e.do(w.secret, "POST", "/access/v1/search/"+path, []byte(body)); status != 400 {
				t.Errorf("%s search %s: %d %s", path, body, status, raw)
			}
		}
	})
}

func adminID(t *testing.T, e *env) string {
	var me struct{ ID string }
	e.want(200, e.admin, "GET", "/api/v1/me", nil, &me)
	return me.ID
}

// sortedIDs is the expected results of the given type and ids, in the
// search runner's order.
func sortedIDs(typ string, ids ...string) string {
	var rs []map[string]string
	for _, id := range ids {
		rs = append(rs, map[string]string{"type": typ, "id": id})
	}
	slices.SortFunc(rs, func(a, b map[string]string) int { return strings.Compare(a["id"], b["id"]) })
	out, _ := json.Marshal(rs)
	return string(out)
}

func TestSearchPagesWithTokensBoundToTheRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		var want []string
		for i := range 7 {
			want = append(want, e.customer("Paged "+string(rune('A'+i))))
		}
		g := e.group("paged", nil, "customers.view")
		pager := e.user("pager@msp.example", []string{g})
		page := func(limit int, token string, action string) (results []string, next string, status int) {
			p := map[string]any{"limit": limit}
			if token != "" {
				p["token"] = token
			}
			body := map[string]any{"subject": map[string]any{"type": "user", "id": pager}, "action": map[string]any{"name": action},
				"resource": map[string]any{"type": "customer"}, "page": p}
			status, raw, _ := e.do(w.secret, "POST", "/access/v1/search/resource", body)
			var out struct {
				Results []struct{ ID string }
				Page    *struct {
					NextToken *string `json:"next_token"`
					Count     int
				}
			}
			json.Unmarshal(raw, &out)
			if status == 200 {
				if out.Page == nil || out.Page.NextToken == nil || out.Page.Count != len(out.Results) {
					t.Fatalf("a paged answer without page.next_token and count: %s", raw)
				}
				next = *out.Page.NextToken
			}
			for _, r := range out.Results {
				results = append(results, r.ID)
			}
			return results, next, status
		}
		var got []string
		token := ""
		for range 20 {
			rs, next, status := page(3, token, "view")
			if status != 200 || len(rs) > 3 {
				t.Fatalf("page: %d, %d results", status, len(rs))
			}
			got = append(got, rs...)
			if next == "" {
				break
			}
			token = next
		}
		all := append([]string{w.x, w.y}, want...)
		if len(got) != len(all) {
			t.Fatalf("pages of 3 gave %v, want the %d customers %v", got, len(all), all)
		}
		for _, id := range all {
			if !strings.Contains(","+strings.Join(got, ",")+",", ","+id+",") {
				t.Errorf("customer %s missing from the pages %v", id, got)
			}
		}
		_, next, _ := page(3, "", "view")
		if _, _, status := page(4, next, "view"); status != 400 {
			t.Errorf("a token with another limit: %d, want 400", status)
		}
		if _, _, status := page(3, next, "edit"); status != 400 {
			t.Errorf("a token with another action: %d, want 400", status)
		}
		if _, _, status := page(3, "not-a-token", "view"); status != 400 {
			t.Errorf("a made-up token: %d, want 400", status)
		}
		other := e.client("other tool", "gatehouse")
		body := map[string]any{"subject": map[string]any{"type": "user", "id": pager}, "action": map[string]any{"name": "view"},
			"resource": map[string]any{"type": "customer"}, "page": map[string]any{"limit": 3, "token": next}}
		if status, _, _ := e.do(other, "POST", "/access/v1/search/resource", body); status != 400 {
			t.Errorf("another client's token: %d, want 400", status)
		}
	})
}

func TestAClientAsksAboutItsOwnAccountOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx := context.Background()
		hash, _ := auth.HashPassword(testPassword, auth.Params{Memory: 64, Time: 1, Threads: 1})
		other, otherAdmin, err := e.db.CreateAdmin(ctx, "Other MSP", gatehouse.UserCreate{Email: "admin@other.example", Name: "Other", PasswordHash: hash, GroupIDs: []int64{}})
		if err != nil {
			t.Fatal(err)
		}
		name := "Other's customer"
		oc, err := e.db.CreateCustomer(ctx, other.ID, gatehouse.CustomerFields{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		id := func(n int64) string { return strconv.FormatInt(n, 10) }
		for _, c := range []struct {
			name string
			body map[string]any
		}{
			{"the other account's admin", eval(id(otherAdmin.ID), "view", "customer", w.x)},
			{"the other account's admin by email", eval("admin@other.example", "view", "customer", w.x)},
			{"the other account's customer", eval(adminID(t, e), "view", "customer", id(oc.ID))},
		} {
			if e.decision(w.secret, c.body) {
				t.Errorf("%s: allowed", c.name)
			}
		}
		body := map[string]any{"subject": map[string]any{"type": "user", "id": adminID(t, e)}, "action": map[string]any{"name": "view"},
			"resource": map[string]any{"type": "customer"}}
		raw := e.want(200, w.secret, "POST", "/access/v1/search/resource", body, nil)
		if strings.Contains(string(raw), `"`+id(oc.ID)+`"`) && id(oc.ID) != w.x && id(oc.ID) != w.y {
			t.Errorf("the other account's customer is in the search: %s", raw)
		}
	})
}

// token reads the consistency token of an answer.
func tokenOf(t *testing.T, raw []byte) string {
	t.Helper()
	var out struct {
		Context struct {
			ConsistencyToken string `json:"consistency_token"`
		}
	}
	json.Unmarshal(raw, &out)
	if out.Context.ConsistencyToken == "" {
		t.Fatalf("no consistency token in %s", raw)
	}
	return out.Context.ConsistencyToken
}

func TestConsistencyTokensFollowTheSecurityVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		body := eval(w.tech, "assets.edit", "customer", w.x)
		before := tokenOf(t, e.want(200, w.secret, "POST", "/access/v1/evaluation", body, nil))
		// The admin takes tech out of the group: the version moves, and the
		// very next decision is made from it.
		e.want(200, e.admin, "PATCH", "/api/v1/users/"+w.tech, map[string]any{"security_group_ids": []string{}}, nil)
		raw := e.want(200, w.secret, "POST", "/access/v1/evaluation", body, nil)
		after := tokenOf(t, raw)
		if after == before || !strings.Contains(string(raw), `"decision":false`) {
			t.Fatalf("after the change: %s (token before %s)", raw, before)
		}
		// An earlier token asks for nothing newer than what is known.
		body["context"] = map[string]any{"at_least_as_fresh": before}
		if raw := e.want(200, w.secret, "POST", "/access/v1/evaluation", body, nil); tokenOf(t, raw) != after {
			t.Errorf("with an older token: %s", raw)
		}
		// A token the account never reached, or of another account, is refused.
		for _, bad := range []string{forge(t, before, 0, 1_000_000), forge(t, before, 1, 0)} {
			body["context"] = map[string]any{"at_least_as_fresh": bad}
			if status, raw, _ := e.do(w.secret, "POST", "/access/v1/evaluation", body); status != 400 {
				t.Errorf("token %s: %d %s, want 400", bad, status, raw)
			}
		}
	})
}

// forge makes a token like tok with the account moved by dAccount and
// the version set to version (0: kept).
func forge(t *testing.T, tok string, dAccount, version int64) string {
	t.Helper()
	raw, _ := base64Decode(strings.TrimPrefix(tok, "ghv1."))
	acct, ver, _ := strings.Cut(raw, ".")
	a, _ := parse36(acct)
	v, _ := parse36(ver)
	if version != 0 {
		v = version
	}
	return "ghv1." + base64Encode(format36(a+dAccount)+"."+format36(v))
}

func TestTheChangeFeedTellsOfEveryMoveAndEndsOnShutdown(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		req, _ := http.NewRequest("GET", e.srv.URL+"/access/v1/changes", nil)
		req.Header.Set("Authorization", "Bearer "+w.secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		events := make(chan string, 10)
		go func() {
			defer close(events)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					events <- data
				}
			}
		}()
		next := func() string {
			select {
			case ev, ok := <-events:
				if !ok {
					return ""
				}
				var v struct {
					ConsistencyToken string `json:"consistency_token"`
				}
				json.Unmarshal([]byte(ev), &v)
				return v.ConsistencyToken
			case <-time.After(10 * time.Second):
				t.Fatal("no event within 10 s")
			}
			return ""
		}
		first := next()
		now := tokenOf(t, e.want(200, w.secret, "POST", "/access/v1/evaluation", eval(w.tech, "view", "customer", w.x), nil))
		if first != now {
			t.Errorf("the first event %s is not the current version %s", first, now)
		}
		e.group("a new group", nil, "assets.view") // a security change
		moved := next()
		if moved == "" || moved == first {
			t.Fatalf("no event after a security change (first %s, then %q)", first, moved)
		}
		e.decisions.Shutdown()
		select {
		case _, ok := <-events:
			for ok {
				_, ok = <-events
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the feed did not end on shutdown")
		}
	})
}

func base64Decode(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}

func base64Encode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func parse36(s string) (int64, error) { return strconv.ParseInt(s, 36, 64) }

func format36(n int64) string { return strconv.FormatInt(n, 36) }
