package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/csvexport"
	"gatehouse/internal/gatehouse"
)

// exportPages streams a whole list as CSV, fetching it page by page with
// the same filter — and so the same scope — as the JSON list.
func exportPages[T any](w http.ResponseWriter, s *Server, filename string, header []string, f gatehouse.ListFilter,
	fetch func(gatehouse.ListFilter) (gatehouse.Page[T], error), row func(T) []string) error {
	f.Limit = gatehouse.ExportPage
	return streamCSV(w, s, filename, header, func(cursor string) (gatehouse.Page[T], error) {
		f.Cursor = cursor
		return fetch(f)
	}, row)
}

// streamCSV writes every page fetch returns as one CSV download.
func streamCSV[T any](w http.ResponseWriter, s *Server, filename string, header []string,
	fetch func(cursor string) (gatehouse.Page[T], error), row func(T) []string) error {
	return csvexport.Stream(w, csvexport.Options{Log: s.log, WriteTimeout: s.WriteTimeout}, filename, header, fetch, row)
}

var customerCSVHeader = []string{"id", "name", "tags", "email", "phone", "website", "address_line1", "address_line2",
	"city", "region", "postal_code", "country", "external_id", "created_at", "updated_at"}

func customerCSVRow(c gatehouse.Customer) []string {
	return []string{strconv.FormatInt(c.ID, 10), c.Name, strings.Join(c.Tags, ";"), c.Email, c.Phone, c.Website,
		c.AddressLine1, c.AddressLine2, c.City, c.Region, c.PostalCode, c.Country, c.ExternalID,
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
