package access

import "slices"

// set is a Scope compiled for Check. Customer IDs come from a database
// sequence, so a group's list is usually dense; then a bitmap answers
// membership with one load where a binary search over a few thousand IDs
// takes a dozen dependent ones (BenchmarkContains: about 3 ns against 25).
// Sparse lists keep the binary search: a map would answer in about 10 ns
// but costs a hash insert per ID on every Compile.
type set struct {
	scope Scope
	lo    int64    // customer ID of bit 0 of bits
	bits  []uint64 // nil: search scope.IDs instead
}

func compileSet(s Scope) set {
	cs := set{scope: s}
	if s.Kind != ScopeOnly && s.Kind != ScopeAllExcept || len(s.IDs) == 0 {
		return cs
	}
	lo, hi := s.IDs[0], s.IDs[len(s.IDs)-1]
	words := (uint64(hi)-uint64(lo))/64 + 1
	// Dense means the bitmap is no bigger than the ID list it indexes.
	if words > uint64(len(s.IDs)) {
		return cs
	}
	cs.lo = lo
	cs.bits = make([]uint64, words)
	for _, id := range s.IDs {
		off := uint64(id) - uint64(lo)
		cs.bits[off/64] |= 1 << (off % 64)
	}
	return cs
}

// listed reports whether c is one of the scope's IDs.
func (s *set) listed(c int64) bool {
	if s.bits == nil {
		_, ok := slices.BinarySearch(s.scope.IDs, c)
		return ok
	}
	off := uint64(c) - uint64(s.lo)
	return off < uint64(len(s.bits))*64 && s.bits[off/64]&(1<<(off%64)) != 0
}
