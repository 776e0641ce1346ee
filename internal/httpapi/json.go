package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"gatehouse/internal/gatehouse"
)

// ID is an int64 id that travels as a JSON string.
type ID int64

func (id ID) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(id), 10) + `"`), nil
}

func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		// A type error lets the decoder name the field at fault.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[ID]()}
	}
	*id = ID(v)
	return nil
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

const maxBody = 1 << 20

// decode reads one JSON object into v, rejecting unknown fields and
// trailing data, and naming the field at fault.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return gatehouse.Invalid("", "the body must hold exactly one JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Type == reflect.TypeFor[ID]() {
			return gatehouse.Invalid(typeErr.Field, "%s is not an id (ids are strings of digits)", typeErr.Value)
		}
		return gatehouse.Invalid(typeErr.Field, "expected %s", typeErr.Type.String())
	case errors.As(err, &syntaxErr):
		return gatehouse.Invalid("", "malformed JSON at offset %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return gatehouse.Invalid("", "a JSON body is required")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return gatehouse.Invalid(field, "unknown field")
	}
	// Errors from a field's UnmarshalJSON arrive wrapped with its path.
	msg := err.Error()
	if i := strings.Index(msg, "Go struct field "); i >= 0 {
		rest := msg[i+len("Go struct field "):]
		if j := strings.Index(rest, " "); j > 0 {
			path := rest[:j]
			if k := strings.LastIndex(path, "."); k >= 0 {
				path = path[k+1:]
			}
			return gatehouse.Invalid(path, "invalid value")
		}
	}
	return gatehouse.Invalid("", "invalid JSON: %v", err)
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
	v, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || v <= 0 {
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
	NextCursor *string `json:"next_cursor"`
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
