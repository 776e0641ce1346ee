package access

import (
	"slices"
)

// ScopeKind says how a Scope describes its customers.
type ScopeKind uint8

const (
	ScopeNone      ScopeKind = iota // no customers
	ScopeAll                        // every customer, including ones created later
	ScopeOnly                       // exactly IDs
	ScopeAllExcept                  // every customer except IDs
)

// Scope is a set of customers. IDs are sorted and unique (for Only and
// AllExcept). Build scopes with All, Only and AllExcept; they keep one
// canonical form per set (an empty Only is None, an AllExcept with no
// exceptions is All), so the algebra never has to compare two spellings.
// A Scope literal written by hand is accepted too: the engine
// re-normalizes every scope it is given.
type Scope struct {
	Kind ScopeKind
	IDs  []int64
}

// All is every customer, including ones created later.
func All() Scope { return Scope{Kind: ScopeAll} }

// Only is exactly ids. Only() with no ids is the empty scope: an empty
// select_customers list grants no customer, never "all".
func Only(ids ...int64) Scope {
	return normalize(Scope{Kind: ScopeOnly, IDs: ids})
}

// AllExcept is every customer except ids, including customers created later.
func AllExcept(ids ...int64) Scope {
	return normalize(Scope{Kind: ScopeAllExcept, IDs: ids})
}

// normalize returns s in canonical form with its own copy of the IDs, so a
// caller changing its slice later cannot change a compiled grant.
func normalize(s Scope) Scope {
	switch s.Kind {
	case ScopeOnly, ScopeAllExcept:
	case ScopeAll:
		return All()
	default:
		// Unknown kinds grant nothing: failing closed beats guessing.
		return Scope{}
	}
	ids := slices.Clone(s.IDs)
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	ids = slices.Compact(ids)
	return canonical(s.Kind, ids)
}

// canonical builds a scope from already sorted, unique ids.
func canonical(kind ScopeKind, ids []int64) Scope {
	if len(ids) == 0 {
		if kind == ScopeAllExcept {
			return All()
		}
		return Scope{}
	}
	return Scope{Kind: kind, IDs: slices.Clip(ids)}
}

// Contains reports whether customer is in s. It is plain set membership;
// the rule that customer 0 (a record with no customer) needs an
// all-customers grant belongs to Grants.Check.
func (s Scope) Contains(customer int64) bool {
	switch s.Kind {
	case ScopeAll:
		return true
	case ScopeOnly:
		_, ok := slices.BinarySearch(s.IDs, customer)
		return ok
	case ScopeAllExcept:
		_, ok := slices.BinarySearch(s.IDs, customer)
		return !ok
	}
	return false
}

// Empty reports whether s holds no customer at all.
func (s Scope) Empty() bool {
	switch s.Kind {
	case ScopeAll, ScopeAllExcept:
		// Customer IDs are unbounded, so an exception list never exhausts them.
		return false
	case ScopeOnly:
		return len(s.IDs) == 0
	}
	return true
}

// Covers reports whether s ⊇ o.
func (s Scope) Covers(o Scope) bool {
	if o.Empty() {
		return true
	}
	switch s.Kind {
	case ScopeAll:
		return true
	case ScopeOnly:
		// A finite list never covers an infinite set.
		return o.Kind == ScopeOnly && subset(o.IDs, s.IDs)
	case ScopeAllExcept:
		switch o.Kind {
		case ScopeAll:
			return len(s.IDs) == 0 // only a hand-written, non-canonical All
		case ScopeOnly:
			return disjoint(o.IDs, s.IDs)
		case ScopeAllExcept:
			return subset(s.IDs, o.IDs)
		}
	}
	return false
}

// Equal reports whether s and o hold the same customers.
func (s Scope) Equal(o Scope) bool { return s.Covers(o) && o.Covers(s) }

// Union is a ∪ b.
func Union(a, b Scope) Scope {
	switch {
	case a.Empty():
		return b
	case b.Empty():
		return a
	case a.Kind == ScopeAll || b.Kind == ScopeAll:
		return All()
	case a.Kind == ScopeOnly && b.Kind == ScopeOnly:
		return canonical(ScopeOnly, merge(a.IDs, b.IDs))
	case a.Kind == ScopeAllExcept && b.Kind == ScopeAllExcept:
		// Excluded from the union only if excluded from both.
		return canonical(ScopeAllExcept, intersect(a.IDs, b.IDs))
	case a.Kind == ScopeOnly:
		return canonical(ScopeAllExcept, minus(b.IDs, a.IDs))
	default:
		return canonical(ScopeAllExcept, minus(a.IDs, b.IDs))
	}
}

// Intersect is a ∩ b: where two permissions both apply, as when a change
// needs its own permission and the record in view.
func Intersect(a, b Scope) Scope {
	switch {
	case a.Empty() || b.Empty():
		return Scope{}
	case a.Kind == ScopeAll:
		return b
	case b.Kind == ScopeAll:
		return a
	case a.Kind == ScopeOnly && b.Kind == ScopeOnly:
		return canonical(ScopeOnly, intersect(a.IDs, b.IDs))
	case a.Kind == ScopeAllExcept && b.Kind == ScopeAllExcept:
		return canonical(ScopeAllExcept, merge(a.IDs, b.IDs))
	case a.Kind == ScopeOnly:
		return canonical(ScopeOnly, minus(a.IDs, b.IDs))
	default:
		return canonical(ScopeOnly, minus(b.IDs, a.IDs))
	}
}

// The helpers below walk two sorted, unique slices in step; every set
// operation is one linear merge, never a map.

// merge returns a ∪ b.
func merge(a, b []int64) []int64 {
	out := make([]int64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// intersect returns a ∩ b.
func intersect(a, b []int64) []int64 {
	var out []int64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// minus returns a \ b.
func minus(a, b []int64) []int64 {
	var out []int64
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			out = append(out, x)
		}
	}
	return out
}

// firstMissing returns the first element of a that is not in b, if any.
func firstMissing(a, b []int64) (int64, bool) {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return x, true
		}
	}
	return 0, false
}

// firstCommon returns the first element in both a and b, if any.
func firstCommon(a, b []int64) (int64, bool) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			return a[i], true
		}
	}
	return 0, false
}

func subset(a, b []int64) bool {
	_, missing := firstMissing(a, b)
	return !missing
}

func disjoint(a, b []int64) bool {
	_, common := firstCommon(a, b)
	return !common
}

// uncovered names one customer that o holds and s does not, for error
// messages. ok is false when s covers o; customer is 0 when no single
// customer can be named (o is unbounded and s is a finite list).
func uncovered(s, o Scope) (customer int64, ok bool) {
	if s.Covers(o) {
		return 0, false
	}
	switch {
	case o.Kind == ScopeOnly && s.Kind == ScopeAllExcept:
		c, _ := firstCommon(o.IDs, s.IDs)
		return c, true
	case o.Kind == ScopeOnly:
		c, _ := firstMissing(o.IDs, s.IDs) // s is None or Only here
		return c, true
	case o.Kind == ScopeAllExcept && s.Kind == ScopeAllExcept:
		c, _ := firstMissing(s.IDs, o.IDs)
		return c, true
	case o.Kind == ScopeAll && s.Kind == ScopeAllExcept:
		return s.IDs[0], true
	}
	return 0, true
}

// Minus is a \ b: the customers of a that b does not hold, as when a change
// tells who gains which customers.
func Minus(a, b Scope) Scope {
	switch {
	case a.Empty():
		return Scope{}
	case b.Empty():
		return a
	case b.Kind == ScopeAll:
		return Scope{}
	case a.Kind == ScopeAll && b.Kind == ScopeOnly:
		return canonical(ScopeAllExcept, b.IDs)
	case a.Kind == ScopeAll: // b excludes some: a \ b is those
		return canonical(ScopeOnly, b.IDs)
	case a.Kind == ScopeOnly && b.Kind == ScopeOnly:
		return canonical(ScopeOnly, minus(a.IDs, b.IDs))
	case a.Kind == ScopeOnly: // b is AllExcept: keep a's customers b excludes
		return canonical(ScopeOnly, intersect(a.IDs, b.IDs))
	case b.Kind == ScopeOnly: // a is AllExcept
		return canonical(ScopeAllExcept, merge(a.IDs, b.IDs))
	default: // both AllExcept: what b excludes and a does not
		return canonical(ScopeOnly, minus(b.IDs, a.IDs))
	}
}
