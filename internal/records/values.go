package records

import (
	"encoding/json"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/internal/gatehouse"
)

// Str, Int, Bool and Time read a value of the matching kind; a missing
// value reads as the zero value.
func (v Values) Str(name string) string {
	s, _ := v[name].(string)
	return s
}

func (v Values) Int(name string) int64 {
	n, _ := v[name].(int64)
	return n
}

func (v Values) Bool(name string) bool {
	b, _ := v[name].(bool)
	return b
}

func (v Values) Time(name string) time.Time {
	t, _ := v[name].(time.Time)
	return t
}

// Zero is the empty value of a kind, as stored when nothing is given.
func Zero(k Kind) any {
	switch k {
	case Int, Money, Ref, UserRef:
		return int64(0)
	case Bool:
		return false
	case Time:
		return time.Time{}
	}
	return ""
}

// Defaults returns the values of a new record before the request's.
func (m *Module) Defaults() Values {
	v := make(Values, len(m.Fields))
	for _, f := range m.Fields {
		if f.Default != nil {
			v[f.Name] = f.Default
		} else {
			v[f.Name] = Zero(f.Kind)
		}
	}
	return v
}

// Validate checks every field of a complete set of values, naming every
// one at fault, then the module's own cross-field rule.
func (m *Module) Validate(v Values) error {
	var errs gatehouse.Invalids
	for _, f := range m.Fields {
		if !f.ReadOnly {
			errs.Add(f.validate(v[f.Name]))
		}
	}
	if errs.Empty() && m.Check != nil {
		return m.Check(v)
	}
	return errs.Err()
}

func (f Field) validate(val any) error {
	switch f.Kind {
	case String, Text, Enum, Email, Currency, Date, JSONDoc:
		s, ok := val.(string)
		if !ok {
			return gatehouse.Invalid(f.Name, "expected a string")
		}
		return f.validateString(s)
	case Int, Money:
		n, ok := val.(int64)
		if !ok {
			return gatehouse.Invalid(f.Name, "expected a whole number")
		}
		if f.Required && n == 0 && f.Min > 0 {
			return gatehouse.Invalid(f.Name, "%s is required", f.Name)
		}
		if n < f.Min {
			return gatehouse.Invalid(f.Name, "at least %d", f.Min)
		}
		if f.Kind == Int && f.Max > 0 && n > int64(f.Max) {
			return gatehouse.Invalid(f.Name, "at most %d", f.Max)
		}
		if f.Kind == Money && n > MaxMoney {
			return gatehouse.Invalid(f.Name, "at most %d minor units", int64(MaxMoney))
		}
	case Ref, UserRef:
		n, ok := val.(int64)
		if !ok || n < 0 {
			return gatehouse.Invalid(f.Name, "expected an id")
		}
		if f.Required && n == 0 {
			return gatehouse.Invalid(f.Name, "%s is required", f.Name)
		}
	case Bool:
		if _, ok := val.(bool); !ok {
			return gatehouse.Invalid(f.Name, "expected true or false")
		}
	case Time:
		t, ok := val.(time.Time)
		if !ok {
			return gatehouse.Invalid(f.Name, "expected a time")
		}
		if f.Required && t.IsZero() {
			return gatehouse.Invalid(f.Name, "%s is required", f.Name)
		}
	}
	return nil
}

func (f Field) validateString(s string) error {
	if !utf8.ValidString(s) {
		return gatehouse.Invalid(f.Name, "must be UTF-8 text")
	}
	if f.Kind == String && strings.ContainsAny(s, "\r\n") {
		return gatehouse.Invalid(f.Name, "must be one line")
	}
	if f.Required && strings.TrimSpace(s) == "" {
		return gatehouse.Invalid(f.Name, "%s is required", f.Name)
	}
	max := f.Max
	switch {
	case max > 0:
	case f.Kind == Email:
		max = 254
	default:
		max = 200 // a field without its own limit is one short line at most
	}
	if len(s) > max {
		return gatehouse.Invalid(f.Name, "at most %d characters", max)
	}
	if s == "" && !f.Required && f.Kind != Enum && f.Kind != Currency {
		return nil
	}
	switch f.Kind {
	case Enum:
		if !slices.Contains(f.Enum, s) {
			return gatehouse.Invalid(f.Name, "one of %s", strings.Join(f.Enum, ", "))
		}
	case Email:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || len(s) > 254 {
			return gatehouse.Invalid(f.Name, "a valid email address")
		}
	case Currency:
		if len(s) != 3 || strings.ToUpper(s) != s || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return gatehouse.Invalid(f.Name, "a three-letter ISO 4217 code such as USD")
		}
	case Date:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return gatehouse.Invalid(f.Name, "a date as YYYY-MM-DD")
		}
	case JSONDoc:
		var obj map[string]any
		if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
			return gatehouse.Invalid(f.Name, "a JSON object")
		}
	}
	return nil
}
