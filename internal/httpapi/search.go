package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

type hitJSON struct {
	Type       string `json:"type" enum:"hits" doc:"customers, or the module the hit is a record of"`
	ID         ID     `json:"id"`
	CustomerID any    `json:"customer_id" schema:"id" nullable:"true"`
	Title      string `json:"title" example:"Acme Dental front desk PC"`
}

// searchPerModule bounds the hits of each module.
const searchPerModule = 10

// minSearch is the shortest term searched everywhere at once: every
// module's trigram index serves three characters or more, so no search
// reads a whole table.
const minSearch = 3

// search looks in every module the caller can view, each within the
// caller's reach for it — the same filter its list uses.
func (s *Server) search(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if n := utf8.RuneCountInString(q); n < minSearch || len(q) > 100 {
		return gatehouse.Invalid("q", "a search of %d to 100 characters is required", minSearch)
	}
	var parts []records.SearchPart
	for _, m := range records.All() {
		if reach := records.ViewReach(m, c.Grants); !reach.None() {
			parts = append(parts, records.SearchPart{Module: m, Reach: reach})
		}
	}
	hits, err := s.store.Search(r.Context(), c.AccountID, q, c.Grants.Scope(permCustomersView), parts, searchPerModule)
	if err != nil {
		return err
	}
	out := list[hitJSON]{Items: make([]hitJSON, 0, len(hits))}
	for _, h := range hits {
		out.Items = append(out.Items, hitJSON{Type: h.Module, ID: ID(h.ID), CustomerID: idOrNull(h.CustomerID), Title: h.Title})
	}
	if wantsCSV(r) {
		rows := make([][]string, 0, len(hits))
		for _, h := range out.Items {
			cust := ""
			if h.CustomerID != nil {
				cust = idString(h.CustomerID.(ID))
			}
			rows = append(rows, []string{h.Type, idString(h.ID), cust, h.Title})
		}
		return writeCSV(w, "search.csv", []string{"type", "id", "customer_id", "title"}, rows)
	}
	return writeJSON(w, http.StatusOK, out)
}
