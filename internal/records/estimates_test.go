package records

import (
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
)

func TestEstimateConversionNeedsInvoicesCreateOnTheEstimatesCustomer(t *testing.T) {
	const x, y = 1, 2
	g := grants(t,
		access.Group{ID: 1, Scope: access.Only(x), Perms: perms("estimates.view")},
		access.Group{ID: 2, Scope: access.Only(y), Perms: perms("estimates.view", "invoices.create")})
	if err := CheckEstimateConversion(g, y); err != nil {
		t.Fatalf("Y: %v", err)
	}
	for _, c := range []int64{x, 0, 3} {
		if err := CheckEstimateConversion(g, c); gatehouse.ErrorCode(err) != gatehouse.ENotFound {
			t.Errorf("customer %d: %v, want not found", c, err)
		}
	}
	est := Record{ID: 9, CustomerID: y, Values: Values{"currency": "EUR", "tax_rate_bp": int64(825), "notes": "n"},
		Lines: []Line{{Description: "a", Quantity: 2, UnitPrice: 100, Amount: 200}}}
	in := EstimateInvoice(est, " INV-9 ", "2026-01-02")
	if in.CustomerID != y || in.Values.Str("number") != "INV-9" || in.Values.Int("estimate_id") != 9 || in.Values.Str("status") != "draft" ||
		len(*in.Lines) != 1 || (*in.Lines)[0].Amount != 0 {
		t.Fatalf("invoice input %+v", in)
	}
}
