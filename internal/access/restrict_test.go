package access

import (
	"testing"
	"time"

	"gatehouse/internal/catalog"
)

func TestRestrictKeepsOnlyTheListedPermissionsOverTheirOwnScope(t *testing.T) {
	view, edit, reveal := catalog.MustLookup("assets.view"), catalog.MustLookup("assets.edit"), catalog.MustLookup("credentials.reveal")
	a := &Group{ID: 1, Name: "A", Scope: Only(10), Perms: []catalog.Perm{view, edit}}
	b := &Group{ID: 2, Name: "B", Scope: Only(20), Perms: []catalog.Perm{view}}
	g := Compile(Subject{UserID: 7, Memberships: []Membership{{Group: a}, {Group: b}}}, time.Now())

	r := g.Restrict([]catalog.Perm{edit, reveal})
	switch {
	case r.Check(view, 10):
		t.Error("a permission left out of the limit is still allowed")
	case !r.Check(edit, 10):
		t.Error("a kept permission is no longer allowed where the owner holds it")
	case r.Check(edit, 20):
		t.Error("the limit widened a kept permission to another group's customer")
	case r.Holds(reveal):
		t.Error("the limit granted a permission the owner does not hold")
	}
}

func TestARestrictedGlobalAdminIsNoLongerOne(t *testing.T) {
	view := catalog.MustLookup("assets.view")
	g := Compile(Subject{UserID: 1, GlobalAdmin: true}, time.Now())
	r := g.Restrict([]catalog.Perm{view})
	if r.GlobalAdmin() {
		t.Fatal("a limited token of a global admin still bypasses every check")
	}
	if !r.HoldsAll(view) || r.Holds(catalog.MustLookup("users.manage")) {
		t.Fatal("a limited global admin token should hold exactly the kept permissions, on all customers")
	}
	if err := r.CanGrant(Group{Scope: All(), Perms: []catalog.Perm{catalog.MustLookup("users.manage")}}); err == nil {
		t.Fatal("a limited token may grant what it does not hold")
	}
}
