package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	return appendRecord(nil, rj.m, rj.rec), nil
}

// appendRecord writes a record straight into b: lists write hundreds of
// them, and going through encoding/json per field cost a third of a
// list request's CPU.
func appendRecord(b []byte, m *records.Module, rec records.Record) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, rec.ID)
	b = append(b, `,"customer_id":`...)
	b = appendID(b, rec.CustomerID)
	for _, f := range m.Fields {
		b = append(b, ',', '"')
		b = append(b, f.Name...) // field names are plain identifiers
		b = append(b, '"', ':')
		b = appendValue(b, f, rec.Values[f.Name])
	}
	if m.Lines && rec.Lines != nil {
		b = append(b, `,"lines":[`...)
		for i, l := range rec.Lines {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"description":`...)
			b = appendString(b, l.Description)
			b = append(b, `,"quantity":`...)
			b = strconv.AppendInt(b, l.Quantity, 10)
			b = append(b, `,"unit_price":`...)
			b = strconv.AppendInt(b, l.UnitPrice, 10)
			b = append(b, `,"amount":`...)
			b = strconv.AppendInt(b, l.Amount, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if m.Secret {
		b = append(b, `,"has_secret":`...)
		b = strconv.AppendBool(b, rec.HasSecret)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, rec.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, rec.UpdatedAt)
	return append(b, '}')
}

// appendID writes an id as a JSON string, or null for none.
func appendID(b []byte, id int64) []byte {
	if id == 0 {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = strconv.AppendInt(b, id, 10)
	return append(b, '"')
}

// appendTime writes an instant as encoding/json does, or null for none.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendValue(b []byte, f records.Field, v any) []byte {
	switch f.Kind {
	case records.Ref, records.UserRef:
		n, _ := v.(int64)
		return appendID(b, n)
	case records.Time:
		t, _ := v.(time.Time)
		return appendTime(b, t)
	case records.JSONDoc:
		s, _ := v.(string)
		var c bytes.Buffer
		if s == "" || json.Compact(&c, []byte(s)) != nil {
			return append(b, "{}"...)
		}
		return append(b, c.Bytes()...)
	}
	switch x := v.(type) {
	case string:
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case nil:
		return append(b, "null"...)
	}
	raw, _ := json.Marshal(v)
	return append(b, raw...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string exactly as encoding/json does:
// HTML-significant characters and U+2028/U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// writeRecordPage writes a page of records as the list response:
// {"items": [...], "next_cursor", "prev_cursor"} and, when asked, the
// total and whether it was capped.
func writeRecordPage(w http.ResponseWriter, m *records.Module, page gatehouse.Page[records.Record], total bool) error {
	b := make([]byte, 0, 256+len(page.Items)*320)
	b = append(b, `{"items":[`...)
	for i, rec := range page.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRecord(b, m, rec)
	}
	b = append(b, `],"next_cursor":`...)
	b = appendCursor(b, page.NextCursor)
	b = append(b, `,"prev_cursor":`...)
	b = appendCursor(b, page.PrevCursor)
	if total {
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, int64(page.Total), 10)
		b = append(b, `,"total_capped":`...)
		b = strconv.AppendBool(b, page.TotalCapped)
	}
	b = append(b, '}', '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

func appendCursor(b []byte, c string) []byte {
	if c == "" {
		return append(b, "null"...)
	}
	return appendString(b, c)
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

// idOrNull shows an optional id: a string, or null.
func idOrNull(id int64) any {
	if id == 0 {
		return nil
	}
	return ID(id)
}
