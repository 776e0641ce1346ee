package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gatehouse/internal/records"
)

// The id-level leak check reads every id a response carries — in JSON at
// any depth, in CSV of every kind, in SVG and HTML links — and tells which
// module each id belongs to, so the matrix can fail on a record the
// caller must not see. A body it cannot read, a route whose answer it
// does not know, or an id field it cannot place is an error, never a
// silent pass: teach the tables below instead.

// ref is one id found in a response, with the module it belongs to.
type ref struct {
	module string
	id     int64
	where  string // the field or link it came from
}

// routeAnswers names what the top-level object (or the CSV rows) of a
// route's answer is, for routes whose path does not say it. Routes of
// the form /api/v1/<module> and /api/v1/<module>/{id} answer <module>'s
// records; "" is an answer with no id of its own.
var routeAnswers = map[string]string{
	"/api/v1/me":                                    "users",
	"/api/v1/me/tokens":                             "tokens",
	"/api/v1/me/tokens/{id}":                        "tokens",
	"/api/v1/permissions":                           "",
	"/api/v1/customers/{id}/security-groups":        "",
	"/api/v1/customers/{id}/access":                 "",
	"/api/v1/security-groups/{id}/copy":             "security-groups",
	"/api/v1/security-groups/{id}/impact":           "",
	"/api/v1/users/{id}/effective-access":           "",
	"/api/v1/access/explain":                        "",
	"/api/v1/access/map.svg":                        "",
	"/api/v1/reports/summary":                       "",
	"/api/v1/alerts/{id}/clear":                     "alerts",
	"/api/v1/tickets/{id}/comments":                 "ticket-comments",
	"/api/v1/scripts/{id}/runs":                     "script-runs",
	"/api/v1/script-runs/{id}/output":               "script-runs",
	"/api/v1/assets/{id}/policy":                    "assets",
	"/api/v1/policies/{id}/customers":               "",
	"/api/v1/policies/{id}/customers/{customer_id}": "",
	"/api/v1/credentials/{id}/secret":               "credentials",
	"/api/v1/chats/{id}/messages":                   "chat-messages",
	"/api/v1/campaigns/{id}/recipients":             "",
	"/api/v1/campaigns/{id}/send":                   "campaigns",
	"/api/v1/leads/{id}/convert":                    "",
	"/api/v1/users/{id}/tokens":                     "tokens",
	"/api/v1/customers/{id}/archive":                "customers",
	"/api/v1/estimates/{id}/convert":                "invoices",
	"/api/v1/customers/{id}/unarchive":              "customers",
	"/api/v1/users/{id}/tokens/{token_id}":          "tokens",
	"/api/v1/auth/mfa":                              "",
	"/api/v1/auth/step-up":                          "",
	"/api/v1/me/mfa":                                "",
	"/api/v1/me/mfa/totp":                           "",
	"/api/v1/me/mfa/totp/confirm":                   "",
	"/api/v1/me/mfa/recovery-codes":                 "",
	"/api/v1/me/passkeys/{id}":                      "passkeys",
	"/api/v1/me/sessions":                           "tokens",
	"/api/v1/me/sessions/{id}":                      "tokens",
	"/api/v1/users/{id}/mfa":                        "",
	"/api/v1/users/{id}/sessions":                   "tokens",
	"/api/v1/settings":                              "",
}

var plainRoute = regexp.MustCompile(`^/api/v1/([a-z-]+)(/\{id\})?$`)

// answerOf is what a route answers, or an error for a route not known.
func answerOf(pattern string) (string, error) {
	if m, ok := routeAnswers[pattern]; ok {
		return m, nil
	}
	if m := plainRoute.FindStringSubmatch(pattern); m != nil {
		return m[1], nil
	}
	return "", fmt.Errorf("the leak check does not know what %s answers: add it to routeAnswers", pattern)
}

// noIDs marks containers whose members carry no id of their own.
const noIDs = "-"

// nests names what the objects under a key are. Module keys and nouns
// ("assets", "asset") are known without listing; "items" keep the
// answer's module; before/after are the audit entry's target.
var nests = map[string]string{
	"customer": "customers", "customers": "customers",
	"user": "users", "users": "users",
	"group": "security-groups", "groups": "security-groups", "granting_groups": "security-groups",
	"groups_for_other_customers": "security-groups",
	"account":                    "accounts",
	"passkeys":                   "passkeys",
	"group_mappings":             noIDs,
	"lines":                      noIDs, "counts": noIDs, "settings": noIDs, "permissions": noIDs, "scope": noIDs,
	"areas": noIDs, "actions": noIDs, "invoiced": noIDs, "received": noIDs, "outstanding": noIDs,
}

// idFields maps a field holding another record's id to that record's
// module: the reference fields of every module description, and the
// fields of the account-level answers.
var idFields = func() map[string]string {
	out := map[string]string{
		"customer_id": "customers", "user_id": "users", "actor_user_id": "users", "author_id": "users",
		"token_id": "tokens", "script_run_id": "script-runs", "account_id": "accounts", "security_group_id": "security-groups",
		"comment_id": "ticket-comments", "message_id": "chat-messages",
		"passkey_id": "passkeys", "sso_provider_id": "sso-providers", "mfa_security_group_id": "security-groups",
	}
	for _, m := range records.All() {
		for _, f := range m.Fields {
			switch f.Kind {
			case records.Ref:
				out[f.Name] = f.Ref
			case records.UserRef:
				out[f.Name] = "users"
			}
		}
	}
	return out
}()

// moduleOfNoun maps a noun or key ("asset", "assets", "security_group")
// to its module key.
var moduleOfNoun = func() map[string]string {
	out := map[string]string{"customer": "customers", "user": "users", "security_group": "security-groups",
		"account": "accounts", "token": "tokens", "api_client": "api-clients", "sso_provider": "sso-providers"}
	for _, key := range out {
		out[key] = key
	}
	for _, m := range records.All() {
		out[m.Key] = m.Key
		out[m.Noun] = m.Key
		out[strings.ReplaceAll(m.Noun, " ", "_")] = m.Key
	}
	return out
}()

// snake turns the Go field names some audit values carry ("AccountID")
// into the JSON spelling ("account_id").
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rs[i-1]) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// opaqueIDs are "_id" fields that hold no record's id: a one-time secret
// (a sign-in waiting for its second factor, an enrolment), or the client
// id an identity provider issued.
var opaqueIDs = map[string]bool{"challenge_id": true, "client_id": true}

// fieldModule places an id-bearing field: "id" is the object's own
// module, "x_id" and "x_ids" another record's. ok is false for a field
// that holds no id.
func fieldModule(key, own string) (module string, isID bool, err error) {
	switch {
	case key == "external_id":
		return "", false, nil // another tool's own name for the record, not a Gatehouse id
	case opaqueIDs[key]:
		return "", false, nil
	case key == "id":
		if own == "" || own == noIDs {
			return "", true, errors.New("an id whose record kind the leak check cannot tell")
		}
		return own, true, nil
	case strings.HasSuffix(key, "_id") || strings.HasSuffix(key, "_ids"):
		if m, ok := idFields[strings.TrimSuffix(key, "s")]; ok {
			return m, true, nil
		}
		return "", true, fmt.Errorf("an id field %q the leak check cannot place: add it to idFields", key)
	}
	return "", false, nil
}

// bodyRefs reads every id of a response body, by its content type.
func bodyRefs(pattern, contentType string, raw []byte) ([]ref, error) {
	own, err := answerOf(pattern)
	if err != nil {
		return nil, err
	}
	mediaType, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(mediaType) {
	case "":
		if len(bytes.TrimSpace(raw)) != 0 {
			return nil, errors.New("a body without a content type")
		}
		return nil, nil
	case "application/json", "application/problem+json":
		return jsonRefs(own, raw)
	case "text/csv":
		return csvRefs(own, raw)
	case "image/svg+xml", "text/html":
		return markupRefs(raw)
	}
	return nil, fmt.Errorf("no reader for %q bodies: teach bodyRefs to read them", contentType)
}

func jsonRefs(own string, raw []byte) ([]ref, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("unreadable JSON: %w", err)
	}
	var out []ref
	err := walkJSON(v, own, "", &out)
	return out, err
}

// walkJSON collects the ids of v, whose objects are records of own.
func walkJSON(v any, own, path string, out *[]ref) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := walkJSON(e, own, path+"[]", out); err != nil {
				return err
			}
		}
	case map[string]any:
		if t, ok := x["type"].(string); ok && moduleOfNoun[t] != "" {
			own = moduleOfNoun[t] // a search hit names its module
		}
		target := ""
		if t, ok := x["target_type"].(string); ok {
			target = moduleOfNoun[t]
		}
		for k, e := range x {
			key, where := snake(k), path+"."+k
			if key == "target_id" {
				if err := addIDs(out, target, e, where); err != nil {
					return err
				}
				continue
			}
			module, isID, err := fieldModule(key, own)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if isID {
				if err := addIDs(out, module, e, where); err != nil {
					return err
				}
				continue
			}
			if !holdsObjects(e) {
				continue
			}
			inner, err := nestModule(key, own, target)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if err := walkJSON(e, inner, where, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// nestModule is what the objects under key are.
func nestModule(key, own, target string) (string, error) {
	switch {
	case key == "items":
		return own, nil
	case key == "before" || key == "after":
		if target == "" {
			return "", errors.New("before/after values without a target type")
		}
		return target, nil
	}
	if m, ok := nests[key]; ok {
		return m, nil
	}
	if m, ok := moduleOfNoun[key]; ok {
		return m, nil
	}
	return "", fmt.Errorf("objects under %q whose kind the leak check cannot tell: add the key to nests", key)
}

func holdsObjects(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return true
	case []any:
		for _, e := range x {
			if holdsObjects(e) {
				return true
			}
		}
	}
	return false
}

// addIDs records an id value: a string or number, a list of them, or null.
func addIDs(out *[]ref, module string, v any, where string) error {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		for _, e := range x {
			if err := addIDs(out, module, e, where); err != nil {
				return err
			}
		}
		return nil
	case string, json.Number:
		return addID(out, module, fmt.Sprint(x), where)
	}
	return fmt.Errorf("%s: an id that is a %T", where, v)
}

func addID(out *[]ref, module, s, where string) error {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: %q is not an id", where, s)
	}
	if module == "" {
		return fmt.Errorf("%s: id %d of a kind the leak check cannot tell", where, n)
	}
	*out = append(*out, ref{module: module, id: n, where: where})
	return nil
}

// csvRefs reads a CSV export: its header names each column like a JSON
// field; list cells are separated by semicolons; before/after cells are
// JSON of the row's target.
func csvRefs(own string, raw []byte) ([]ref, error) {
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("unreadable CSV (%d rows): %v", len(rows), err)
	}
	header := rows[0]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var out []ref
	for n, row := range rows[1:] {
		rowOwn, target := own, ""
		if i, ok := col["type"]; ok && moduleOfNoun[row[i]] != "" {
			rowOwn = moduleOfNoun[row[i]]
		}
		if i, ok := col["target_type"]; ok {
			target = moduleOfNoun[row[i]]
		}
		for i, h := range header {
			cell, where := row[i], fmt.Sprintf("row %d column %s", n+1, h)
			switch {
			case h == "target_id":
				err = addID(&out, target, cell, where)
			case h == "before" || h == "after":
				err = csvJSONCell(&out, target, cell, where)
			default:
				module, isID, ferr := fieldModule(h, rowOwn)
				if ferr != nil {
					return nil, fmt.Errorf("%s: %w", where, ferr)
				}
				if isID {
					for _, part := range strings.Split(cell, ";") {
						if err = addID(&out, module, part, where); err != nil {
							break
						}
					}
				}
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func csvJSONCell(out *[]ref, target, cell, where string) error {
	if strings.TrimSpace(cell) == "" {
		return nil
	}
	refs, err := jsonRefs(target, []byte(cell))
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	*out = append(*out, refs...)
	return nil
}

// linkRE finds record links in an attribute: /customers/12,
// /api/v1/assets/5/edit and the like.
var linkRE = regexp.MustCompile(`/(?:api/v1/)?([a-z][a-z-]*)/(\d+)`)

// markupRefs reads SVG and HTML: every link to a record (href, src,
// action) and every data-…-id attribute.
func markupRefs(raw []byte) ([]ref, error) {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict, dec.AutoClose, dec.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var out []ref
	for {
		tok, err := dec.RawToken() // HTML need not close its elements
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("unreadable markup: %w", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range el.Attr {
			where := "<" + el.Name.Local + " " + a.Name.Local + ">"
			switch name := a.Name.Local; {
			case name == "href" || name == "src" || name == "action" || name == "formaction":
				for _, m := range linkRE.FindAllStringSubmatch(a.Value, -1) {
					if err := addID(&out, moduleOfNoun[m[1]], m[2], where); err != nil {
						return nil, err
					}
				}
			case strings.HasPrefix(name, "data-") && strings.HasSuffix(name, "-id"):
				module, _, err := fieldModule(strings.ReplaceAll(strings.TrimPrefix(name, "data-"), "-", "_"), "")
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				if err := addID(&out, module, a.Value, where); err != nil {
					return nil, err
				}
			}
		}
	}
}
