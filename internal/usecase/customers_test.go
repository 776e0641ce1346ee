package usecase_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/usecase"
)

// The customer rule has a query form and a one-customer form; both
// surfaces' answers depend on their agreeing, for every permission of the
// area and every kind of grant.
func TestCustomerAllowsAgreesWithCustomerReach(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	perms := catalog.AreaPerms("customers")
	scopes := []access.Scope{access.All(), access.Only(1, 2), access.Only(2, 3), access.AllExcept(3), {}}
	for range 500 {
		var ms []access.Membership
		for range 1 + rng.IntN(3) {
			g := &access.Group{Scope: scopes[rng.IntN(len(scopes))]}
			for _, p := range perms {
				if rng.IntN(2) == 0 {
					g.Perms = append(g.Perms, p)
				}
			}
			ms = append(ms, access.Membership{Group: g})
		}
		g := access.Compile(access.Subject{UserID: 1, Memberships: ms}, time.Now())
		for _, p := range perms {
			reach := usecase.CustomerReach(g, p)
			for customer := int64(1); customer <= 4; customer++ {
				if got, want := usecase.CustomerAllows(g, p, customer), reach.Contains(customer); got != want {
					t.Fatalf("%s on customer %d: allows %v, reach %v (%+v)", p.Key(), customer, got, want, reach)
				}
			}
		}
	}
}
