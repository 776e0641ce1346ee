package httpapi_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/vault"
)

// testVault seals credential secrets in tests.
var testVault = func() *vault.Vault {
	v, err := vault.New(bytes.Repeat([]byte{42}, vault.KeySize))
	if err != nil {
		panic(err)
	}
	return v
}()

// serveModules starts an API instance over db with a vault.
func serveModules(t testing.TB, db *sqldb.DB) *httptest.Server { return serveAPI(t, db) }

// newModuleWorld is a world whose API has a vault; the account's name and
// email domain are markers a leak check can look for.
func newModuleWorld(t *testing.T, db *sqldb.DB) *world {
	t.Helper()
	w := &world{t: t, db: db, srv: serveModules(t, db)}
	w.acct = w.account("A amark MSP")
	w.admin = w.login(w.newUser(w.acct.ID, "admin@a-msp.example", true))
	return w
}

func eachModuleBackend(t *testing.T, fn func(t *testing.T, w *world)) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, newModuleWorld(t, b.Open(t))) })
	}
}

// everywhere reaches every record, for fixtures written straight to the store.
var everywhere = records.Reach{Customers: access.All(), Library: true}

// rec writes a record straight to the store and returns its id.
func (w *world) rec(module string, customer int64, v records.Values, lines ...records.Line) int64 {
	w.t.Helper()
	m := records.MustLookup(module)
	in := records.Input{CustomerID: customer, Values: v}
	if m.Lines {
		in.Lines = &lines
	}
	r, err := w.db.CreateRecord(context.Background(), w.acct.ID, m, everywhere, in)
	if err != nil {
		w.t.Fatalf("fixture %s: %v", module, err)
	}
	return r.ID
}

// customerScoped is every customer-scoped permission of the catalog.
func customerScoped() []string {
	var out []string
	for _, p := range catalog.All() {
		if p.CustomerScoped {
			out = append(out, p.Key)
		}
	}
	return out
}

// accountWide is every account-wide permission of the catalog.
func accountWide() []string {
	var out []string
	for _, p := range catalog.All() {
		if !p.CustomerScoped {
			out = append(out, p.Key)
		}
	}
	return out
}

func without(perms []string, drop func(string) bool) []string {
	var out []string
	for _, p := range perms {
		if !drop(p) {
			out = append(out, p)
		}
	}
	return out
}

var soon = time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
