package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb"
)

// What the decision API relies on from the store.
func decisionTests() []namedTest {
	return []namedTest{
		{"a subject read after a group changed sees the change", testSubjectAfterGroupChange},
		{"committed security changes are announced with their version, rolled back ones never", testAnnouncedChanges},
		{"API clients resolve with their account's version and stop when revoked or expired", testAPIClients},
		{"external ids are unique within an account and free across accounts", testExternalIDs},
	}
}

func testSubjectAfterGroupChange(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	x := mustCustomer(t, db, a.ID, "X")
	y := mustCustomer(t, db, a.ID, "Y")
	g := mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "G", AccessType: gatehouse.SelectCustomers,
		CustomerIDs: []int64{x.ID}, Permissions: []string{"assets.edit"}})
	u := mustUser(t, db, a.ID, "u@x.example", false, []int64{g.ID})
	v := mustUser(t, db, a.ID, "v@x.example", false, []int64{g.ID})
	edit, view := catalog.MustLookup("assets.edit"), catalog.MustLookup("tickets.view")
	grants := func(userID int64) *access.Grants {
		t.Helper()
		s, _, err := db.Subject(ctx, a.ID, userID)
		if err != nil {
			t.Fatal(err)
		}
		return access.Compile(s, time.Now())
	}
	if !grants(u.ID).Check(edit, x.ID) || !grants(v.ID).Check(edit, x.ID) {
		t.Fatal("before the change: no assets.edit on X")
	}
	g.CustomerIDs, g.Permissions = []int64{y.ID}, []string{"tickets.view"}
	if _, err := db.UpdateGroup(ctx, a.ID, g); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{u.ID, v.ID} {
		if gr := grants(id); gr.Check(edit, x.ID) || !gr.Check(view, y.ID) {
			t.Fatalf("user %d after the group changed: still the old group", id)
		}
	}
	if _, err := db.SetCustomerArchived(ctx, a.ID, access.All(), y.ID, true); err != nil {
		t.Fatal(err)
	}
	if grants(u.ID).Check(view, y.ID) {
		t.Fatal("an archived customer is still in a select group's reach")
	}
}

func testAnnouncedChanges(t *testing.T, db *sqldb.DB) {
	var got []sqldb.SecurityChange
	db.OnSecurityChange(func(c sqldb.SecurityChange) { got = append(got, c) })
	defer db.OnSecurityChange(nil)
	a := mustAccount(t, db, "A")
	mustGroup(t, db, a.ID, gatehouse.SecurityGroup{Name: "G", AccessType: gatehouse.AllCustomers, Permissions: []string{"assets.view"}})
	v, _ := db.SecurityVersion(ctx, a.ID)
	if len(got) == 0 || got[len(got)-1] != (sqldb.SecurityChange{AccountID: a.ID, Version: v}) {
		t.Fatalf("announced %v, want the account at version %d last", got, v)
	}
	n := len(got)
	err := db.Atomic(ctx, func(ctx2 context.Context) error {
		if err := db.LockAccount(ctx2, a.ID); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	if err == nil || len(got) != n {
		t.Fatalf("a rolled-back change was announced: %v", got[n:])
	}
	if v2, _ := db.SecurityVersion(ctx, a.ID); v2 != v {
		t.Fatalf("the rolled-back change moved the version to %d", v2)
	}
}

func testAPIClients(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	mk := func(name string, expires time.Time) (gatehouse.APIClient, []byte) {
		_, hash, _ := auth.NewClientSecret()
		c, err := db.CreateAPIClient(ctx, gatehouse.APIClient{AccountID: a.ID, Name: name, IDs: gatehouse.IDsExternal, RateLimit: 5,
			Permissions: []string{"decisions.ask"}, Hash: hash, ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		return c, hash
	}
	c, hash := mk("rmm", time.Now().Add(time.Hour))
	got, version, err := db.APIClientBySecret(ctx, hash)
	if v, _ := db.SecurityVersion(ctx, a.ID); err != nil || got.ID != c.ID || got.IDs != gatehouse.IDsExternal || version != v {
		t.Fatalf("client %+v at %d, %v; account at %d", got, version, err, v)
	}
	if _, err := db.CreateAPIClient(ctx, gatehouse.APIClient{AccountID: a.ID, Name: "rmm", IDs: gatehouse.IDsGatehouse, RateLimit: 1,
		Permissions: []string{"decisions.ask"}, Hash: []byte("other"), ExpiresAt: time.Now().Add(time.Hour)}); gatehouse.ErrorCode(err) != gatehouse.EConflict {
		t.Fatalf("a second client of the same name: %v", err)
	}
	_, expired := mk("old", time.Now().Add(-time.Second))
	if _, _, err := db.APIClientBySecret(ctx, expired); gatehouse.ErrorCode(err) != gatehouse.EUnauthorized {
		t.Fatalf("expired client: %v", err)
	}
	before, _ := db.SecurityVersion(ctx, a.ID)
	if err := db.DeleteAPIClient(ctx, a.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if after, _ := db.SecurityVersion(ctx, a.ID); after <= before {
		t.Fatal("revoking a client did not move the security version")
	}
	if _, _, err := db.APIClientBySecret(ctx, hash); gatehouse.ErrorCode(err) != gatehouse.EUnauthorized {
		t.Fatalf("revoked client: %v", err)
	}
	other := mustAccount(t, db, "B")
	if err := db.DeleteAPIClient(ctx, other.ID, c.ID); gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		t.Fatalf("revoking another account's client: %v", err)
	}
}

func testExternalIDs(t *testing.T, db *sqldb.DB) {
	a, b := mustAccount(t, db, "A"), mustAccount(t, db, "B")
	ext := "psa-42"
	name := "One"
	if _, err := db.CreateCustomer(ctx, a.ID, gatehouse.CustomerFields{Name: &name, ExternalID: &ext}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateCustomer(ctx, a.ID, gatehouse.CustomerFields{Name: &name, ExternalID: &ext}); gatehouse.ErrorCode(err) != gatehouse.EConflict {
		t.Fatalf("a second customer with the external id: %v", err)
	}
	if _, err := db.CreateCustomer(ctx, b.ID, gatehouse.CustomerFields{Name: &name, ExternalID: &ext}); err != nil {
		t.Fatalf("another account's customer with the same external id: %v", err)
	}
	empty := ""
	for range 2 { // no external id is not a value: many customers have none
		if _, err := db.CreateCustomer(ctx, a.ID, gatehouse.CustomerFields{Name: &name, ExternalID: &empty}); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := db.CustomerRef(ctx, a.ID, 0, ext)
	if err != nil || ref.ExternalID != ext {
		t.Fatalf("customer by external id: %+v, %v", ref, err)
	}
	if _, err := db.CustomerRef(ctx, a.ID, 0, "psa-43"); gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		t.Fatalf("an unknown external id: %v", err)
	}
	if _, err := db.CreateUser(ctx, a.ID, gatehouse.UserCreate{Email: "u@x.example", ExternalID: "pid-1", GroupIDs: []int64{}}); err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateUser(ctx, a.ID, gatehouse.UserCreate{Email: "v@x.example", ExternalID: "pid-1", GroupIDs: []int64{}})
	var ge *gatehouse.Error
	if !errors.As(err, &ge) || ge.Code != gatehouse.EConflict || ge.Field != "external_id" {
		t.Fatalf("a second user with the external id: %v", err)
	}
	if ref, err := db.UserRef(ctx, a.ID, 0, "pid-1"); err != nil || ref.ExternalID != "pid-1" {
		t.Fatalf("user by external id: %+v, %v", ref, err)
	}
	if _, err := db.UserRef(ctx, b.ID, 0, "pid-1"); gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		t.Fatalf("another account's user by external id: %v", err)
	}
}
