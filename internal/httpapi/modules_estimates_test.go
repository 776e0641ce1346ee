package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

type invoiceJSON struct {
	ID         string  `json:"id"`
	CustomerID string  `json:"customer_id"`
	Number     string  `json:"number"`
	Status     string  `json:"status"`
	Currency   string  `json:"currency"`
	TaxRateBP  int64   `json:"tax_rate_bp"`
	EstimateID *string `json:"estimate_id"`
	Total      int64   `json:"total"`
	Lines      []struct {
		Description string `json:"description"`
		Quantity    int64  `json:"quantity"`
		UnitPrice   int64  `json:"unit_price"`
	} `json:"lines"`
}

// invoiceCount counts the account's invoices as the admin sees them.
func (w *world) invoiceCount() int {
	w.t.Helper()
	return len(names(w.t, w.want(200, w.admin, "GET", "/api/v1/invoices?limit=500", nil, nil), "number"))
}

func TestAnEstimateBecomesOneDraftInvoiceWithItsLines(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "Xenon Clinic")
		est := w.rec("estimates", x, records.Values{"number": "EST-7", "currency": "EUR", "tax_rate_bp": int64(2000), "notes": "Valid 30 days"},
			records.Line{Description: "Firewall", Quantity: 2, UnitPrice: 45000}, records.Line{Description: "Install", Quantity: 1, UnitPrice: 12050})
		tok := w.scoped("billing@a-msp.example", []int64{x}, "estimates.view", "invoices.create", "invoices.view")

		var inv invoiceJSON
		w.want(201, tok, "POST", "/api/v1/estimates/"+id(est)+"/convert", map[string]any{"number": "INV-7", "issued_on": "2026-02-01"}, &inv)
		if inv.Number != "INV-7" || inv.Status != "draft" || inv.Currency != "EUR" || inv.TaxRateBP != 2000 || inv.CustomerID != id(x) ||
			inv.EstimateID == nil || *inv.EstimateID != id(est) || len(inv.Lines) != 2 || inv.Lines[1].UnitPrice != 12050 || inv.Total != 122460 {
			t.Fatalf("invoice %+v", inv)
		}
		before := w.invoiceCount()
		status, raw, _ := w.do(tok, "POST", "/api/v1/estimates/"+id(est)+"/convert", map[string]any{"number": "INV-8"})
		if status != 409 || w.invoiceCount() != before {
			t.Fatalf("a second conversion: %d %s, %d invoices (was %d)", status, raw, w.invoiceCount(), before)
		}
	})
}

func TestEstimateConversionRefusalsWriteNothing(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "Xenon Clinic"), w.customer(w.acct.ID, "Yarrow Farms")
		estX := w.rec("estimates", x, records.Values{"number": "EST-X"}, records.Line{Description: "Work", Quantity: 1, UnitPrice: 100})
		estY := w.rec("estimates", y, records.Values{"number": "EST-Y"}, records.Line{Description: "Work", Quantity: 1, UnitPrice: 100})
		// Sees both estimates, but may invoice only Y: per-group pairing.
		gx := w.group("see X", gatehouse.SelectCustomers, []int64{x}, "estimates.view")
		gy := w.group("invoice Y", gatehouse.SelectCustomers, []int64{y}, "estimates.view", "invoices.create")
		tok := w.login(w.newUser(w.acct.ID, "pair@a-msp.example", false, gx, gy))
		body := map[string]any{"number": "INV-1"}
		for _, tc := range []struct {
			name   string
			path   string
			body   any
			status int
			field  string
		}{
			{"an estimate of a customer the caller may not invoice reads like a missing one", "/api/v1/estimates/" + id(estX) + "/convert", body, 404, ""},
			{"a missing estimate", "/api/v1/estimates/" + id(estY+1000) + "/convert", body, 404, ""},
			{"no invoice number", "/api/v1/estimates/" + id(estY) + "/convert", map[string]any{"number": " "}, 400, "number"},
			{"a bad date", "/api/v1/estimates/" + id(estY) + "/convert", map[string]any{"number": "INV-1", "issued_on": "soon"}, 400, "issued_on"},
			{"an unknown field", "/api/v1/estimates/" + id(estY) + "/convert", map[string]any{"number": "INV-1", "total": 1}, 400, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := w.invoiceCount()
				status, raw, _ := w.do(tok, "POST", tc.path, tc.body)
				if status != tc.status || (tc.field != "" && !strings.Contains(string(raw), `"field":"`+tc.field+`"`)) {
					t.Fatalf("status %d, want %d naming %q: %s", status, tc.status, tc.field, raw)
				}
				if w.invoiceCount() != before {
					t.Fatal("an invoice was created")
				}
			})
		}
		missing, _, _ := w.do(tok, "POST", "/api/v1/estimates/"+id(estY+1000)+"/convert", body)
		_, outRaw, _ := w.do(tok, "POST", "/api/v1/estimates/"+id(estX)+"/convert", body)
		_, missRaw, _ := w.do(tok, "POST", "/api/v1/estimates/"+id(estY+1000)+"/convert", body)
		if missing != 404 || string(outRaw) != string(missRaw) {
			t.Fatalf("out of reach and missing differ: %s vs %s", outRaw, missRaw)
		}
		if _, err := w.db.Record(context.Background(), w.acct.ID, records.MustLookup("estimates"), estY, everywhere); err != nil {
			t.Fatal(err)
		}
	})
}
