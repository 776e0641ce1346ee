package access

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestOnlyNormalizes(t *testing.T) {
	tests := []struct {
		name string
		got  Scope
		want Scope
	}{
		{"Only with no ids is the empty scope, not all", Only(), Scope{}},
		{"Only sorts and drops duplicates", Only(3, 1, 3, 2), Scope{Kind: ScopeOnly, IDs: []int64{1, 2, 3}}},
		{"AllExcept with no ids is All", AllExcept(), All()},
		{"AllExcept sorts and drops duplicates", AllExcept(9, 4, 9), Scope{Kind: ScopeAllExcept, IDs: []int64{4, 9}}},
		{"an unknown kind grants nothing", normalize(Scope{Kind: 42, IDs: []int64{1}}), Scope{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.Kind != tt.want.Kind || !slices.Equal(tt.got.IDs, tt.want.IDs) {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

func TestOnlyCopiesItsArguments(t *testing.T) {
	ids := []int64{1, 2}
	s := Only(ids...)
	ids[0] = 99
	if !s.Contains(1) || s.Contains(99) {
		t.Errorf("Only shares the caller's slice: %+v", s)
	}
}

func TestScopeAlgebra(t *testing.T) {
	none, all := Only(), All()
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"the empty scope contains no customer", none.Contains(1), false},
		{"All contains a customer created later", all.Contains(1 << 40), true},
		{"Only contains a listed customer", Only(1, 5).Contains(5), true},
		{"Only leaves out an unlisted customer", Only(1, 5).Contains(3), false},
		{"AllExcept leaves out an excepted customer", AllExcept(5).Contains(5), false},
		{"AllExcept contains any other customer", AllExcept(5).Contains(6), true},
		{"the empty scope is empty", none.Empty(), true},
		{"a hand-written Only with no ids is empty", Scope{Kind: ScopeOnly}.Empty(), true},
		{"AllExcept is never empty", AllExcept(1, 2, 3).Empty(), false},
		{"All covers AllExcept", all.Covers(AllExcept(1)), true},
		{"AllExcept does not cover All", AllExcept(1).Covers(all), false},
		{"Only never covers All", Only(1, 2, 3).Covers(all), false},
		{"Only never covers AllExcept", Only(1, 2, 3).Covers(AllExcept(1)), false},
		{"Only covers a subset", Only(1, 2, 3).Covers(Only(1, 3)), true},
		{"Only does not cover a superset", Only(1, 3).Covers(Only(1, 2, 3)), false},
		{"every scope covers the empty scope", none.Covers(Only()), true},
		{"the empty scope covers nothing else", none.Covers(Only(1)), false},
		{"AllExcept covers a list avoiding its exceptions", AllExcept(2).Covers(Only(1, 3)), true},
		{"AllExcept does not cover a list hitting an exception", AllExcept(2).Covers(Only(1, 2)), false},
		{"AllExcept covers AllExcept with more exceptions", AllExcept(2).Covers(AllExcept(2, 3)), true},
		{"AllExcept does not cover AllExcept with other exceptions", AllExcept(2).Covers(AllExcept(3)), false},
		{"Only plus Only is the merged list", Union(Only(1, 3), Only(2, 3)).Equal(Only(1, 2, 3)), true},
		{"Only plus AllExcept removes the listed exceptions", Union(Only(2), AllExcept(2, 3)).Equal(AllExcept(3)), true},
		{"AllExcept plus AllExcept keeps the common exceptions", Union(AllExcept(1, 2), AllExcept(2, 3)).Equal(AllExcept(2)), true},
		{"AllExcept plus a list of all its exceptions is All", Union(AllExcept(1, 2), Only(1, 2)).Kind == ScopeAll, true},
		{"anything plus All is All", Union(Only(1), all).Kind == ScopeAll, true},
		{"the empty scope is the identity of Union", Union(none, Only(4)).Equal(Only(4)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

// TestScopeAlgebraAgainstBruteForce checks Union and Covers on random scopes
// against membership tests over a small universe. Customer 1000 is never
// listed, so it stands for every customer outside the universe; that makes
// the brute force exact even for the unbounded kinds.
func TestScopeAlgebraAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	universe := []int64{1, 2, 3, 4, 5, 6, 7, 8, 1000}
	random := func() Scope {
		var ids []int64
		for _, c := range universe[:8] {
			if rng.IntN(2) == 0 {
				ids = append(ids, c)
			}
		}
		switch rng.IntN(4) {
		case 0:
			return Scope{}
		case 1:
			return All()
		case 2:
			return Only(ids...)
		}
		return AllExcept(ids...)
	}
	for range 5000 {
		a, b := random(), random()
		u := Union(a, b)
		covers := true
		for _, c := range universe {
			if u.Contains(c) != (a.Contains(c) || b.Contains(c)) {
				t.Fatalf("Union(%+v, %+v) = %+v is wrong at customer %d", a, b, u, c)
			}
			if b.Contains(c) && !a.Contains(c) {
				covers = false
			}
		}
		if a.Covers(b) != covers {
			t.Fatalf("%+v.Covers(%+v) = %v, want %v", a, b, !covers, covers)
		}
		if _, missing := uncovered(a, b); missing != !covers {
			t.Fatalf("uncovered(%+v, %+v) reports missing=%v, want %v", a, b, missing, !covers)
		}
		if c, missing := uncovered(a, b); missing && c != 0 && (!b.Contains(c) || a.Contains(c)) {
			t.Fatalf("uncovered(%+v, %+v) names customer %d, which is not missing", a, b, c)
		}
	}
}

func TestCompiledSetAgreesWithScope(t *testing.T) {
	scopes := map[string]Scope{
		"a dense list":               Only(10, 11, 12, 20, 75),
		"a sparse list":              Only(1, 1_000_000, 5_000_000_000),
		"a dense exception list":     AllExcept(3, 4, 5),
		"a list with negative ids":   Only(-70, -3, 0, 2),
		"a list spanning the int64s": Only(-1<<63, 0, 1<<63-1),
	}
	probes := []int64{-1 << 63, -70, -3, -1, 0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 20, 63, 64, 75, 76, 139, 1_000_000, 5_000_000_000, 1<<63 - 1}
	for name, s := range scopes {
		t.Run(name+" answers like its scope", func(t *testing.T) {
			cs := compileSet(s)
			for _, c := range probes {
				if got, want := cs.listed(c), slices.Contains(s.IDs, c); got != want {
					t.Errorf("listed(%d) = %v, want %v", c, got, want)
				}
			}
		})
	}
	if compileSet(Only(1, 2, 3)).bits == nil {
		t.Error("a dense list was not compiled to a bitmap")
	}
	if compileSet(Only(1, 1_000_000)).bits != nil {
		t.Error("a sparse list was compiled to a bitmap")
	}
}

func TestIntersectHoldsExactlyTheCustomersInBoth(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := func() Scope { return smallScope(r) }
	for i := 0; i < 2000; i++ {
		a, b := random(), random()
		got := Intersect(a, b)
		for c := int64(1); c <= 14; c++ {
			if got.Contains(c) != (a.Contains(c) && b.Contains(c)) {
				t.Fatalf("Intersect(%+v, %+v) = %+v: wrong about customer %d", a, b, got, c)
			}
		}
	}
}

func TestMinusHoldsExactlyTheCustomersOfTheFirstNotInTheSecond(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	random := func() Scope { return smallScope(r) }
	for i := 0; i < 2000; i++ {
		a, b := random(), random()
		got := Minus(a, b)
		for c := int64(1); c <= 14; c++ {
			if got.Contains(c) != (a.Contains(c) && !b.Contains(c)) {
				t.Fatalf("Minus(%+v, %+v) = %+v: wrong about customer %d", a, b, got, c)
			}
		}
		if !got.Equal(normalize(got)) {
			t.Fatalf("Minus(%+v, %+v) = %+v is not canonical", a, b, got)
		}
	}
}

// smallScope is a scope of any kind over customers 1 to 12.
func smallScope(r *rand.Rand) Scope {
	var ids []int64
	for c := int64(1); c <= 12; c++ {
		if r.IntN(3) == 0 {
			ids = append(ids, c)
		}
	}
	switch r.IntN(4) {
	case 0:
		return All()
	case 1:
		return AllExcept(ids...)
	case 2:
		return Scope{}
	}
	return Only(ids...)
}
