package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// recordJSON writes a record as one JSON object, fields in the module's
// order: id, customer_id, the fields, lines and totals, created_at,
// updated_at. Secrets are never part of it.
type recordJSON struct {
	m   *records.Module
	rec records.Record
}

func (rj recordJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	put := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		raw, err := json.Marshal(v)
		b.Write(raw)
		return err
	}
	b.WriteByte('{')
	put("id", ID(rj.rec.ID))
	put("customer_id", idOrNull(rj.rec.CustomerID))
	for _, f := range rj.m.Fields {
		if err := put(f.Name, jsonValue(f, rj.rec.Values[f.Name])); err != nil {
			return nil, err
		}
	}
	if rj.m.Lines && rj.rec.Lines != nil {
		lines := make([]lineJSON, len(rj.rec.Lines))
		for i, l := range rj.rec.Lines {
			lines[i] = lineJSON{Description: l.Description, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.Amount}
		}
		put("lines", lines)
	}
	if rj.m.Secret {
		put("has_secret", rj.rec.HasSecret)
	}
	put("created_at", rj.rec.CreatedAt)
	put("updated_at", rj.rec.UpdatedAt)
	b.WriteByte('}')
	return b.Bytes(), nil
}

type lineJSON struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	Amount      int64  `json:"amount"`
}

// idOrNull shows an optional id: a string, or null.
func idOrNull(id int64) any {
	if id == 0 {
		return nil
	}
	return ID(id)
}

func jsonValue(f records.Field, v any) any {
	switch f.Kind {
	case records.Ref, records.UserRef:
		n, _ := v.(int64)
		return idOrNull(n)
	case records.Time:
		if t, _ := v.(time.Time); !t.IsZero() {
			return t
		}
		return nil
	case records.JSONDoc:
		if s, _ := v.(string); s != "" {
			return json.RawMessage(s)
		}
		return json.RawMessage("{}")
	}
	return v
}

// csvValue shows a field value in a CSV cell.
func csvValue(f records.Field, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		if x == 0 && (f.Kind == records.Ref || f.Kind == records.UserRef) {
			return ""
		}
		return strconv.FormatInt(x, 10)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	return ""
}

// recordRequest is a decoded create or update body.
type recordRequest struct {
	CustomerID int64
	Values     records.Values
	Lines      *[]records.Line
	Secret     *string
}

// decodeRecord reads a module's create (or update) body: unknown and
// read-only fields are refused by name, and on update the customer and
// fixed fields cannot change. Every member at fault is named at once.
func decodeRecord(r *http.Request, m *records.Module, create bool) (recordRequest, error) {
	req := recordRequest{Values: records.Values{}}
	members, err := readObject(r)
	if err != nil {
		return req, err
	}
	var errs gatehouse.Invalids
	for _, mb := range members {
		errs.Add(req.member(m, create, mb.name, json.RawMessage(mb.raw)))
	}
	return req, errs.Err()
}

// member reads one member of a record body into req.
func (req *recordRequest) member(m *records.Module, create bool, key string, val json.RawMessage) error {
	switch {
	case key == "customer_id":
		if !m.HasCustomerInput() {
			return gatehouse.Invalid(key, "the customer is the %s's", m.CustomerFrom[:len(m.CustomerFrom)-3])
		}
		if !create {
			return gatehouse.Invalid(key, "a record keeps its customer")
		}
		if string(val) == "null" {
			return nil
		}
		var id ID
		if err := json.Unmarshal(val, &id); err != nil {
			return gatehouse.Invalid(key, "expected an id (a string of digits)")
		}
		req.CustomerID = int64(id)
	case key == "lines" && m.Lines:
		lines, err := decodeLines(val)
		if err != nil {
			return err
		}
		req.Lines = &lines
	case key == "secret" && m.Secret:
		var s string
		if err := json.Unmarshal(val, &s); err != nil {
			return gatehouse.Invalid(key, "expected a string")
		}
		if len(s) > 10000 {
			return gatehouse.Invalid(key, "at most 10000 characters")
		}
		req.Secret = &s
	default:
		f, ok := m.Field(key)
		if !ok {
			return gatehouse.Invalid(key, "unknown field")
		}
		if f.ReadOnly {
			return gatehouse.Invalid(key, "%s is set by the server", key)
		}
		if f.Fixed && !create {
			return gatehouse.Invalid(key, "%s cannot change", key)
		}
		v, err := parseValue(f, val)
		if err != nil {
			return err
		}
		req.Values[key] = v
	}
	return nil
}

func parseValue(f records.Field, raw json.RawMessage) (any, error) {
	null := string(raw) == "null"
	switch f.Kind {
	case records.Int, records.Money:
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil || null {
			return nil, gatehouse.Invalid(f.Name, "expected a whole number")
		}
		return n, nil
	case records.Bool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil || null {
			return nil, gatehouse.Invalid(f.Name, "expected true or false")
		}
		return b, nil
	case records.Time:
		if null {
			return time.Time{}, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, gatehouse.Invalid(f.Name, "expected a time as RFC 3339")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, gatehouse.Invalid(f.Name, "expected a time as RFC 3339")
		}
		return t.UTC().Truncate(time.Millisecond), nil
	case records.Ref, records.UserRef:
		if null {
			return int64(0), nil
		}
		var id ID
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, gatehouse.Invalid(f.Name, "expected an id (a string of digits)")
		}
		return int64(id), nil
	case records.JSONDoc:
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return nil, gatehouse.Invalid(f.Name, "expected a JSON object")
		}
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return nil, gatehouse.Invalid(f.Name, "expected a JSON object")
		}
		return b.String(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || null {
		return nil, gatehouse.Invalid(f.Name, "expected a string")
	}
	if f.Kind != records.Text {
		s = strings.TrimSpace(s)
	}
	return s, nil
}

func decodeLines(raw json.RawMessage) ([]records.Line, error) {
	var in []struct {
		Description string `json:"description"`
		Quantity    int64  `json:"quantity"`
		UnitPrice   int64  `json:"unit_price"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, gatehouse.Invalid("lines", "expected a list of {description, quantity, unit_price}")
	}
	out := make([]records.Line, len(in))
	for i, l := range in {
		out[i] = records.Line{Description: strings.TrimSpace(l.Description), Quantity: l.Quantity, UnitPrice: l.UnitPrice}
	}
	return out, nil
}
