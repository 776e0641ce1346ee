package httpapi_test

import (
	"testing"

	"gatehouse/internal/gatehouse"
)

// An API client asks about everyone in the account, so making one is an
// all-customers act, and nobody gives a client what they do not hold.
func TestAPIClientsGetOnlyWhatTheirMakerHoldsForAllCustomers(t *testing.T) {
	eachBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		scoped := w.scoped("scoped-clients@test.example", []int64{x}, "customers.view", "assets.view")
		w.wantRefused(t, scoped, "POST", "/api/v1/api-clients", map[string]any{"name": "without the permission"},
			forbidden("api_clients.manage"))

		managers := w.group("Client managers", gatehouse.AllCustomers, nil, "api_clients.manage")
		manager := w.login(w.newUser(w.acct.ID, "clients@test.example", false, managers))
		w.wantRefused(t, manager, "POST", "/api/v1/api-clients", map[string]any{"name": "more than I hold"},
			refusal{status: 403, field: "permissions", says: []string{"decisions.ask"}})
		w.wantRefused(t, manager, "POST", "/api/v1/api-clients", map[string]any{"name": "a user's permission", "permissions": []string{"credentials.reveal"}},
			refusal{status: 400, field: "permissions", says: []string{"credentials.reveal"}})

		askers := w.group("Client makers", gatehouse.AllCustomers, nil, "api_clients.manage", "decisions.ask")
		maker := w.login(w.newUser(w.acct.ID, "makers@test.example", false, askers))
		var made struct{ ID, Secret string }
		w.want(201, maker, "POST", "/api/v1/api-clients", map[string]any{"name": "RMM"}, &made)
		if made.Secret == "" {
			t.Fatal("the secret was not shown on creation")
		}
		// A client's secret is no user token, and a client makes no client.
		w.want(401, made.Secret, "GET", "/api/v1/customers", nil, nil)
		w.want(401, made.Secret, "POST", "/api/v1/api-clients", map[string]any{"name": "child"}, nil)
		var list struct{ Items []struct{ ID, Secret string } }
		w.want(200, maker, "GET", "/api/v1/api-clients", nil, &list)
		if len(list.Items) != 1 || list.Items[0].Secret != "" {
			t.Fatalf("the list shows %+v, want the one client without its secret", list.Items)
		}

		other := w.account("Rival MSP")
		rival := w.login(w.newUser(other.ID, "rival-clients@test.example", true))
		w.want(404, rival, "DELETE", "/api/v1/api-clients/"+made.ID, nil, nil)
		var theirs struct{ Items []struct{ ID string } }
		w.want(200, rival, "GET", "/api/v1/api-clients", nil, &theirs)
		if len(theirs.Items) != 0 {
			t.Fatalf("another account lists %+v", theirs.Items)
		}
		w.want(204, maker, "DELETE", "/api/v1/api-clients/"+made.ID, nil, nil)
		w.want(404, maker, "DELETE", "/api/v1/api-clients/"+made.ID, nil, nil)
	})
}
