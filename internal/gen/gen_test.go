package gen

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

var small = Options{Seed: 7, Customers: 500, Groups: 80, Users: 300, Assets: 5000}

func mustGenerate(tb testing.TB, o Options) *Dataset {
	tb.Helper()
	ds, err := Generate(o)
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := mustGenerate(t, small), mustGenerate(t, small)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same options gave two different datasets")
	}
	for _, i := range []int{0, 1, 4999} {
		if a.Asset(i) != b.Asset(i) {
			t.Fatalf("asset %d differs between runs", i)
		}
	}
	o := small
	o.Seed++
	c := mustGenerate(t, o)
	if reflect.DeepEqual(a.Groups, c.Groups) || slices.Equal(a.AssetCustomer, c.AssetCustomer) {
		t.Fatal("another seed gave the same dataset")
	}
}

func TestGeneratedAccountHasTheBriefsShape(t *testing.T) {
	ds := mustGenerate(t, small)
	if len(ds.Customers) != 500 || len(ds.Groups) != 80 || len(ds.Users) != 301 || len(ds.AssetCustomer) != 5000 {
		t.Fatalf("sizes: %d customers, %d groups, %d users, %d assets", len(ds.Customers), len(ds.Groups), len(ds.Users), len(ds.AssetCustomer))
	}

	t.Run("groups mix both scopes, and select lists vary in size", func(t *testing.T) {
		kinds := map[gatehouse.AccessType]int{}
		minList, maxList := len(ds.Customers), 0
		names := map[string]bool{}
		for _, g := range ds.Groups {
			kinds[g.AccessType]++
			if names[g.Name] {
				t.Errorf("group name %q is used twice", g.Name)
			}
			names[g.Name] = true
			if len(g.Perms) == 0 {
				t.Errorf("group %q holds no permission", g.Name)
			}
			switch g.AccessType {
			case gatehouse.AllCustomers:
				if len(g.Customers) != 0 {
					t.Errorf("all-customers group %q lists customers", g.Name)
				}
			case gatehouse.SelectCustomers:
				minList, maxList = min(minList, len(g.Customers)), max(maxList, len(g.Customers))
				if !slices.IsSorted(g.Customers) || len(slices.Compact(slices.Clone(g.Customers))) != len(g.Customers) {
					t.Errorf("group %q: customer list not sorted and unique", g.Name)
				}
				for _, p := range g.Perms {
					if !p.CustomerScoped() {
						t.Errorf("select-customers group %q holds account-wide %s", g.Name, p.Key())
					}
				}
			default:
				t.Errorf("group %q: access type %q", g.Name, g.AccessType)
			}
		}
		if kinds[gatehouse.AllCustomers] < 5 || kinds[gatehouse.SelectCustomers] < 30 {
			t.Errorf("scope mix: %v", kinds)
		}
		if minList != 1 || maxList < 100 {
			t.Errorf("select lists range from %d to %d customers; want from 1 to at least 100", minList, maxList)
		}
	})

	t.Run("account-wide permissions appear, from all-customers groups", func(t *testing.T) {
		seen := false
		for _, g := range ds.Groups {
			for _, p := range g.Perms {
				seen = seen || !p.CustomerScoped()
			}
		}
		if !seen {
			t.Error("no group holds an account-wide permission")
		}
	})

	t.Run("users are in one to three distinct groups, with one global admin", func(t *testing.T) {
		if !ds.Users[0].GlobalAdmin || len(ds.Users[0].Groups) != 0 {
			t.Errorf("Users[0] = %+v, want the global admin with no groups", ds.Users[0])
		}
		sizes := map[int]int{}
		emails := map[string]bool{}
		for i, u := range ds.Users {
			if emails[u.Email] {
				t.Errorf("email %s is used twice", u.Email)
			}
			emails[u.Email] = true
			if i == 0 {
				continue
			}
			if u.GlobalAdmin {
				t.Errorf("user %s is a global admin", u.Email)
			}
			sizes[len(u.Groups)]++
			if len(slices.Compact(slices.Clone(u.Groups))) != len(u.Groups) {
				t.Errorf("user %s is in a group twice", u.Email)
			}
		}
		if sizes[1] == 0 || sizes[2] == 0 || sizes[3] == 0 || len(sizes) != 3 {
			t.Errorf("membership counts: %v", sizes)
		}
	})

	t.Run("assets spread unevenly over customers", func(t *testing.T) {
		per := make([]int, len(ds.Customers))
		for _, c := range ds.AssetCustomer {
			per[c]++
		}
		if most := slices.Max(per); most < 4*len(ds.AssetCustomer)/len(ds.Customers) {
			t.Errorf("the biggest customer has %d assets; want a heavy tail", most)
		}
		a := ds.Asset(42)
		if a.ID != 43 || a.Name == "" || a.Kind == "" || a.OS == "" || a.Serial == "" || a.CreatedAt.After(ds.Now) {
			t.Errorf("asset 42 = %+v", a)
		}
	})
}

func TestSubjectPairsPermissionsWithTheirOwnGroupsScope(t *testing.T) {
	ds := mustGenerate(t, small)
	// Find a user in a select group and another group that holds a
	// permission the select group lacks.
	for u := 1; u < len(ds.Users); u++ {
		user := ds.Users[u]
		s := ds.Subject(u)
		if len(s.Memberships) != len(user.Groups) {
			t.Fatalf("user %d: %d memberships, want %d", u, len(s.Memberships), len(user.Groups))
		}
		for j, g := range user.Groups {
			ag := s.Memberships[j].Group
			if ag.ID != ds.Groups[g].ID || !slices.Equal(ag.Perms, ds.Groups[g].Perms) {
				t.Fatalf("user %d membership %d is not group %d", u, j, g)
			}
			if ds.Groups[g].AccessType == gatehouse.SelectCustomers && !slices.Equal(ag.Scope.IDs, ds.CustomerIDs(&ds.Groups[g])) {
				t.Fatalf("group %d scope = %v", g, ag.Scope)
			}
		}
	}
	if s := ds.Subject(0); !s.GlobalAdmin || len(s.Memberships) != 0 {
		t.Fatalf("admin subject = %+v", s)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     Options
		field string
	}{
		{"no customers", Options{Customers: 0, Groups: 1}, "customers"},
		{"no groups", Options{Customers: 1, Groups: 0}, "groups"},
		{"negative users", Options{Customers: 1, Groups: 1, Users: -1}, "users"},
		{"too many assets", Options{Customers: 1, Groups: 1, Assets: MaxAssets + 1}, "assets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.o)
			var e *gatehouse.Error
			if !errors.As(err, &e) || e.Code != gatehouse.EInvalid || e.Field != tc.field {
				t.Fatalf("err = %v, want invalid %s", err, tc.field)
			}
		})
	}
}

func TestTinyAccountsStillWork(t *testing.T) {
	ds := mustGenerate(t, Options{Seed: 1, Customers: 1, Groups: 3, Users: 5, Assets: 3})
	for _, g := range ds.Groups {
		for _, c := range g.Customers {
			if c != 0 {
				t.Fatalf("group lists customer index %d of 1", c)
			}
		}
	}
	for _, u := range ds.Users[1:] {
		if len(u.Groups) < 1 || len(u.Groups) > 3 {
			t.Fatalf("user in %d groups", len(u.Groups))
		}
	}
}

func TestProfilesUseOnlyCatalogPermissions(t *testing.T) {
	for _, p := range append(slices.Clone(allProfiles), selectProfiles...) {
		for _, q := range p.perms {
			if int(q) >= catalog.Len() {
				t.Fatalf("profile %s: permission index %d", p.name, q)
			}
		}
	}
	for _, p := range selectProfiles {
		if p.name == administrators.name {
			t.Fatal("administrators must not be a select-customers profile")
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	o := Options{Seed: 1, Customers: 5000, Groups: 200, Users: 2000, Assets: 500_000}
	for b.Loop() {
		if _, err := Generate(o); err != nil {
			b.Fatal(err)
		}
	}
}
