package access

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gatehouse/internal/catalog"
)

const customerX, customerY, customerZ = 101, 202, 303

func member(g *Group) Membership { return Membership{Group: g} }

func user(ms ...Membership) Subject { return Subject{UserID: 7, Memberships: ms} }

// TestPermissionsAndScopesPairPerGroup pins the classic bug: a union of all
// permissions times a union of all customers would allow the two crossed
// cases below.
func TestPermissionsAndScopesPairPerGroup(t *testing.T) {
	a := &Group{ID: 1, Name: "A", Scope: Only(customerX), Perms: []catalog.Perm{assetsEdit}}
	b := &Group{ID: 2, Name: "B", Scope: Only(customerY), Perms: []catalog.Perm{ticketsView}}
	g := Compile(user(member(a), member(b)), now)
	tests := []struct {
		name     string
		perm     catalog.Perm
		customer int64
		want     bool
	}{
		{"group A's permission is allowed on group A's customer", assetsEdit, customerX, true},
		{"group A's permission is denied on group B's customer", assetsEdit, customerY, false},
		{"group B's permission is allowed on group B's customer", ticketsView, customerY, true},
		{"group B's permission is denied on group A's customer", ticketsView, customerX, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.Check(tt.perm, tt.customer); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
			if got := g.Explain(tt.perm, tt.customer).Allowed; got != tt.want {
				t.Errorf("Explain.Allowed = %v, want %v", got, tt.want)
			}
		})
	}
	if got := g.Scope(assetsEdit); !got.Equal(Only(customerX)) {
		t.Errorf("Scope(assets.edit) = %+v, want only customer X", got)
	}
}

func TestCheck(t *testing.T) {
	allGroup := &Group{ID: 1, Name: "everyone", Scope: All(), Perms: []catalog.Perm{assetsView, usersManage}}
	selectGroup := &Group{ID: 2, Name: "client", Scope: Only(customerX), Perms: []catalog.Perm{assetsView, settingsMgmt}}
	emptyGroup := &Group{ID: 3, Name: "nobody", Scope: Only(), Perms: []catalog.Perm{assetsView}}
	exceptGroup := &Group{ID: 4, Name: "most", Scope: AllExcept(customerY), Perms: []catalog.Perm{assetsView, usersManage}}
	zeroGroup := &Group{ID: 5, Name: "zero", Scope: Only(0, customerX), Perms: []catalog.Perm{assetsView}} // 0 listed by a caller's mistake
	tests := []struct {
		name     string
		subject  Subject
		perm     catalog.Perm
		customer int64
		want     bool
		reason   Reason
	}{
		{"an empty select scope grants nothing", user(member(emptyGroup)), assetsView, customerX, false, ReasonOtherCustomers},
		{"an empty select scope grants nothing even on no customer", user(member(emptyGroup)), assetsView, 0, false, ReasonNeedsAllCustomers},
		{"a disabled user is denied what their group grants", Subject{Disabled: true, Memberships: []Membership{member(allGroup)}}, assetsView, customerX, false, ReasonDisabled},
		{"a disabled global admin is denied", Subject{Disabled: true, GlobalAdmin: true}, assetsView, customerX, false, ReasonDisabled},
		{"a global admin is allowed without any group", Subject{GlobalAdmin: true}, assetsEdit, customerZ, true, ReasonGlobalAdmin},
		{"a global admin is allowed on records with no customer", Subject{GlobalAdmin: true}, settingsMgmt, 0, true, ReasonGlobalAdmin},
		{"an account-wide permission from a select group is ignored", user(member(selectGroup)), settingsMgmt, customerX, false, ReasonNeedsAllCustomers},
		{"an account-wide permission from an all-customers group ignores the customer", user(member(allGroup)), usersManage, customerZ, true, ReasonGranted},
		{"an account-wide permission from an all-customers group applies with no customer", user(member(allGroup)), usersManage, 0, true, ReasonGranted},
		{"an account-wide permission from an all-except group is ignored", user(member(exceptGroup)), usersManage, customerX, false, ReasonNeedsAllCustomers},
		{"a select scope allows its customer", user(member(selectGroup)), assetsView, customerX, true, ReasonGranted},
		{"a select scope denies another customer", user(member(selectGroup)), assetsView, customerY, false, ReasonOtherCustomers},
		{"a select scope denies records with no customer", user(member(selectGroup)), assetsView, 0, false, ReasonNeedsAllCustomers},
		{"a select scope listing customer 0 still denies records with no customer", user(member(zeroGroup)), assetsView, 0, false, ReasonNeedsAllCustomers},
		{"an all-customers scope allows a customer created later", user(member(allGroup)), assetsView, 1 << 40, true, ReasonGranted},
		{"an all-customers scope allows records with no customer", user(member(allGroup)), assetsView, 0, true, ReasonGranted},
		{"an all-except scope allows other customers", user(member(exceptGroup)), assetsView, customerX, true, ReasonGranted},
		{"an all-except scope denies its exception", user(member(exceptGroup)), assetsView, customerY, false, ReasonOtherCustomers},
		{"an all-except scope denies records with no customer", user(member(exceptGroup)), assetsView, 0, false, ReasonNeedsAllCustomers},
		{"a permission no group holds is denied", user(member(allGroup)), assetsEdit, customerX, false, ReasonNotHeld},
		{"a user without groups is denied", user(), assetsView, customerX, false, ReasonNotHeld},
		{"an expired membership is ignored", user(Membership{Group: allGroup, ExpiresAt: now.Add(-time.Minute)}), assetsView, customerX, false, ReasonExpired},
		{"a membership expiring right now is ignored", user(Membership{Group: allGroup, ExpiresAt: now}), assetsView, customerX, false, ReasonExpired},
		{"a membership expiring later still counts", user(Membership{Group: allGroup, ExpiresAt: now.Add(time.Minute)}), assetsView, customerX, true, ReasonGranted},
		{"an expired membership does not hide a live one to the same group", user(Membership{Group: allGroup, ExpiresAt: now.Add(-time.Minute)}, member(allGroup)), assetsView, customerX, true, ReasonGranted},
		{"a nil group grants nothing", user(Membership{}), assetsView, customerX, false, ReasonNotHeld},
		{"a permission outside the catalog is denied even to a global admin", Subject{GlobalAdmin: true}, catalog.Perm(catalog.Len()), customerX, false, ReasonNotHeld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Compile(tt.subject, now)
			if got := g.Check(tt.perm, tt.customer); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
			e := g.Explain(tt.perm, tt.customer)
			if e.Allowed != tt.want || e.Reason != tt.reason {
				t.Errorf("Explain = %v/%q, want %v/%q (%s)", e.Allowed, e.Reason, tt.want, tt.reason, e.Message)
			}
			if e.Message == "" {
				t.Error("Explain gave no message")
			}
		})
	}
}

func TestCheckKey(t *testing.T) {
	g := Compile(user(member(&Group{Scope: Only(customerX), Perms: []catalog.Perm{assetsView}})), now)
	tests := []struct {
		name string
		key  string
		want bool
	}{
		{"a held key is allowed", "assets.view", true},
		{"a known key not held is denied", "assets.edit", false},
		{"an unknown key is denied", "assets.fly", false},
		{"an empty key is denied", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.CheckKey(tt.key, customerX); got != tt.want {
				t.Errorf("CheckKey(%q) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestNilGrantsDenyEverything(t *testing.T) {
	var g *Grants
	if g.Check(assetsView, customerX) || g.Holds(assetsView) || g.Active() || g.Explain(assetsView, customerX).Allowed {
		t.Error("nil grants allowed something")
	}
}

func TestScopeHoldsAndHoldsAll(t *testing.T) {
	sel := &Group{Scope: Only(customerY, customerX), Perms: []catalog.Perm{assetsView, usersManage}}
	all := &Group{Scope: All(), Perms: []catalog.Perm{ticketsView}}
	g := Compile(user(member(sel), member(all)), now)
	admin := Compile(Subject{GlobalAdmin: true}, now)
	disabledAdmin := Compile(Subject{GlobalAdmin: true, Disabled: true}, now)
	tests := []struct {
		name           string
		g              *Grants
		perm           catalog.Perm
		scope          Scope
		holds, holdAll bool
	}{
		{"a select grant scopes queries to its customers", g, assetsView, Only(customerX, customerY), true, false},
		{"an all-customers grant scopes queries to all", g, ticketsView, All(), true, true},
		{"an account-wide permission from a select group is not held", g, usersManage, Scope{}, false, false},
		{"a permission not held scopes queries to none", g, assetsEdit, Scope{}, false, false},
		{"a global admin scopes queries to all", admin, assetsEdit, All(), true, true},
		{"a disabled global admin scopes queries to none", disabledAdmin, assetsEdit, Scope{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Scope(tt.perm); got.Kind != tt.scope.Kind || !slices.Equal(got.IDs, tt.scope.IDs) {
				t.Errorf("Scope = %+v, want %+v", got, tt.scope)
			}
			if got := tt.g.Holds(tt.perm); got != tt.holds {
				t.Errorf("Holds = %v, want %v", got, tt.holds)
			}
			if got := tt.g.HoldsAll(tt.perm); got != tt.holdAll {
				t.Errorf("HoldsAll = %v, want %v", got, tt.holdAll)
			}
		})
	}
}

func TestScopeReturnsACopy(t *testing.T) {
	g := Compile(user(member(&Group{Scope: Only(customerX), Perms: []catalog.Perm{assetsView}})), now)
	g.Scope(assetsView).IDs[0] = customerY
	if !g.Check(assetsView, customerX) || g.Check(assetsView, customerY) {
		t.Error("editing the returned scope changed the grants")
	}
}

func TestCompileIsUnaffectedByLaterEdits(t *testing.T) {
	ids := []int64{customerX}
	grp := &Group{Name: "client", Scope: Scope{Kind: ScopeOnly, IDs: ids}, Perms: []catalog.Perm{assetsView}}
	g := Compile(user(member(grp)), now)
	ids[0] = customerY
	grp.Perms[0] = assetsEdit
	grp.Scope = All()
	for _, c := range []int64{customerX, customerY} {
		if g.Check(assetsView, c) != (c == customerX) || g.Explain(assetsView, c).Allowed != (c == customerX) {
			t.Errorf("customer %d: grants changed after the group was edited", c)
		}
	}
	if g.Check(assetsEdit, customerX) {
		t.Error("a permission added after Compile was granted")
	}
}

func TestHandWrittenScopesAreNormalized(t *testing.T) {
	grp := &Group{Scope: Scope{Kind: ScopeOnly, IDs: []int64{customerZ, customerX, customerZ}}, Perms: []catalog.Perm{assetsView}}
	g := Compile(user(member(grp)), now)
	for _, c := range []int64{customerX, customerZ} {
		if !g.Check(assetsView, c) {
			t.Errorf("an unsorted hand-written scope lost customer %d", c)
		}
	}
}

func TestValidUntil(t *testing.T) {
	grp := &Group{Scope: All(), Perms: []catalog.Perm{assetsView}}
	soon, later := now.Add(time.Hour), now.Add(48*time.Hour)
	tests := []struct {
		name    string
		subject Subject
		want    time.Time
	}{
		{"memberships without expiry never go stale", user(member(grp)), time.Time{}},
		{"the soonest future expiry wins", user(Membership{Group: grp, ExpiresAt: later}, Membership{Group: grp, ExpiresAt: soon}), soon},
		{"an expiry already past does not count", user(Membership{Group: grp, ExpiresAt: now.Add(-time.Hour)}, Membership{Group: grp, ExpiresAt: later}), later},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compile(tt.subject, now).ValidUntil(); !got.Equal(tt.want) {
				t.Errorf("ValidUntil = %v, want %v", got, tt.want)
			}
		})
	}
	g := Compile(user(Membership{Group: grp, ExpiresAt: soon}), now)
	if !g.Check(assetsView, customerX) || Compile(user(Membership{Group: grp, ExpiresAt: soon}), soon).Check(assetsView, customerX) {
		t.Error("recompiling at ValidUntil did not drop the expired membership")
	}
}

func TestAccessors(t *testing.T) {
	g := Compile(Subject{UserID: 42, GlobalAdmin: true, Disabled: true}, now)
	if g.UserID() != 42 || !g.GlobalAdmin() || g.Active() {
		t.Errorf("got user %d, admin %v, active %v", g.UserID(), g.GlobalAdmin(), g.Active())
	}
}

func TestEffective(t *testing.T) {
	a := &Group{ID: 1, Name: "A", Scope: Only(customerX), Perms: []catalog.Perm{assetsEdit, assetsView, settingsMgmt}}
	b := &Group{ID: 2, Name: "B", Scope: Only(customerY), Perms: []catalog.Perm{assetsView}}
	got := Compile(user(member(a), member(b)), now).Effective()
	want := []Effective{
		{Permission: "assets.view", Scope: Only(customerX, customerY), Groups: []GroupRef{{1, "A"}, {2, "B"}}},
		{Permission: "assets.edit", Scope: Only(customerX), Groups: []GroupRef{{1, "A"}}},
	}
	if len(got) != len(want) {
		t.Fatalf("Effective = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Permission != want[i].Permission || !got[i].Scope.Equal(want[i].Scope) || !slices.Equal(got[i].Groups, want[i].Groups) {
			t.Errorf("Effective[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(Compile(Subject{GlobalAdmin: true}, now).Effective()); n != catalog.Len() {
		t.Errorf("a global admin has %d effective permissions, want all %d", n, catalog.Len())
	}
	if n := len(Compile(Subject{GlobalAdmin: true, Disabled: true}, now).Effective()); n != 0 {
		t.Errorf("a disabled user has %d effective permissions, want none", n)
	}
}

func TestExplainListsGrantingAndElsewhereGroups(t *testing.T) {
	a := &Group{ID: 1, Name: "A", Scope: Only(customerX), Perms: []catalog.Perm{assetsView}}
	b := &Group{ID: 2, Name: "B", Scope: Only(customerY), Perms: []catalog.Perm{assetsView}}
	c := &Group{ID: 3, Name: "C", Scope: Only(customerX), Perms: []catalog.Perm{ticketsView}}
	// a twice: a group reached through two memberships is listed once.
	e := Compile(user(member(a), member(b), member(a), member(c)), now).Explain(assetsView, customerX)
	if !slices.Equal(e.Granting, []GroupRef{{1, "A"}}) || !slices.Equal(e.Elsewhere, []GroupRef{{2, "B"}}) {
		t.Errorf("Granting = %v, Elsewhere = %v", e.Granting, e.Elsewhere)
	}
}

// TestExplainAgreesWithCheck runs random (user, permission, customer)
// cases through Check, CheckKey, Explain, Scope and Holds, and through the
// plain oracle, and requires them all to agree.
func TestExplainAgreesWithCheck(t *testing.T) {
	pop := generate(t, 7, genOptions{users: 300, groups: 60, customers: 400, varied: true})
	grants := make([]*Grants, len(pop.subjects))
	for i, s := range pop.subjects {
		grants[i] = Compile(s, now)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	seen := map[Reason]int{}
	const cases = 20_000
	for range cases {
		i := rng.IntN(len(pop.subjects))
		p := catalog.Perm(rng.IntN(catalog.Len()))
		c := pop.customers[rng.IntN(len(pop.customers))]
		switch rng.IntN(20) {
		case 0:
			c = 0 // a record with no customer
		case 1:
			c = 1 << 40 // a customer created after the groups were saved
		}
		g := grants[i]
		want := oracle(pop.subjects[i], now, p, c)
		e := g.Explain(p, c)
		seen[e.Reason]++
		agree := g.Check(p, c) == want && e.Allowed == want && g.CheckKey(p.Key(), c) == want &&
			(e.Reason == ReasonGranted || e.Reason == ReasonGlobalAdmin) == want &&
			(len(e.Granting) > 0) == (e.Reason == ReasonGranted) &&
			scopeAllows(g.Scope(p), p, c) == want &&
			(!want || g.Holds(p))
		if !agree {
			t.Fatalf("user %d, %s, customer %d: oracle %v, Check %v, Explain %+v, Scope %+v",
				pop.subjects[i].UserID, p.Key(), c, want, g.Check(p, c), e, g.Scope(p))
		}
	}
	for _, r := range []Reason{ReasonGranted, ReasonGlobalAdmin, ReasonDisabled, ReasonNotHeld, ReasonOtherCustomers, ReasonNeedsAllCustomers, ReasonExpired} {
		if seen[r] == 0 {
			t.Errorf("no generated case produced reason %q; the generator is too narrow", r)
		}
	}
}

// scopeAllows is how a query filter reads Scope: the rule Check applies.
func scopeAllows(s Scope, p catalog.Perm, c int64) bool {
	if !p.CustomerScoped() || c == 0 {
		return s.Kind == ScopeAll
	}
	return s.Contains(c)
}

func TestCheckDoesNotAllocate(t *testing.T) {
	pop := generate(t, 1, genOptions{users: 50, groups: 20, customers: 1000})
	g := Compile(pop.subjects[0], now)
	sparse := Compile(generate(t, 1, genOptions{users: 1, groups: 20, customers: 1000, sparse: true}).subjects[0], now)
	allocs := testing.AllocsPerRun(1000, func() {
		for p := range catalog.Len() {
			g.Check(catalog.Perm(p), pop.customers[p%len(pop.customers)])
			sparse.Check(catalog.Perm(p), 3_000_009)
			g.CheckKey("assets.view", customerX)
		}
	})
	if allocs != 0 {
		t.Errorf("Check allocates %v times per run, want 0", allocs)
	}
}
