package access

import (
	"errors"
	"strconv"
	"testing"

	"gatehouse/internal/catalog"
)

func TestCanGrant(t *testing.T) {
	holder := Compile(user(
		member(&Group{Name: "techs", Scope: Only(customerX, customerY), Perms: []catalog.Perm{assetsView, assetsEdit}}),
		member(&Group{Name: "desk", Scope: All(), Perms: []catalog.Perm{ticketsView, usersManage}}),
	), now)
	mostly := Compile(user(member(&Group{Scope: AllExcept(customerZ), Perms: []catalog.Perm{assetsView}})), now)
	admin := Compile(Subject{GlobalAdmin: true}, now)
	disabledAdmin := Compile(Subject{GlobalAdmin: true, Disabled: true}, now)
	tests := []struct {
		name string
		g    *Grants
		grp  Group
		want *EscalationError // nil: allowed
	}{
		{"granting what one holds on one's own customers is allowed", holder, Group{Scope: Only(customerX), Perms: []catalog.Perm{assetsView, assetsEdit}}, nil},
		{"granting an all-customers permission on a subset is allowed", holder, Group{Scope: Only(customerZ), Perms: []catalog.Perm{ticketsView}}, nil},
		{"granting a held account-wide permission is allowed", holder, Group{Scope: All(), Perms: []catalog.Perm{usersManage}}, nil},
		{"granting nothing is allowed", holder, Group{Scope: All()}, nil},
		{"granting a permission not held is refused", holder, Group{Scope: Only(customerX), Perms: []catalog.Perm{assetsView, scriptsRun}}, &EscalationError{Permission: "scripts.run", Customer: customerX}},
		{"granting a customer outside one's scope is refused", holder, Group{Scope: Only(customerX, customerZ), Perms: []catalog.Perm{assetsView}}, &EscalationError{Permission: "assets.view", Customer: customerZ}},
		{"an all-customers group by a select-scoped holder is refused", holder, Group{Scope: All(), Perms: []catalog.Perm{assetsView}}, &EscalationError{Permission: "assets.view"}},
		{"an account-wide permission not held is refused even in a select group", holder, Group{Scope: Only(customerX), Perms: []catalog.Perm{settingsMgmt}}, &EscalationError{Permission: "settings.manage"}},
		{"an all-except holder cannot grant its excepted customer", mostly, Group{Scope: Only(customerX, customerZ), Perms: []catalog.Perm{assetsView}}, &EscalationError{Permission: "assets.view", Customer: customerZ}},
		{"an all-except holder cannot grant all customers", mostly, Group{Scope: All(), Perms: []catalog.Perm{assetsView}}, &EscalationError{Permission: "assets.view", Customer: customerZ}},
		{"a global admin may grant anything", admin, Group{Scope: All(), Perms: []catalog.Perm{settingsMgmt, scriptsRun}}, nil},
		{"a disabled global admin may grant nothing", disabledAdmin, Group{Scope: Only(customerX), Perms: []catalog.Perm{assetsView}}, &EscalationError{Permission: "assets.view", Customer: customerX}},
		{"a permission outside the catalog is refused", holder, Group{Scope: All(), Perms: []catalog.Perm{catalog.Perm(catalog.Len())}}, &EscalationError{Permission: "#" + strconv.Itoa(catalog.Len())}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.CanGrant(tt.grp)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CanGrant = %v, want nil", err)
				}
				return
			}
			var esc *EscalationError
			if !errors.As(err, &esc) {
				t.Fatalf("CanGrant = %v, want %v", err, tt.want)
			}
			if *esc != *tt.want {
				t.Errorf("CanGrant = %+v, want %+v", *esc, *tt.want)
			}
			if esc.Error() == "" {
				t.Error("empty error text")
			}
		})
	}
}

func TestCovers(t *testing.T) {
	wide := &Group{Name: "wide", Scope: Only(customerX, customerY), Perms: []catalog.Perm{assetsView, assetsEdit}}
	narrow := &Group{Name: "narrow", Scope: Only(customerX), Perms: []catalog.Perm{assetsView}}
	other := &Group{Name: "other", Scope: Only(customerZ), Perms: []catalog.Perm{assetsView}}
	everyone := &Group{Name: "everyone", Scope: All(), Perms: []catalog.Perm{assetsView}}
	admin := Compile(Subject{GlobalAdmin: true}, now)
	every := make([]catalog.Perm, catalog.Len())
	for i := range every {
		every[i] = catalog.Perm(i)
	}
	holdsEverything := Compile(user(member(&Group{Scope: All(), Perms: every})), now)
	tests := []struct {
		name     string
		g, other *Grants
		want     bool
	}{
		{"a wider holder covers a narrower one", Compile(user(member(wide)), now), Compile(user(member(narrow)), now), true},
		{"a narrower holder does not cover a wider one", Compile(user(member(narrow)), now), Compile(user(member(wide)), now), false},
		{"a holder does not cover someone on other customers", Compile(user(member(wide)), now), Compile(user(member(other)), now), false},
		{"a select holder does not cover an all-customers holder", Compile(user(member(wide)), now), Compile(user(member(everyone)), now), false},
		{"pairing per group is respected", Compile(user(member(narrow), member(&Group{Scope: Only(customerY), Perms: []catalog.Perm{assetsEdit}})), now), Compile(user(member(&Group{Scope: Only(customerX), Perms: []catalog.Perm{assetsEdit}})), now), false},
		{"everyone covers a user without groups", Compile(user(member(narrow)), now), Compile(user(), now), true},
		{"a global admin covers everything", admin, Compile(user(member(everyone)), now), true},
		{"a global admin covers another global admin", admin, Compile(Subject{GlobalAdmin: true}, now), true},
		{"nobody but a global admin covers a global admin", Compile(user(member(everyone)), now), Compile(Subject{GlobalAdmin: true}, now), false},
		{"holding every permission on all customers does not cover a global admin", holdsEverything, Compile(Subject{GlobalAdmin: true}, now), false},
		{"holding every permission on all customers covers any other user", holdsEverything, Compile(user(member(wide), member(everyone)), now), true},
		{"nobody but a global admin covers a disabled global admin", Compile(user(member(everyone)), now), Compile(Subject{GlobalAdmin: true, Disabled: true}, now), false},
		{"a disabled user's grants still count against the editor", Compile(user(member(narrow)), now), Compile(Subject{Disabled: true, Memberships: []Membership{member(wide)}}, now), false},
		{"a disabled global admin covers nobody with grants", Compile(Subject{GlobalAdmin: true, Disabled: true}, now), Compile(user(member(narrow)), now), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Covers(tt.other); got != tt.want {
				t.Errorf("Covers = %v, want %v", got, tt.want)
			}
		})
	}
}
