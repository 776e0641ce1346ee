package demo

import (
	"bytes"
	"context"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/vault"
)

func TestTheDemoFillsEveryModule(t *testing.T) {
	ctx := context.Background()
	db := dbtest.OpenSQLite(t)
	if _, err := Seed(ctx, db, auth.Params{Memory: 64, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	v, _ := vault.New(bytes.Repeat([]byte{1}, vault.KeySize))
	if err := SealSecrets(ctx, db, v); err != nil {
		t.Fatal(err)
	}
	acct, err := db.AccountByName(ctx, AccountName)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range records.All() {
		page, err := db.ListRecords(ctx, acct.ID, m, gatehouse.ListFilter{Limit: 500}, everywhere)
		if err != nil {
			t.Fatal(err)
		}
		customers := map[int64]bool{}
		for _, r := range page.Items {
			customers[r.CustomerID] = true
			if m.Secret && !r.HasSecret {
				t.Errorf("credential %q has no secret", r.Values.Str("name"))
			}
		}
		if len(customers) < 3 {
			t.Errorf("%s: records for %d customers, want at least 3", m.Key, len(customers))
		}
	}
}
