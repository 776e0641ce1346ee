package httpapi

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"gatehouse/internal/authz"
	"gatehouse/internal/records"
)

type amountJSON struct {
	Currency string `json:"currency" example:"USD"`
	Amount   int64  `json:"amount" doc:"integer minor units" example:"125000"` // minor units
}

type customerSummaryJSON struct {
	CustomerID  ID               `json:"customer_id"`
	Name        string           `json:"name" doc:"empty when the caller may not view the customer" example:"Acme Dental"`
	Counts      map[string]int64 `json:"counts" doc:"records per module the caller may view" example:"{\"assets\": 12, \"tickets\": 3}"`
	Invoiced    []amountJSON     `json:"invoiced,omitempty"`
	Received    []amountJSON     `json:"received,omitempty"`
	Outstanding []amountJSON     `json:"outstanding,omitempty"`
}

type summaryJSON struct {
	Customers []customerSummaryJSON `json:"customers"`
}

func toAmounts(in []records.Amount) []amountJSON {
	if in == nil {
		return nil
	}
	out := make([]amountJSON, len(in))
	for i, a := range in {
		out[i] = amountJSON{Currency: a.Currency, Amount: a.Minor}
	}
	return out
}

// summaryCounts are the per-customer counts of the summary report; the
// conditions are fixed text, never input.
var summaryCounts = []struct {
	module string
	where  string
}{
	{"contacts", ""},
	{"assets", ""},
	{"alerts", "status = 'open'"},
	{"tickets", "status NOT IN ('resolved', 'closed')"},
	{"contracts", "status = 'active'"},
	{"invoices", ""},
	{"appointments", ""},
	{"leads", ""},
}

// reportSummary computes per-customer counts and totals over the
// customers the caller holds reports.view on, each figure further limited
// to what the caller may view of that module, and names the customers the
// caller holds customers.view on.
func (s *Server) reportSummary(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var counts []records.SummaryCount
	for _, sc := range summaryCounts {
		m := records.MustLookup(sc.module)
		counts = append(counts, records.SummaryCount{Module: m, Reach: records.ViewReach(m, c.Grants), Where: sc.where})
	}
	invoices, payments := records.MustLookup("invoices"), records.MustLookup("payments")
	sums, err := s.store.Summary(r.Context(), c.AccountID, c.Scope, counts,
		records.ViewReach(invoices, c.Grants), records.ViewReach(payments, c.Grants))
	if err != nil {
		return err
	}
	out := summaryJSON{Customers: make([]customerSummaryJSON, 0, len(sums))}
	// A customer's name, as everywhere, only with customers.view on it;
	// the others follow by id, so not even the order of their names shows.
	named := c.Grants.Scope(permCustomersView)
	slices.SortStableFunc(sums, func(a, b records.CustomerSummary) int {
		an, bn := named.Contains(a.CustomerID), named.Contains(b.CustomerID)
		switch {
		case an && bn:
			return 0 // storage's order: by name
		case an != bn:
			if an {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.CustomerID, b.CustomerID)
	})
	for _, cs := range sums {
		if !named.Contains(cs.CustomerID) {
			cs.Name = ""
		}
		out.Customers = append(out.Customers, customerSummaryJSON{CustomerID: ID(cs.CustomerID), Name: cs.Name, Counts: cs.Counts,
			Invoiced: toAmounts(cs.Invoiced), Received: toAmounts(cs.Received), Outstanding: toAmounts(cs.Outstanding)})
	}
	if wantsCSV(r) {
		header := []string{"customer_id", "name"}
		for _, sc := range summaryCounts {
			header = append(header, sc.module)
		}
		header = append(header, "invoiced", "received", "outstanding")
		rows := make([][]string, 0, len(out.Customers))
		for _, cs := range out.Customers {
			row := []string{idString(cs.CustomerID), cs.Name}
			for _, sc := range summaryCounts {
				if n, ok := cs.Counts[sc.module]; ok {
					row = append(row, strconv.FormatInt(n, 10))
				} else {
					row = append(row, "")
				}
			}
			row = append(row, amountsCell(cs.Invoiced), amountsCell(cs.Received), amountsCell(cs.Outstanding))
			rows = append(rows, row)
		}
		return writeCSV(w, "summary.csv", header, rows)
	}
	return writeJSON(w, http.StatusOK, out)
}

// amountsCell shows amounts as "USD 1250; EUR 300" (minor units).
func amountsCell(in []amountJSON) string {
	s := ""
	for i, a := range in {
		if i > 0 {
			s += "; "
		}
		s += a.Currency + " " + strconv.FormatInt(a.Amount, 10)
	}
	return s
}
