package httpapi_test

import (
	"strings"
	"testing"

	"gatehouse/internal/records"
)

// Financial records are kept: a customer with invoices or payments is
// archived, not deleted. Archiving takes it out of every list and every
// select-customers group's reach — a change the preview shows first —
// keeps its records readable to all-customers holders, and is undone by
// unarchiving.
func TestCustomersWithInvoicesAreArchivedNotDeleted(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, z := w.customer(w.acct.ID, "Xenon"), w.customer(w.acct.ID, "Zinc")
		inv := w.rec("invoices", x, records.Values{"number": "INV-1", "currency": "EUR"}, records.Line{Description: "Support", Quantity: 1, UnitPrice: 9500})
		it := w.scoped("it@a-msp.example", []int64{x, z}, "customers.view", "invoices.view")
		w.want(200, it, "GET", "/api/v1/customers/"+id(x), nil, nil)

		w.wantRefused(t, w.admin, "DELETE", "/api/v1/customers/"+id(x), nil, refusal{status: 409, says: []string{"archive"}})
		var preview struct{ Summary string }
		w.want(200, w.admin, "POST", "/api/v1/customers/"+id(x)+"/archive?dry_run=true", nil, &preview)
		if !strings.Contains(preview.Summary, "1 user loses access to 1 customer") {
			t.Fatalf("archive preview: %q", preview.Summary)
		}
		w.want(200, it, "GET", "/api/v1/customers/"+id(x), nil, nil) // the preview changed nothing

		var archived struct {
			ArchivedAt *string `json:"archived_at"`
		}
		w.want(200, w.admin, "POST", "/api/v1/customers/"+id(x)+"/archive", nil, &archived)
		if archived.ArchivedAt == nil {
			t.Fatal("no archived_at after archiving")
		}
		w.want(404, it, "GET", "/api/v1/customers/"+id(x), nil, nil)
		w.want(404, it, "GET", "/api/v1/invoices/"+id(inv), nil, nil)
		w.want(200, w.admin, "GET", "/api/v1/invoices/"+id(inv), nil, nil)
		var list struct{ Items []struct{ ID string } }
		w.want(200, w.admin, "GET", "/api/v1/customers", nil, &list)
		for _, c := range list.Items {
			if c.ID == id(x) {
				t.Fatal("an archived customer is still listed")
			}
		}
		w.want(200, w.admin, "GET", "/api/v1/customers?archived=true", nil, &list)
		if len(list.Items) != 1 || list.Items[0].ID != id(x) {
			t.Fatalf("archived list: %+v", list.Items)
		}
		w.want(200, w.admin, "POST", "/api/v1/customers/"+id(x)+"/unarchive", nil, nil)
		w.want(200, it, "GET", "/api/v1/invoices/"+id(inv), nil, nil)

		// A customer with no financial records is deleted.
		y := w.customer(w.acct.ID, "Yarrow")
		w.rec("assets", y, records.Values{"name": "Y laptop"})
		w.want(204, w.admin, "DELETE", "/api/v1/customers/"+id(y), nil, nil)

	})
}
