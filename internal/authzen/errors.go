package authzen

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"gatehouse/internal/gatehouse"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// fail is the one boundary from an error to a response. AuthZEN answers
// errors with a status and a message string as the JSON body; internal
// errors are logged and their text never leaves. A denial is never an
// error: it is a 200 with decision false.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := gatehouse.ErrorCode(err)
	status := gatehouse.HTTPStatus(code)
	msg := "an internal error occurred; it has been logged"
	var e *gatehouse.Error
	switch {
	case code == gatehouse.EInternal:
		s.log.Error("decision request failed", "path", r.URL.Path, "err", err)
	case errors.As(err, &e):
		msg = e.Message
		if e.Field != "" && !startsWith(msg, e.Field) {
			msg = e.Field + ": " + msg
		}
	}
	if code == gatehouse.EUnavailable {
		s.log.Warn("store unavailable", "path", r.URL.Path, "err", err)
	}
	h := w.Header()
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
	}
	if d := gatehouse.RetryAfter(err); d > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	} else if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(gatehouse.RetryAfterSeconds))
	}
	h.Set("Cache-Control", "no-store")
	writeJSON(w, status, msg)
}

func startsWith(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }
