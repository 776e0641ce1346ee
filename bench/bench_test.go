package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
)

type engines struct {
	gh  *gatehouseEngine
	cb  *casbinEngine
	fga *openfgaEngine
}

func loadAll(t *testing.T, ds *gen.Dataset) engines {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	gh, err := newGatehouse(ctx, dir, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.close)
	cb, _, err := newCasbin(ds)
	if err != nil {
		t.Fatal(err)
	}
	fga, _, err := newOpenFGA(ctx, dir, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fga.close)
	return engines{gh, cb, fga}
}

func perms(keys ...string) []catalog.Perm {
	var out []catalog.Perm
	for _, k := range keys {
		out = append(out, catalog.MustLookup(k))
	}
	slices.Sort(out)
	return out
}

// The classic bug is a union of permissions times a union of customers.
// Group A grants assets.edit on customer X, group B tickets.view on Y: a
// member of both must get assets.edit on X only and tickets.view on Y
// only, in every engine; users.manage comes only from an all-customers
// group; the global admin gets everything.
func TestEveryEnginePairsPermissionsWithTheirOwnGroupsScope(t *testing.T) {
	ds := &gen.Dataset{
		Options: gen.Options{Seed: 1, Account: "Pairing MSP", Customers: 3, Groups: 3, Users: 2,
			Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)},
		Customers: []gen.Customer{{ID: 1, Name: "X"}, {ID: 2, Name: "Y"}, {ID: 3, Name: "Z"}},
		Groups: []gen.Group{
			{ID: 1, Name: "A", AccessType: gatehouse.SelectCustomers, Customers: []int32{0}, Perms: perms("assets.edit")},
			{ID: 2, Name: "B", AccessType: gatehouse.SelectCustomers, Customers: []int32{1}, Perms: perms("tickets.view")},
			{ID: 3, Name: "Admins", AccessType: gatehouse.AllCustomers, Perms: perms("users.manage", "assets.view")},
		},
		Users: []gen.User{
			{ID: 1, Email: "owner@pairing.example", Name: "Owner", GlobalAdmin: true},
			{ID: 2, Email: "both@pairing.example", Name: "Both", Groups: []int32{0, 1}},
			{ID: 3, Email: "admins@pairing.example", Name: "Admin group", Groups: []int32{2}},
		},
		AssetCustomer: []int32{0, 1, 2, 2},
	}
	e := loadAll(t, ds)
	X, Y, Z := ds.Customers[0].ID, ds.Customers[1].ID, ds.Customers[2].ID
	both, admins, owner := ds.Users[1].ID, ds.Users[2].ID, ds.Users[0].ID
	for _, tc := range []struct {
		name     string
		user     int64
		perm     string
		customer int64
		want     bool
	}{
		{"group A's permission on group A's customer", both, "assets.edit", X, true},
		{"group A's permission on group B's customer", both, "assets.edit", Y, false},
		{"group B's permission on group B's customer", both, "tickets.view", Y, true},
		{"group B's permission on group A's customer", both, "tickets.view", X, false},
		{"a permission no group holds", both, "assets.view", X, false},
		{"a customer no group lists", both, "assets.edit", Z, false},
		{"account-wide permission from a select group member", both, "users.manage", X, false},
		{"account-wide permission from an all-customers group", admins, "users.manage", Z, true},
		{"all-customers group on any customer", admins, "assets.view", Y, true},
		{"all-customers group, permission it lacks", admins, "assets.edit", Y, false},
		{"global admin", owner, "credentials.reveal", Z, true},
		{"global admin, account-wide", owner, "settings.manage", X, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := catalog.MustLookup(tc.perm)
			g := e.gh.grants[tc.user].Check(p, tc.customer)
			c, err := e.cb.check(tc.user, p, tc.customer)
			if err != nil {
				t.Fatal(err)
			}
			f, err := e.fga.check(context.Background(), tc.user, p, tc.customer)
			if err != nil {
				t.Fatal(err)
			}
			if g != tc.want || c != tc.want || f != tc.want {
				t.Fatalf("Gatehouse %v, Casbin %v, OpenFGA %v; want %v", g, c, f, tc.want)
			}
		})
	}

	// Listing needs assets.view: "both" holds it nowhere and sees nothing;
	// the all-customers group and the global admin see every asset.
	ctx := context.Background()
	byCustomer := ds.AssetsByCustomer()
	for _, u := range []int64{both, admins, owner} {
		gh, err := e.gh.listAssets(ctx, u, 0)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := e.cb.listAssets(u, byCustomer)
		if err != nil {
			t.Fatal(err)
		}
		fga, err := e.fga.listAssets(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range [][]int64{gh, cb, fga} {
			slices.Sort(s)
		}
		want := 4
		if u == both {
			want = 0
		}
		if len(gh) != want || !slices.Equal(gh, cb) || !slices.Equal(gh, fga) {
			t.Errorf("user %d lists Gatehouse %v, Casbin %v, OpenFGA %v; want %d assets", u, gh, cb, fga, want)
		}
	}
}

func TestEnginesAgreeOnAGeneratedAccount(t *testing.T) {
	ds, err := gen.Generate(gen.Options{Seed: 11, Customers: 150, Groups: 30, Users: 80, Assets: 3000})
	if err != nil {
		t.Fatal(err)
	}
	e := loadAll(t, ds)
	r := newResults(ds)
	if err := agree(context.Background(), r, e.gh, e.cb, e.fga, drawRequests(ds, 2000, 11)); err != nil {
		t.Fatal(err)
	}
	c := config{listRuns: 1}
	if _, err := listing(context.Background(), c, r, e.gh, e.cb, e.fga); err != nil {
		t.Fatal(err)
	}
	if r.listCount == 0 {
		t.Fatal("the listing user sees no assets; the listing comparison proved nothing")
	}
}

// A run must fail, naming the case, when one engine answers differently.
func TestAgreementFailsOnADisagreement(t *testing.T) {
	ds, err := gen.Generate(gen.Options{Seed: 12, Customers: 40, Groups: 8, Users: 20, Assets: 100})
	if err != nil {
		t.Fatal(err)
	}
	e := loadAll(t, ds)
	admin := ds.Users[0].ID
	e.gh.grants[admin] = nil // Gatehouse now denies the global admin everything
	reqs := []request{{user: 0, perm: catalog.MustLookup("assets.view"), customer: ds.Customers[0].ID}}
	err = agree(context.Background(), newResults(ds), e.gh, e.cb, e.fga, reqs)
	if err == nil || !strings.Contains(err.Error(), "disagreement") || !strings.Contains(err.Error(), "assets.view") {
		t.Fatalf("err = %v, want a disagreement naming the case", err)
	}
}
