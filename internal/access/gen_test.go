package access

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"gatehouse/internal/catalog"
)

var (
	assetsView   = catalog.MustLookup("assets.view")
	assetsEdit   = catalog.MustLookup("assets.edit")
	ticketsView  = catalog.MustLookup("tickets.view")
	scriptsRun   = catalog.MustLookup("scripts.run")
	usersManage  = catalog.MustLookup("users.manage")
	settingsMgmt = catalog.MustLookup("settings.manage")

	now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

// population is a generated account: customers, groups and users.
type population struct {
	customers []int64
	groups    []*Group
	subjects  []Subject
}

type genOptions struct {
	users, groups, customers int
	sparse                   bool // customer IDs spread thinly instead of 1..n
	varied                   bool // add AllExcept and empty scopes, expiries, disabled users and admins
}

// generate builds a population shaped like the brief: groups a mix of
// all-customers and select-customers (1–500 customers), 10–60 permissions
// each, users in 1–3 groups.
func generate(tb testing.TB, seed uint64, o genOptions) population {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var pop population
	for i := range o.customers {
		id := int64(i + 1)
		if o.sparse {
			id = int64(i)*1_000_003 + rng.Int64N(1000) + 1
		}
		pop.customers = append(pop.customers, id)
	}
	for i := range o.groups {
		pop.groups = append(pop.groups, &Group{
			ID:    int64(i + 1),
			Name:  "group " + strconv.Itoa(i+1),
			Scope: randomScope(rng, pop.customers, o.varied),
			Perms: randomPerms(rng, 10+rng.IntN(51)),
		})
	}
	for i := range o.users {
		pop.subjects = append(pop.subjects, randomSubject(rng, int64(i+1), pop.groups, o.varied))
	}
	return pop
}

func randomScope(rng *rand.Rand, customers []int64, varied bool) Scope {
	pick := func(n int) []int64 {
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = customers[rng.IntN(len(customers))]
		}
		return ids
	}
	n := 1 + rng.IntN(min(500, len(customers)))
	switch r := rng.IntN(10); {
	case r < 3:
		return All()
	case varied && r == 3:
		return AllExcept(pick(1 + rng.IntN(20))...)
	case varied && r == 4:
		return Only() // an empty select_customers list
	}
	return Only(pick(n)...)
}

func randomPerms(rng *rand.Rand, n int) []catalog.Perm {
	perms := make([]catalog.Perm, catalog.Len())
	for i := range perms {
		perms[i] = catalog.Perm(i)
	}
	rng.Shuffle(len(perms), func(i, j int) { perms[i], perms[j] = perms[j], perms[i] })
	return perms[:min(n, len(perms))]
}

func randomSubject(rng *rand.Rand, id int64, groups []*Group, varied bool) Subject {
	s := Subject{UserID: id}
	for range 1 + rng.IntN(3) {
		m := Membership{Group: groups[rng.IntN(len(groups))]}
		if varied {
			switch rng.IntN(10) {
			case 0:
				m.ExpiresAt = now.Add(-time.Duration(rng.IntN(1000)) * time.Hour)
			case 1:
				m.ExpiresAt = now.Add(time.Duration(1+rng.IntN(1000)) * time.Hour)
			}
		}
		s.Memberships = append(s.Memberships, m)
	}
	if varied {
		s.Disabled = rng.IntN(30) == 0
		s.GlobalAdmin = rng.IntN(50) == 0
	}
	return s
}

// oracle is the decision rule of design.md written as plainly as possible,
// straight from the Subject, sharing no code with the engine.
func oracle(s Subject, at time.Time, p catalog.Perm, customer int64) bool {
	if s.Disabled {
		return false
	}
	if s.GlobalAdmin {
		return true
	}
	for _, m := range s.Memberships {
		if m.Group == nil || !slices.Contains(m.Group.Perms, p) {
			continue
		}
		if !m.ExpiresAt.IsZero() && !at.Before(m.ExpiresAt) {
			continue
		}
		sc := m.Group.Scope
		if !p.CustomerScoped() || customer == 0 {
			if sc.Kind == ScopeAll {
				return true
			}
			continue
		}
		listed := slices.Contains(sc.IDs, customer)
		if sc.Kind == ScopeAll || sc.Kind == ScopeOnly && listed || sc.Kind == ScopeAllExcept && !listed {
			return true
		}
	}
	return false
}
