package access

import (
	"errors"
	"testing"

	"gatehouse/internal/catalog"
)

func TestWithinCustomer(t *testing.T) {
	view := []catalog.Perm{catalog.MustLookup("assets.view")}
	for _, tc := range []struct {
		name string
		grp  Group
		ok   bool
	}{
		{"the customer alone", Group{Scope: Only(7), Perms: view}, true},
		{"no customer at all", Group{Scope: Only(), Perms: view}, true},
		{"the customer and another", Group{Scope: Only(7, 8), Perms: view}, false},
		{"another customer", Group{Scope: Only(8), Perms: view}, false},
		{"all customers", Group{Scope: All(), Perms: view}, false},
		{"all but another", Group{Scope: AllExcept(8), Perms: view}, false},
		{"an unknown scope kind", Group{Scope: Scope{Kind: 99, IDs: []int64{7}}, Perms: view}, true},
		{"an account-wide permission, even on the customer alone", Group{Scope: Only(7), Perms: []catalog.Perm{catalog.MustLookup("users.manage")}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WithinCustomer(tc.grp, 7)
			var ce *ConfinementError
			if tc.ok != (err == nil) || (err != nil && !errors.As(err, &ce)) {
				t.Fatalf("WithinCustomer = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
