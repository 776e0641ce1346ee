package sqldb_test

import (
	"context"
	"errors"
	"testing"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb/dbtest"
)

// Text that is not UTF-8 is refused by the store itself, whichever
// surface sent it, naming the field; it would be stored mangled.
func TestTheStoreRefusesTextThatIsNotUTF8(t *testing.T) {
	ctx := context.Background()
	db := dbtest.OpenSQLite(t)
	acct, err := db.CreateAccount(ctx, "Text MSP")
	if err != nil {
		t.Fatal(err)
	}
	bad, city := "Acme \xff", "Spring\xc3"
	check := func(what string, err error, field string) {
		t.Helper()
		var e *gatehouse.Error
		if !errors.As(err, &e) || e.Code != gatehouse.EInvalid || e.Field != field {
			t.Errorf("%s: %v, want invalid naming %s", what, err, field)
		}
	}
	ok := "Acme"
	_, err = db.CreateCustomer(ctx, acct.ID, gatehouse.CustomerFields{Name: &ok, City: &city})
	check("customer city", err, "city")
	_, err = db.CreateCustomer(ctx, acct.ID, gatehouse.CustomerFields{Name: &ok, Tags: &[]string{bad}})
	check("customer tag", err, "tags")
	_, err = db.CreateGroup(ctx, acct.ID, gatehouse.SecurityGroup{Name: bad, AccessType: gatehouse.AllCustomers})
	check("group name", err, "name")
	_, err = db.CreateUser(ctx, acct.ID, gatehouse.UserCreate{Email: "a@example.com", Name: bad, PasswordHash: "x", GroupIDs: []int64{}})
	check("user name", err, "name")
}
