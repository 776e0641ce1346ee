// Package gatehouse holds the domain types shared by storage and the HTTP
// surfaces: accounts, users, customers, security groups, and the errors
// that cross those boundaries.
package gatehouse

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error codes. The HTTP boundary maps each to one status.
const (
	EInvalid      = "invalid"      // 400: bad input; Field names the culprit
	EUnauthorized = "unauthorized" // 401: no or bad credentials
	EForbidden    = "forbidden"    // 403: the area is not granted at all
	ENotFound     = "not_found"    // 404: missing, or out of the caller's scope
	EMethod       = "method"       // 405: the endpoint does not take this method
	EConflict     = "conflict"     // 409: the change would break an invariant
	ETooLarge     = "too_large"    // 413: the request body is over the limit
	EMediaType    = "media_type"   // 415: the body is not application/json
	ETooMany      = "too_many"     // 429: slow down (failed sign-ins)
	EInternal     = "internal"     // 500: logged, never shown
	EUnavailable  = "unavailable"  // 503: the store cannot be reached or written; retry

	EStepUp = "step_up_required"       // 401: present a second factor again first
	EEnrol  = "mfa_enrolment_required" // 403: enrol a second factor before anything else
)

var statusOf = map[string]int{
	EInvalid:      http.StatusBadRequest,
	EUnauthorized: http.StatusUnauthorized,
	EForbidden:    http.StatusForbidden,
	ENotFound:     http.StatusNotFound,
	EMethod:       http.StatusMethodNotAllowed,
	EConflict:     http.StatusConflict,
	ETooLarge:     http.StatusRequestEntityTooLarge,
	EMediaType:    http.StatusUnsupportedMediaType,
	ETooMany:      http.StatusTooManyRequests,
	EInternal:     http.StatusInternalServerError,
	EUnavailable:  http.StatusServiceUnavailable,
	EStepUp:       http.StatusUnauthorized,
	EEnrol:        http.StatusForbidden,
}

// Codes lists every error code, for documents that enumerate them.
func Codes() []string {
	return []string{EInvalid, EUnauthorized, EForbidden, ENotFound, EMethod, EConflict, ETooLarge, EMediaType, ETooMany, EInternal, EUnavailable, EStepUp, EEnrol}
}

// HTTPStatus is the HTTP status of an error code, the same on every
// surface (JSON API, web admin, decision API).
func HTTPStatus(code string) int { return statusOf[code] }

// Error is a domain error whose message is safe to show to the caller.
type Error struct {
	Code    string
	Message string
	Field   string // the input field at fault, if any
	// Fields lists every invalid field when a request has several; Field
	// and Message then repeat the first.
	Fields []FieldError
	// RetryAfter, when set, tells the client when to try again.
	RetryAfter time.Duration
	cause      error // logged, never shown
}

// FieldError is one invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// Unwrap exposes the cause for logs and errors.Is.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Field != "" {
		msg = fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Is lets errors.Is match sentinels by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Sentinels for errors.Is. Storage never returns nil, nil for "not found".
var (
	ErrNotFound     = &Error{Code: ENotFound}
	ErrConflict     = &Error{Code: EConflict}
	ErrUnauthorized = &Error{Code: EUnauthorized}
	ErrForbidden    = &Error{Code: EForbidden}
)

// Errorf builds a domain error with a formatted, caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the one answer for a record that is missing or out of scope,
// so the two can never be told apart.
func NotFound(what string) *Error {
	return &Error{Code: ENotFound, Message: what + " not found"}
}

// RetryAfterSeconds is how long a 503 asks the client to wait.
const RetryAfterSeconds = 5

// Unavailable reports that the store could not be reached or refused a
// write. The cause is kept for the log; the caller is told to retry.
func Unavailable(cause error) *Error {
	return &Error{Code: EUnavailable, Message: "the database cannot be reached or written right now; try again shortly", cause: cause}
}

// Invalids collects the invalid fields of one input, so that it is
// refused once, naming all of them.
type Invalids struct {
	errs  []*Error
	other error
}

// Add records err: an invalid-input error is collected; any other error
// is kept and wins in Err.
func (v *Invalids) Add(err error) {
	var e *Error
	switch {
	case err == nil:
	case errors.As(err, &e) && e.Code == EInvalid:
		v.errs = append(v.errs, e)
	case v.other == nil:
		v.other = err
	}
}

// Empty reports whether nothing was added.
func (v *Invalids) Empty() bool { return len(v.errs) == 0 && v.other == nil }

// Err is nil, the one error added, or one invalid error listing every
// field; its Field and Message are the first one's.
func (v *Invalids) Err() error {
	switch {
	case v.other != nil:
		return v.other
	case len(v.errs) == 0:
		return nil
	case len(v.errs) == 1 && len(v.errs[0].Fields) == 0:
		return v.errs[0]
	}
	out := &Error{Code: EInvalid, Field: v.errs[0].Field, Message: v.errs[0].Message}
	for _, e := range v.errs {
		if len(e.Fields) > 0 {
			out.Fields = append(out.Fields, e.Fields...)
			continue
		}
		out.Fields = append(out.Fields, FieldError{Field: e.Field, Message: e.Message})
	}
	return out
}

// ErrorCode returns the code of a domain error, EInternal for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// RetryAfter is how long the client should wait before trying again, if
// the error says.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
