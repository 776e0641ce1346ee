package httpapi

import (
	"net/http"

	"gatehouse/internal/csvexport"
)

// wantsCSV reports whether the caller asked for ?format=csv.
func wantsCSV(r *http.Request) bool { return r.URL.Query().Get("format") == "csv" }

// writeCSV writes rows as a CSV download.
func writeCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) error {
	return csvexport.Write(w, filename, header, rows)
}
