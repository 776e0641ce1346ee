package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/gatehouse"
)

// exportPages streams a whole list as CSV, fetching it page by page with
// the same filter — and so the same scope — as the JSON list.
func exportPages[T any](w http.ResponseWriter, s *Server, filename string, header []string, f gatehouse.ListFilter,
	fetch func(gatehouse.ListFilter) (gatehouse.Page[T], error), row func(T) []string) error {
	f.Limit = 500
	return streamCSV(w, s, filename, header, func(cursor string) (gatehouse.Page[T], error) {
		f.Cursor = cursor
		return fetch(f)
	}, row)
}

// streamCSV writes every page fetch returns, from the first (cursor "")
// to the last, as one CSV download. Cells a spreadsheet would run as
// formulas are defused.
func streamCSV[T any](w http.ResponseWriter, s *Server, filename string, header []string,
	fetch func(cursor string) (gatehouse.Page[T], error), row func(T) []string) error {
	page, err := fetch("")
	if err != nil {
		return err // nothing written yet: the caller gets a problem
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(header)
	for {
		s.extendWrite(w)
		for _, item := range page.Items {
			cells := row(item)
			for i, c := range cells {
				cells[i] = defuseFormula(c)
			}
			if err := cw.Write(cells); err != nil {
				return nil // the client went away
			}
		}
		if page.NextCursor == "" {
			break
		}
		if page, err = fetch(page.NextCursor); err != nil {
			s.log.Error("csv export stopped", "file", filename, "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

// extendWrite gives a streaming response another WriteTimeout from now:
// an export runs as long as it makes progress, while a client that stops
// reading is still cut.
func (s *Server) extendWrite(w http.ResponseWriter) {
	if s.WriteTimeout > 0 {
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.WriteTimeout))
	}
}

var customerCSVHeader = []string{"id", "name", "tags", "email", "phone", "website", "address_line1", "address_line2",
	"city", "region", "postal_code", "country", "created_at", "updated_at"}

func customerCSVRow(c gatehouse.Customer) []string {
	return []string{strconv.FormatInt(c.ID, 10), c.Name, strings.Join(c.Tags, ";"), c.Email, c.Phone, c.Website,
		c.AddressLine1, c.AddressLine2, c.City, c.Region, c.PostalCode, c.Country,
		c.CreatedAt.Format(time.RFC3339), c.UpdatedAt.Format(time.RFC3339)}
}

// joinIDs renders ids as one cell, separated by semicolons.
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ";")
}
