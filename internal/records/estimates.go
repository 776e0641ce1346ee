package records

import (
	"strings"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

var permInvoicesCreate = catalog.MustLookup("invoices.create")

// CheckEstimateConversion decides turning an estimate of customer
// estimateCustomer into an invoice: it creates an invoice of that
// customer, so invoices.create on it. The caller has already found the
// estimate within what they see; a customer they may not invoice reads
// like a missing estimate.
func CheckEstimateConversion(g Grants, estimateCustomer int64) error {
	if estimateCustomer == 0 || !g.Check(permInvoicesCreate, estimateCustomer) {
		return gatehouse.NotFound("estimate")
	}
	return nil
}

// EstimateInvoice is the invoice an estimate becomes: its lines,
// currency, tax rate and notes, numbered and dated as given, a draft
// linked to the estimate.
func EstimateInvoice(estimate Record, number, issuedOn string) Input {
	v := Values{
		"number": strings.TrimSpace(number), "status": "draft", "currency": estimate.Values.Str("currency"),
		"issued_on": issuedOn, "notes": estimate.Values.Str("notes"), "tax_rate_bp": estimate.Values.Int("tax_rate_bp"),
		"estimate_id": estimate.ID,
	}
	lines := make([]Line, len(estimate.Lines))
	for i, l := range estimate.Lines {
		lines[i] = Line{Description: l.Description, Quantity: l.Quantity, UnitPrice: l.UnitPrice}
	}
	return Input{CustomerID: estimate.CustomerID, Values: v, Lines: &lines}
}
