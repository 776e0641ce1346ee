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
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
}

// ProblemFor turns an error into the problem shown to the client. Only
// domain errors carry their message out; anything else is "internal".
func ProblemFor(err error) Problem {
	code := gatehouse.ErrorCode(err)
	status := gatehouse.HTTPStatus(code)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code}
	if code == gatehouse.EInternal {
		p.Detail = "an internal error occurred; it has been logged"
		return p
	}
	var e *gatehouse.Error
	if ok := asError(err, &e); ok {
		p.Detail, p.Field = e.Message, e.Field
	}
	return p
}

// fail is the one boundary from an error to a response. Internal errors
// are logged with their text; the client only sees that one happened.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(err)
	if p.Code == gatehouse.EInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
	}
	if d := gatehouse.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
	WriteProblem(w, p)
}

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
