package access

import (
	"math/rand/v2"
	"slices"
	"testing"

	"gatehouse/internal/catalog"
)

// The benchmarks run at the brief's size: 2,000 users, 200 groups and
// 5,000 customers.
var benchSize = genOptions{users: 2000, groups: 200, customers: 5000}

var sink int

type checkCase struct {
	g        *Grants
	perm     catalog.Perm
	customer int64
}

// checkCases draws random (user, permission, customer) triples. Half the
// customers come from one of the user's own groups so both answers occur.
func checkCases(pop population, grants []*Grants, sameUser bool) []checkCase {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := make([]checkCase, 1<<14)
	for i := range cases {
		u := rng.IntN(len(grants))
		if sameUser {
			u = 0
		}
		c := pop.customers[rng.IntN(len(pop.customers))]
		if ms := pop.subjects[u].Memberships; rng.IntN(2) == 0 {
			if ids := ms[rng.IntN(len(ms))].Group.Scope.IDs; len(ids) > 0 {
				c = ids[rng.IntN(len(ids))]
			}
		}
		cases[i] = checkCase{grants[u], catalog.Perm(rng.IntN(catalog.Len())), c}
	}
	return cases
}

func compileAll(pop population) []*Grants {
	grants := make([]*Grants, len(pop.subjects))
	for i, s := range pop.subjects {
		grants[i] = Compile(s, now)
	}
	return grants
}

// BenchmarkCheck measures one check after compilation. "random_users"
// spreads checks over every user's grants (cache-cold, the worst case);
// "one_user" is a request checking many things for one user.
func BenchmarkCheck(b *testing.B) {
	for _, ids := range []struct {
		name   string
		sparse bool
	}{{"dense_ids", false}, {"sparse_ids", true}} {
		o := benchSize
		o.sparse = ids.sparse
		pop := generate(b, 1, o)
		grants := compileAll(pop)
		for _, who := range []struct {
			name string
			same bool
		}{{"random_users", false}, {"one_user", true}} {
			cases := checkCases(pop, grants, who.same)
			b.Run(ids.name+"/"+who.name, func(b *testing.B) {
				b.ReportAllocs()
				n := 0
				for i := 0; b.Loop(); i++ {
					c := &cases[i&(len(cases)-1)]
					if c.g.Check(c.perm, c.customer) {
						n++
					}
				}
				sink = n
			})
		}
	}
}

func BenchmarkCheckKey(b *testing.B) {
	pop := generate(b, 1, benchSize)
	grants := compileAll(pop)
	cases := checkCases(pop, grants, false)
	keys := make([]string, len(cases))
	for i, c := range cases {
		keys[i] = c.perm.Key()
	}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		j := i & (len(cases) - 1)
		if cases[j].g.CheckKey(keys[j], cases[j].customer) {
			n++
		}
	}
	sink = n
}

// BenchmarkCompile compiles one user's grants.
func BenchmarkCompile(b *testing.B) {
	pop := generate(b, 1, benchSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g := Compile(pop.subjects[i%len(pop.subjects)], now)
		sink += len(g.perms)
	}
}

// BenchmarkContains compares ways to test membership in one customer set
// of 1,500 IDs out of 5,000 (three 500-customer groups), the measurement
// behind set.go's choice of a bitmap, then a binary search.
func BenchmarkContains(b *testing.B) {
	rng := rand.New(rand.NewPCG(8, 9))
	ids := make([]int64, 1500)
	for i := range ids {
		ids[i] = 1 + rng.Int64N(5000)
	}
	s := Only(ids...)
	probes := make([]int64, 1<<12)
	for i := range probes {
		probes[i] = 1 + rng.Int64N(5000)
	}
	m := make(map[int64]struct{}, len(s.IDs))
	for _, id := range s.IDs {
		m[id] = struct{}{}
	}
	bitmap := compileSet(s)
	run := func(name string, contains func(int64) bool) {
		b.Run(name, func(b *testing.B) {
			n := 0
			for i := 0; b.Loop(); i++ {
				if contains(probes[i&(len(probes)-1)]) {
					n++
				}
			}
			sink = n
		})
	}
	run("bitmap", bitmap.listed)
	run("slices.BinarySearch", func(c int64) bool { _, ok := slices.BinarySearch(s.IDs, c); return ok })
	run("map", func(c int64) bool { _, ok := m[c]; return ok })
}
