// Package csvexport writes CSV downloads for every surface: whole lists
// streamed page by page through the same scoped queries as the lists
// themselves, with cells a spreadsheet would run as formulas defused.
package csvexport

import (
	"encoding/csv"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/gatehouse"
)

// Options are the server's, as a stream needs them.
type Options struct {
	Log *slog.Logger
	// WriteTimeout is the server's write timeout: a stream gives itself
	// that much again before each page, so a long export finishes while
	// a stalled reader is still cut.
	WriteTimeout time.Duration
}

// Stream writes every page fetch returns, from the first (cursor "") to
// the last, as one download. An error on the first page is returned
// before anything is written; later ones end the file early and are
// logged, since the headers are gone.
func Stream[T any](w http.ResponseWriter, o Options, filename string, header []string,
	fetch func(cursor string) (gatehouse.Page[T], error), row func(T) []string) error {
	page, err := fetch("")
	if err != nil {
		return err
	}
	headers(w, filename)
	cw := csv.NewWriter(w)
	cw.Write(header)
	for {
		if o.WriteTimeout > 0 {
			http.NewResponseController(w).SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		}
		for _, item := range page.Items {
			if err := cw.Write(defused(row(item))); err != nil {
				return nil // the client went away
			}
		}
		if page.NextCursor == "" {
			break
		}
		if page, err = fetch(page.NextCursor); err != nil {
			o.Log.Error("csv export stopped", "file", filename, "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

// Write writes rows as one download.
func Write(w http.ResponseWriter, filename string, header []string, rows [][]string) error {
	headers(w, filename)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, row := range rows {
		if err := cw.Write(defused(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func headers(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

func defused(cells []string) []string {
	for i, c := range cells {
		cells[i] = Defuse(c)
	}
	return cells
}

// Defuse prefixes a cell a spreadsheet would run as a formula with a
// quote (CSV injection).
func Defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
