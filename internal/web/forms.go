package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatehouse/internal/gatehouse"
)

// formError is a refused form, shown above the form with the field named.
type formError struct {
	Field   string
	Message string
	Status  int
}

func asDomain(err error, target **gatehouse.Error) bool { return errors.As(err, target) }

// formProblem turns the errors a user can fix by changing the form
// (bad input, a conflict, a delegation refusal) into a formError; any
// other error goes on to the boundary.
func formProblem(err error) (*formError, bool) {
	var e *gatehouse.Error
	if !asDomain(err, &e) {
		return nil, false
	}
	switch e.Code {
	case gatehouse.EInvalid, gatehouse.EConflict, gatehouse.EForbidden:
		msg := e.Message
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		return &formError{Field: e.Field, Message: msg, Status: gatehouse.HTTPStatus(e.Code)}, true
	}
	return nil, false
}

// Is reports whether the error is about the field; templates use it to
// mark the input.
func (e *formError) Is(field string) bool { return e != nil && e.Field == field }

// pathID parses the {id} wildcard. A malformed id is a missing record.
func pathID(r *http.Request, what string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || v <= 0 {
		return 0, gatehouse.NotFound(what)
	}
	return v, nil
}

// formIDs parses repeated id inputs, naming the field on a bad one.
func formIDs(values []string, field string) ([]int64, error) {
	out := make([]int64, 0, len(values))
	for _, v := range values {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return nil, gatehouse.Invalid(field, "%q is not an id", v)
		}
		out = append(out, id)
	}
	return out, nil
}

// checked reads a checkbox.
func checked(r *http.Request, name string) bool { return r.PostFormValue(name) == "on" }

// listFilter reads the q and cursor of a list page.
func listFilter(r *http.Request, limit int) gatehouse.ListFilter {
	q := r.URL.Query()
	return gatehouse.ListFilter{Q: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor"), Limit: limit}
}

// nextLink is the URL of a list's next page, keeping the search.
func nextLink(path, q, cursor string) string {
	if cursor == "" {
		return ""
	}
	v := url.Values{"cursor": {cursor}}
	if q != "" {
		v.Set("q", q)
	}
	return path + "?" + v.Encode()
}
