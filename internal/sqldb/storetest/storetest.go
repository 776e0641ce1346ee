// Package storetest is the conformance suite every storage backend
// passes: the SQLite and PostgreSQL packages run it against themselves.
package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb"
)

// Opener returns a new, empty, migrated store for one test.
type Opener func(tb testing.TB) *sqldb.DB

type namedTest struct {
	name string
	fn   func(*testing.T, *sqldb.DB)
}

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []namedTest{
		{"a new account starts with the example groups", testExampleGroups},
		{"emails are unique within an account, not across", testEmailUnique},
		{"users without named groups join the default groups", testDefaultGroups},
		{"the last active global admin cannot be demoted, disabled or deleted", testLastAdmin},
		{"customer lists and reads are filtered by scope in the query", testCustomerScope},
		{"an empty select scope reaches no customer", testEmptyScope},
		{"customer pages are keyed by name and id", testCustomerPaging},
		{"records of another account are not found", testCrossAccount},
		{"groups refuse unknown and account-wide permissions in a select scope", testGroupValidation},
		{"a group's customer list and a customer's groups are one relation", testOneRelation},
		{"every security change bumps the security version", testSecurityVersion},
		{"subjects load each group's permissions with its own scope", testSubject},
		{"tokens expire and stop working for disabled users", testTokens},
		{"a failed change writes nothing", testAtomic},
	}
	tests = append(tests, auditTests()...)
	tests = append(tests, decisionTests()...)
	tests = append(tests, listTests()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			tc.fn(t, db)
		})
	}
}

var ctx = context.Background()

func mustAccount(t *testing.T, db *sqldb.DB, name string) gatehouse.Account {
	t.Helper()
	a, err := db.CreateAccount(ctx, name)
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return a
}

func mustCustomer(t *testing.T, db *sqldb.DB, accountID int64, name string) gatehouse.Customer {
	t.Helper()
	c, err := db.CreateCustomer(ctx, accountID, gatehouse.CustomerFields{Name: &name})
	if err != nil {
		t.Fatalf("create customer: %v", err)
	}
	return c
}

func mustUser(t *testing.T, db *sqldb.DB, accountID int64, email string, admin bool, groups []int64) gatehouse.User {
	t.Helper()
	u, err := db.CreateUser(ctx, accountID, gatehouse.UserCreate{Email: email, Name: email, GlobalAdmin: admin, GroupIDs: groups})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func mustGroup(t *testing.T, db *sqldb.DB, accountID int64, g gatehouse.SecurityGroup) gatehouse.SecurityGroup {
	t.Helper()
	out, err := db.CreateGroup(ctx, accountID, g)
	if err != nil {
		t.Fatalf("create group %s: %v", g.Name, err)
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if gatehouse.ErrorCode(err) != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
}

func wantField(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("got error %v, want %s on field %q", err, code, field)
	}
}

func testExampleGroups(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "Acme MSP")
	page, err := db.ListGroups(ctx, a.ID, gatehouse.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]gatehouse.SecurityGroup{}
	for _, g := range page.Items {
		byName[g.Name] = g
	}
	tech, ok := byName["Technicians"]
	if !ok || tech.AccessType != gatehouse.AllCustomers || !tech.IsDefault || len(tech.Permissions) == 0 {
		t.Fatalf("Technicians group wrong or missing: %+v", tech)
	}
	co, ok := byName["Co-managed IT (example)"]
	if !ok || co.AccessType != gatehouse.SelectCustomers || co.IsDefault || !slices.Contains(co.Permissions, "scripts.create") {
		t.Fatalf("co-managed example group wrong or missing: %+v", co)
	}
}

// testEmailUnique: an address is unique within an account, and only
// there — so no answer about one account reveals another's users.
func testEmailUnique(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	b := mustAccount(t, db, "B")
	ua := mustUser(t, db, a.ID, "Same@Example.com", true, []int64{})
	_, err := db.CreateUser(ctx, a.ID, gatehouse.UserCreate{Email: "same@example.com", GroupIDs: []int64{}})
	wantField(t, err, gatehouse.EConflict, "email")
	ub, err := db.CreateUser(ctx, b.ID, gatehouse.UserCreate{Email: "same@example.com", GroupIDs: []int64{}})
	if err != nil {
		t.Fatalf("another account's address blocks a new user: %v", err)
	}
	_, err = db.CreateUser(ctx, b.ID, gatehouse.UserCreate{Email: "not an email"})
	wantField(t, err, gatehouse.EInvalid, "email")
	for _, want := range []gatehouse.User{ua, ub} {
		u, err := db.UserByEmail(ctx, want.AccountID, " SAME@example.com ")
		if err != nil || u.ID != want.ID {
			t.Fatalf("lookup by email in account %d: %+v, %v", want.AccountID, u, err)
		}
	}
	if a2, err := db.AccountBySlug(ctx, a.Slug); err != nil || a2.ID != a.ID || a.Slug == b.Slug {
		t.Fatalf("account slugs: %q %q, lookup %+v %v", a.Slug, b.Slug, a2, err)
	}
}

func testDefaultGroups(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	u, err := db.CreateUser(ctx, a.ID, gatehouse.UserCreate{Email: "t@x.example"})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := db.ListGroups(ctx, a.ID, gatehouse.ListFilter{Q: "technicians"})
	if len(page.Items) != 1 || !slices.Equal(u.GroupIDs, []int64{page.Items[0].ID}) {
		t.Fatalf("new user groups = %v, want the Technicians group", u.GroupIDs)
	}
	none := mustUser(t, db, a.ID, "n@x.example", false, []int64{})
	if len(none.GroupIDs) != 0 {
		t.Fatalf("an explicit empty list still joined %v", none.GroupIDs)
	}
}

func testLastAdmin(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	admin := mustUser(t, db, a.ID, "admin@x.example", true, []int64{})
	no, yes := false, true
	_, err := db.UpdateUser(ctx, a.ID, admin.ID, gatehouse.UserUpdate{GlobalAdmin: &no})
	wantCode(t, err, gatehouse.EConflict)
	_, err = db.UpdateUser(ctx, a.ID, admin.ID, gatehouse.UserUpdate{Disabled: &yes})
	wantCode(t, err, gatehouse.EConflict)
	wantCode(t, db.DeleteUser(ctx, a.ID, admin.ID), gatehouse.EConflict)

	// A disabled second admin does not count.
	second := mustUser(t, db, a.ID, "second@x.example", true, []int64{})
	if _, err := db.UpdateUser(ctx, a.ID, second.ID, gatehouse.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatalf("disabling one of two admins: %v", err)
	}
	wantCode(t, db.DeleteUser(ctx, a.ID, admin.ID), gatehouse.EConflict)

	// Another account's admin does not count either.
	b := mustAccount(t, db, "B")
	mustUser(t, db, b.ID, "other@x.example", true, []int64{})
	_, err = db.UpdateUser(ctx, a.ID, admin.ID, gatehouse.UserUpdate{GlobalAdmin: &no})
	wantCode(t, err, gatehouse.EConflict)

	if _, err := db.UpdateUser(ctx, a.ID, second.ID, gatehouse.UserUpdate{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateUser(ctx, a.ID, admin.ID, gatehouse.UserUpdate{GlobalAdmin: &no}); err != nil {
		t.Fatalf("demoting one of two active admins: %v", err)
	}
	u, _ := db.User(ctx, a.ID, admin.ID)
	if u.GlobalAdmin {
		t.Fatal("demotion did not stick")
	}
}

func testCustomerScope(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	x := mustCustomer(t, db, a.ID, "Xylo")
	y := mustCustomer(t, db, a.ID, "Yarrow")
	scope := access.Only(x.ID)

	page, err := db.ListCustomers(ctx, a.ID, scope, gatehouse.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != x.ID {
		t.Fatalf("scoped list = %+v, want only %d", page.Items, x.ID)
	}
	page, _ = db.ListCustomers(ctx, a.ID, scope, gatehouse.ListFilter{Q: "yarr"})
	if len(page.Items) != 0 {
		t.Fatalf("search found an out-of-scope customer: %+v", page.Items)
	}
	_, err = db.Customer(ctx, a.ID, scope, y.ID)
	wantCode(t, err, gatehouse.ENotFound)
	name := "Renamed"
	_, err = db.UpdateCustomer(ctx, a.ID, scope, y.ID, gatehouse.CustomerFields{Name: &name})
	wantCode(t, err, gatehouse.ENotFound)
	wantCode(t, db.DeleteCustomer(ctx, a.ID, scope, y.ID), gatehouse.ENotFound)
	still, err := db.Customer(ctx, a.ID, access.All(), y.ID)
	if err != nil || still.Name != "Yarrow" {
		t.Fatalf("out-of-scope customer changed: %+v, %v", still, err)
	}
	page, _ = db.ListCustomers(ctx, a.ID, access.AllExcept(x.ID), gatehouse.ListFilter{})
	if len(page.Items) != 1 || page.Items[0].ID != y.ID {
		t.Fatalf("all-except scope = %+v", page.Items)
	}
}

func testEmptyScope(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	c := mustCustomer(t, db, a.ID, "Only")
	page, err := db.ListCustomers(ctx, a.ID, access.Only(), gatehouse.ListFilter{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("empty scope listed %+v (%v)", page.Items, err)
	}
	_, err = db.Customer(ctx, a.ID, access.Only(), c.ID)
	wantCode(t, err, gatehouse.ENotFound)

	g := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "Empty", AccessType: gatehouse.SelectCustomers, Permissions: []string{"customers.view"}})
	u := mustUser(t, db, a.ID, "e@x.example", false, []int64{g.ID})
	s, _, err := db.Subject(ctx, a.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	grants := access.Compile(s, time.Now())
	if grants.Check(catalog.MustLookup("customers.view"), c.ID) || !grants.Scope(catalog.MustLookup("customers.view")).Empty() {
		t.Fatal("an empty select_customers group granted a customer")
	}
}

func testCustomerPaging(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	for _, n := range []string{"Delta", "alpha", "Charlie", "Bravo", "Echo", "Bravo"} {
		mustCustomer(t, db, a.ID, n)
	}
	var seen []string
	f := gatehouse.ListFilter{Limit: 2}
	for i := 0; i < 10; i++ {
		page, err := db.ListCustomers(ctx, a.ID, access.All(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			seen = append(seen, c.Name)
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	want := []string{"Bravo", "Bravo", "Charlie", "Delta", "Echo", "alpha"}
	if !slices.Equal(seen, want) {
		t.Fatalf("paged names = %v, want %v", seen, want)
	}
	_, err := db.ListCustomers(ctx, a.ID, access.All(), gatehouse.ListFilter{Cursor: "garbage"})
	wantField(t, err, gatehouse.EInvalid, "cursor")
}

func testCrossAccount(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	b := mustAccount(t, db, "B")
	cb := mustCustomer(t, db, b.ID, "B's customer")
	ub := mustUser(t, db, b.ID, "b@x.example", true, []int64{})
	gb := mustGroup(t, db, b.ID, gatehouse.SecurityGroup{Name: "B group", AccessType: gatehouse.SelectCustomers})

	_, err := db.Customer(ctx, a.ID, access.All(), cb.ID)
	wantCode(t, err, gatehouse.ENotFound)
	_, err = db.User(ctx, a.ID, ub.ID)
	wantCode(t, err, gatehouse.ENotFound)
	_, err = db.Group(ctx, a.ID, gb.ID)
	wantCode(t, err, gatehouse.ENotFound)
	page, _ := db.ListCustomers(ctx, a.ID, access.All(), gatehouse.ListFilter{})
	if len(page.Items) != 0 {
		t.Fatalf("account A lists B's customers: %+v", page.Items)
	}
	// A's group cannot list B's customer, and A's user cannot join B's group.
	_, err = db.CreateGroup(ctx, a.ID, gatehouse.SecurityGroup{Name: "Sneaky", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{cb.ID}})
	wantField(t, err, gatehouse.EInvalid, "customer_ids")
	_, err = db.CreateUser(ctx, a.ID, gatehouse.UserCreate{Email: "a@x.example", GroupIDs: []int64{gb.ID}})
	wantField(t, err, gatehouse.EInvalid, "security_group_ids")
	_, err = db.SetCustomerGroups(ctx, b.ID, access.All(), cb.ID, []int64{firstGroup(t, db, a.ID)})
	wantField(t, err, gatehouse.EInvalid, "security_group_ids")
}

func firstGroup(t *testing.T, db *sqldb.DB, accountID int64) int64 {
	t.Helper()
	page, err := db.ListGroups(ctx, accountID, gatehouse.ListFilter{Q: "co-managed"})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no group: %v", err)
	}
	return page.Items[0].ID
}

func testGroupValidation(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	c := mustCustomer(t, db, a.ID, "C")
	cases := []struct {
		name  string
		group gatehouse.SecurityGroup
		code  string
		field string
	}{
		{"no name", gatehouse.SecurityGroup{AccessType: gatehouse.AllCustomers}, gatehouse.EInvalid, "name"},
		{"unknown permission", gatehouse.SecurityGroup{Name: "x", AccessType: gatehouse.AllCustomers, Permissions: []string{"assets.teleport"}}, gatehouse.EInvalid, "permissions"},
		{"account-wide permission in a select group", gatehouse.SecurityGroup{Name: "x", AccessType: gatehouse.SelectCustomers, Permissions: []string{"users.manage"}}, gatehouse.EInvalid, "permissions"},
		{"customer list on an all-customers group", gatehouse.SecurityGroup{Name: "x", AccessType: gatehouse.AllCustomers, CustomerIDs: []int64{c.ID}}, gatehouse.EInvalid, "customer_ids"},
		{"unknown access type", gatehouse.SecurityGroup{Name: "x", AccessType: "some_customers"}, gatehouse.EInvalid, "access_type"},
		{"duplicate name", gatehouse.SecurityGroup{Name: "Technicians", AccessType: gatehouse.AllCustomers}, gatehouse.EConflict, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.CreateGroup(ctx, a.ID, tc.group)
			wantField(t, err, tc.code, tc.field)
		})
	}
	g := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "Admins", AccessType: gatehouse.AllCustomers, Permissions: []string{"users.manage", "assets.view"}})
	g.AccessType = gatehouse.SelectCustomers
	_, err := db.UpdateGroup(ctx, a.ID, g)
	wantField(t, err, gatehouse.EInvalid, "permissions")
	// Storage applies no defaults: a group whose access type nobody set
	// is refused, never widened to all customers.
	_, err = db.CreateGroup(ctx, a.ID, gatehouse.SecurityGroup{Name: "Unset", Permissions: []string{"assets.view"}})
	wantField(t, err, gatehouse.EInvalid, "access_type")
}

func testOneRelation(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	c1 := mustCustomer(t, db, a.ID, "One")
	c2 := mustCustomer(t, db, a.ID, "Two")
	g := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "Sel", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{c1.ID}})

	ids, err := db.CustomerGroupIDs(ctx, a.ID, access.All(), c1.ID)
	if err != nil || !slices.Contains(ids, g.ID) {
		t.Fatalf("customer page misses the group that lists it: %v %v", ids, err)
	}
	if _, err := db.SetCustomerGroups(ctx, a.ID, access.All(), c2.ID, []int64{g.ID}); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Group(ctx, a.ID, g.ID)
	if !slices.Equal(got.CustomerIDs, []int64{c1.ID, c2.ID}) {
		t.Fatalf("group list after customer-page edit = %v", got.CustomerIDs)
	}
	if _, err := db.SetCustomerGroups(ctx, a.ID, access.All(), c1.ID, []int64{}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Group(ctx, a.ID, g.ID)
	if !slices.Equal(got.CustomerIDs, []int64{c2.ID}) {
		t.Fatalf("group list after removal = %v", got.CustomerIDs)
	}
	tech := allGroup(t, db, a.ID)
	_, err = db.SetCustomerGroups(ctx, a.ID, access.All(), c1.ID, []int64{tech})
	wantField(t, err, gatehouse.EInvalid, "security_group_ids")
	_, err = db.SetCustomerGroups(ctx, a.ID, access.Only(c2.ID), c1.ID, []int64{g.ID})
	wantCode(t, err, gatehouse.ENotFound)
	// Deleting a customer removes it from the group's list.
	if err := db.DeleteCustomer(ctx, a.ID, access.All(), c2.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Group(ctx, a.ID, g.ID)
	if len(got.CustomerIDs) != 0 {
		t.Fatalf("deleted customer still listed: %v", got.CustomerIDs)
	}
}

func allGroup(t *testing.T, db *sqldb.DB, accountID int64) int64 {
	t.Helper()
	page, _ := db.ListGroups(ctx, accountID, gatehouse.ListFilter{Q: "technicians"})
	return page.Items[0].ID
}

func testSecurityVersion(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	c := mustCustomer(t, db, a.ID, "C")
	last, _ := db.SecurityVersion(ctx, a.ID)
	bumped := func(what string) {
		t.Helper()
		v, err := db.SecurityVersion(ctx, a.ID)
		if err != nil || v <= last {
			t.Fatalf("%s: security version %d, was %d (%v)", what, v, last, err)
		}
		last = v
	}
	g := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "G", AccessType: gatehouse.SelectCustomers})
	bumped("create group")
	u := mustUser(t, db, a.ID, "u@x.example", false, []int64{})
	bumped("create user")
	ids := []int64{g.ID}
	db.UpdateUser(ctx, a.ID, u.ID, gatehouse.UserUpdate{GroupIDs: &ids})
	bumped("membership change")
	g.CustomerIDs = []int64{c.ID}
	db.UpdateGroup(ctx, a.ID, g)
	bumped("group customer list")
	db.SetCustomerGroups(ctx, a.ID, access.All(), c.ID, []int64{})
	bumped("customer page groups")
	yes := true
	db.UpdateUser(ctx, a.ID, u.ID, gatehouse.UserUpdate{Disabled: &yes})
	bumped("disable user")
	db.DeleteGroup(ctx, a.ID, g.ID)
	bumped("delete group")
	db.DeleteUser(ctx, a.ID, u.ID)
	bumped("delete user")
}

func testSubject(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	x := mustCustomer(t, db, a.ID, "X")
	y := mustCustomer(t, db, a.ID, "Y")
	ga := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "A", AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{x.ID}, Permissions: []string{"assets.edit"}})
	gb := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "B", AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{y.ID}, Permissions: []string{"tickets.view"}})
	u := mustUser(t, db, a.ID, "u@x.example", false, []int64{ga.ID, gb.ID})
	s, version, err := db.Subject(ctx, a.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SecurityVersion(ctx, a.ID); v != version {
		t.Fatalf("subject version %d, account at %d", version, v)
	}
	g := access.Compile(s, time.Now())
	edit, view := catalog.MustLookup("assets.edit"), catalog.MustLookup("tickets.view")
	if !g.Check(edit, x.ID) || g.Check(edit, y.ID) || !g.Check(view, y.ID) || g.Check(view, x.ID) {
		t.Fatal("permissions did not pair with their own group's scope")
	}
}

func testTokens(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	mustUser(t, db, a.ID, "admin@x.example", true, []int64{})
	u := mustUser(t, db, a.ID, "u@x.example", false, nil)
	now := time.Now()
	_, hash, _ := auth.NewToken()
	if _, err := db.CreateToken(ctx, gatehouse.Token{AccountID: a.ID, UserID: u.ID, Kind: gatehouse.TokenSession, Hash: hash, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	p, err := db.Principal(ctx, hash)
	if err != nil || p.UserID != u.ID || p.AccountID != a.ID {
		t.Fatalf("principal = %+v, %v", p, err)
	}
	_, expired, _ := auth.NewToken()
	db.CreateToken(ctx, gatehouse.Token{AccountID: a.ID, UserID: u.ID, Kind: gatehouse.TokenAPI, Hash: expired, ExpiresAt: now.Add(-time.Second)})
	_, err = db.Principal(ctx, expired)
	wantCode(t, err, gatehouse.EUnauthorized)
	_, err = db.Principal(ctx, []byte("unknown"))
	wantCode(t, err, gatehouse.EUnauthorized)
	yes := true
	db.UpdateUser(ctx, a.ID, u.ID, gatehouse.UserUpdate{Disabled: &yes})
	_, err = db.Principal(ctx, hash)
	wantCode(t, err, gatehouse.EUnauthorized)
}

func testAtomic(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	c := mustCustomer(t, db, a.ID, "C")
	g := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "G", AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{c.ID}, Permissions: []string{"assets.view"}})
	before, _ := db.SecurityVersion(ctx, a.ID)
	// Valid permissions, then a bad customer: nothing of it may stick.
	changed := g
	changed.Permissions = []string{"assets.view", "assets.edit"}
	changed.CustomerIDs = []int64{c.ID, 999999}
	_, err := db.UpdateGroup(ctx, a.ID, changed)
	wantField(t, err, gatehouse.EInvalid, "customer_ids")
	got, _ := db.Group(ctx, a.ID, g.ID)
	if !slices.Equal(got.Permissions, []string{"assets.view"}) || !slices.Equal(got.CustomerIDs, []int64{c.ID}) {
		t.Fatalf("failed update left changes: %+v", got)
	}
	// A change inside Atomic is undone when a later step refuses: the
	// use cases check after reading and before committing.
	refuse := errors.New("refused")
	err = db.Atomic(ctx, func(ctx context.Context) error {
		renamed := g
		renamed.Name = "Renamed"
		if _, err := db.UpdateGroup(ctx, a.ID, renamed); err != nil {
			return err
		}
		if got, _ := db.Group(ctx, a.ID, g.ID); got.Name != "Renamed" {
			t.Errorf("a read inside the transaction misses its own write: %q", got.Name)
		}
		return refuse
	})
	if !errors.Is(err, refuse) {
		t.Fatalf("check error lost: %v", err)
	}
	got, _ = db.Group(ctx, a.ID, g.ID)
	if got.Name != "G" {
		t.Fatalf("refused rename stuck: %q", got.Name)
	}
	if after, _ := db.SecurityVersion(ctx, a.ID); after != before {
		t.Fatalf("failed changes bumped the security version %d → %d", before, after)
	}
}
