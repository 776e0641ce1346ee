package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"gatehouse/internal/gatehouse"
)

// ID is an int64 id that travels as a JSON string.
type ID int64

func (id ID) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(id), 10) + `"`), nil
}

// UnmarshalJSON reads an id from a string of digits; a JSON number is
// refused, as ids are strings everywhere.
func (id *ID) UnmarshalJSON(b []byte) error {
	v, ok := int64(0), len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"'
	if ok {
		v, ok = parseID(string(b[1 : len(b)-1]))
	}
	if !ok {
		// A type error lets the decoder name the field at fault.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[ID]()}
	}
	*id = ID(v)
	return nil
}

// parseID reads a positive id written as digits only.
func parseID(s string) (int64, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}

func toIDs(in []int64) []ID {
	out := make([]ID, len(in))
	for i, v := range in {
		out[i] = ID(v)
	}
	return out
}

func fromIDs(in []ID) []int64 {
	out := make([]int64, len(in))
	for i, v := range in {
		out[i] = int64(v)
	}
	return out
}

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// admit holds a request to its route's Doc before the handler runs: a
// body only where the route takes one, and then as application/json; a
// format= the route answers in. The body is capped at maxBody.
func (d Doc) admit(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > maxBody {
		return tooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	has, err := hasBody(r)
	if err != nil {
		return err
	}
	switch {
	case d.Body == nil && has:
		return gatehouse.Invalid("", "this endpoint takes no request body")
	case d.Body != nil && has && !isJSON(r.Header.Get("Content-Type")):
		return gatehouse.Errorf(gatehouse.EMediaType, "send the body as Content-Type: application/json")
	}
	switch f := r.URL.Query().Get("format"); {
	case f == "" || f == "json":
	case f == "csv" && d.CSV:
	case d.CSV:
		return gatehouse.Invalid("format", "format is json or csv")
	default:
		return gatehouse.Invalid("format", "this endpoint answers JSON only")
	}
	return nil
}

// hasBody reports whether the request carries a body, peeking at one
// of unknown length.
func hasBody(r *http.Request) (bool, error) {
	if r.ContentLength >= 0 || r.Body == nil || r.Body == http.NoBody {
		return r.ContentLength > 0, nil
	}
	br := bufio.NewReader(r.Body)
	_, err := br.Peek(1)
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	if err == io.EOF {
		return false, nil
	}
	return err == nil, bodyError(err)
}

func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	cs, ok := params["charset"]
	return err == nil && mt == "application/json" && (!ok || strings.EqualFold(cs, "utf-8"))
}

func tooLarge() error {
	return gatehouse.Errorf(gatehouse.ETooLarge, "the body is over the limit of %d bytes (1 MiB)", maxBody)
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	if err != nil {
		return gatehouse.Invalid("", "the body could not be read")
	}
	return nil
}

// member is one member of a JSON object, in the order sent.
type member struct {
	name string
	raw  jsontext.Value
}

// readObject reads a body holding exactly one JSON object: valid UTF-8,
// no member named twice, nothing after it. A fault names the member.
func readObject(r *http.Request) ([]member, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, gatehouse.Invalid("", "a JSON body is required")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body)) // refuses invalid UTF-8 and duplicate names
	if _, err := dec.ReadValue(); err != nil {
		return nil, syntaxError(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, gatehouse.Invalid("", "the body must hold exactly one JSON object")
	}
	dec = jsontext.NewDecoder(bytes.NewReader(body))
	if tok, _ := dec.ReadToken(); tok.Kind() != '{' {
		return nil, gatehouse.Invalid("", "the body must be a JSON object")
	}
	var out []member
	for dec.PeekKind() != '}' {
		tok, _ := dec.ReadToken()
		name := tok.String()
		raw, _ := dec.ReadValue()
		out = append(out, member{name, raw.Clone()})
	}
	return out, nil
}

// syntaxError names the member at fault in a malformed body.
func syntaxError(err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return gatehouse.Invalid("", "malformed JSON")
	}
	field := pointerField(string(se.JSONPointer))
	switch msg := se.Err.Error(); {
	case errors.Is(err, jsontext.ErrDuplicateName):
		return gatehouse.Invalid(field, "%s is given twice", field)
	case strings.Contains(msg, "UTF-8") || strings.Contains(msg, "surrogate"):
		return gatehouse.Invalid(field, "not valid UTF-8")
	default:
		return gatehouse.Invalid(field, "malformed JSON at offset %d: %s", se.ByteOffset, msg)
	}
}

// pointerField turns a JSON pointer (/lines/0/description) into the
// field name problems use (lines[0].description).
func pointerField(ptr string) string {
	var b strings.Builder
	for i, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// decode reads one JSON object into the struct v: every member by its
// exact name, unknown ones refused, and every member at fault named at
// once.
func decode(r *http.Request, v any) error {
	members, err := readObject(r)
	if err != nil {
		return err
	}
	fields := jsonFields(reflect.TypeOf(v).Elem())
	dst := reflect.ValueOf(v).Elem()
	var errs gatehouse.Invalids
	for _, m := range members {
		i, ok := fields[m.name]
		if !ok {
			errs.Add(gatehouse.Invalid(m.name, "unknown field"))
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(m.raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst.Field(i).Addr().Interface()); err != nil {
			errs.Add(decodeError(m.name, err))
		}
	}
	return errs.Err()
}

// jsonFields maps a struct's JSON member names to its field indexes.
func jsonFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = i
		}
	}
	return out
}

// decodeError names what is wrong with the value of one member.
func decodeError(name string, err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := name
		if typeErr.Field != "" {
			field += "." + typeErr.Field
		}
		if typeErr.Type == reflect.TypeFor[ID]() {
			return gatehouse.Invalid(field, "%s is not an id (ids are strings of digits)", typeErr.Value)
		}
		return gatehouse.Invalid(field, "expected %s", kindName(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return gatehouse.Invalid(name+"."+strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "unknown field")
	}
	return gatehouse.Invalid(name, "invalid value")
}

// kindName says in words what a Go type reads from JSON.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return fmt.Sprint(t)
}

// writeJSON writes v with a status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// pathID parses the {id} wildcard. A malformed id is a missing record.
func pathID(r *http.Request, what string) (int64, error) {
	v, ok := parseID(r.PathValue("id"))
	if !ok {
		return 0, gatehouse.NotFound(what)
	}
	return v, nil
}

// listFilter reads q, cursor and limit.
func listFilter(r *http.Request) (gatehouse.ListFilter, error) {
	q := r.URL.Query()
	f := gatehouse.ListFilter{Q: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, gatehouse.Invalid("limit", "limit is a number from 1 to 500")
		}
		f.Limit = n
	}
	return f, nil
}

// list is the shape of every list response.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor" doc:"pass as cursor= for the next page; null on the last" example:"2s.QWNtZSBEZW50YWw"`
}

func newList[S, T any](p gatehouse.Page[S], conv func(S) T) list[T] {
	out := list[T]{Items: make([]T, 0, len(p.Items))}
	for _, s := range p.Items {
		out.Items = append(out.Items, conv(s))
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return out
}

func asError(err error, target **gatehouse.Error) bool { return errors.As(err, target) }
