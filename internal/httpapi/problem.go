package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"gatehouse/internal/gatehouse"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string `json:"type" doc:"urn:gatehouse:problem: followed by the code" example:"urn:gatehouse:problem:invalid"`
	Title  string `json:"title" doc:"the HTTP status text" example:"Bad Request"`
	Status int    `json:"status" example:"400"`
	Detail string `json:"detail,omitempty" doc:"what went wrong, safe to show to a person" example:"a name is required"`
	Code   string `json:"code" enum:"codes" example:"invalid"`
	Field  string `json:"field,omitempty" doc:"the input field at fault (the first, when several are)" example:"name"`
	// Errors lists every invalid field when a request has several.
	Errors []ProblemField `json:"errors,omitempty" doc:"every invalid field, when a request has several"`
}

// ProblemField is one invalid field of a request.
type ProblemField struct {
	Field  string `json:"field" example:"email"`
	Detail string `json:"detail" example:"a valid email address is required"`
}

// problemType names a code's problem type.
func problemType(code string) string { return "urn:gatehouse:problem:" + code }

// problemFor turns an error into the problem shown to the client. Only
// domain errors carry their message out; anything else is "internal".
func problemFor(err error) Problem {
	code := gatehouse.ErrorCode(err)
	status := gatehouse.HTTPStatus(code)
	p := Problem{Type: problemType(code), Title: http.StatusText(status), Status: status, Code: code}
	if code == gatehouse.EInternal {
		p.Detail = "an internal error occurred; it has been logged"
		return p
	}
	var e *gatehouse.Error
	if ok := asError(err, &e); ok {
		p.Detail, p.Field = e.Message, e.Field
		for _, f := range e.Fields {
			p.Errors = append(p.Errors, ProblemField{Field: f.Field, Detail: f.Message})
		}
	}
	return p
}

// fail is the one boundary from an error to a response. Internal errors
// are logged with their text, an unreachable store with its cause; the
// client only sees that one happened.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	switch p.Code {
	case gatehouse.EInternal:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case gatehouse.EUnavailable:
		s.log.Warn("store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
	}
	if d := gatehouse.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	writeProblem(w, p)
}

// writeProblem writes p as application/problem+json; a 503 says when to
// try again.
func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(gatehouse.RetryAfterSeconds))
	}
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
