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
	EConflict     = "conflict"     // 409: the change would break an invariant
	ETooMany      = "too_many"     // 429: slow down (failed sign-ins)
	EInternal     = "internal"     // 500: logged, never shown
)

var statusOf = map[string]int{
	EInvalid:      http.StatusBadRequest,
	EUnauthorized: http.StatusUnauthorized,
	EForbidden:    http.StatusForbidden,
	ENotFound:     http.StatusNotFound,
	EConflict:     http.StatusConflict,
	ETooMany:      http.StatusTooManyRequests,
	EInternal:     http.StatusInternalServerError,
}

// HTTPStatus is the HTTP status of an error code, the same on every
// surface (JSON API, web admin, decision API).
func HTTPStatus(code string) int { return statusOf[code] }

// Error is a domain error whose message is safe to show to the caller.
type Error struct {
	Code    string
	Message string
	Field   string // the input field at fault, if any
	// RetryAfter, when set, tells the client when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return e.Code + ": " + e.Message
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
