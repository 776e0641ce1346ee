package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/records"
)

// moduleRoutes are the list and detail pages of every module, each
// declaring its first view permission; the module's other view
// permissions ("view own") also open them, and the caller's reach then
// decides which records show — in the query, as in the API.
func (s *Server) moduleRoutes() []Route {
	var out []Route
	for _, m := range records.All() {
		h := modulePages{s: s, m: m}
		also := m.AllViewPerms()[1:]
		out = append(out,
			Route{Pattern: "GET /" + m.Key, Need: need(m.ViewPerms[0]), Also: also, handle: h.list},
			Route{Pattern: "GET /" + m.Key + "/{id}", Need: need(m.ViewPerms[0]), Also: also, handle: h.show})
	}
	return out
}

// moduleNav is a navigation entry per module, shown to holders of any
// of its view permissions. The calendar opens on its week view.
func moduleNav() []navEntry {
	var out []navEntry
	for _, m := range records.All() {
		e := navEntry{Label: moduleLabel(m), Path: "/" + m.Key}
		if m == modAppointments {
			e.Path, e.Also = "/calendar", []string{"/appointments"}
		}
		for _, p := range m.AllViewPerms() {
			e.Perms = append(e.Perms, catalog.MustLookup(p))
		}
		out = append(out, e)
	}
	return out
}

func moduleLabel(m *records.Module) string {
	if a, ok := catalog.AreaOf(m.Area + ".x"); ok && a.Key == m.Key {
		return a.Label
	}
	return capitalize(m.Noun) + "s"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

type modulePages struct {
	s *Server
	m *records.Module
}

// listColumn is one column of a module's list. Sorting will make Href
// the column's sort link; the template already renders it as one.
type listColumn struct {
	Name   string
	Label  string
	Href   string // sorts the list by the column
	Sorted string // "ascending" or "descending" when the list is sorted by it
	Num    bool
}

type listRow struct {
	Href     string
	Title    string
	Customer cell
	Cells    []cell
}

type moduleListPage struct {
	TitleLabel   string
	Module       string
	Key          string
	Noun         string
	NewLabel     string
	CanCreate    bool
	Columns      []listColumn
	ShowCustomer bool
	Rows         []listRow
	Q            string
	Next, Prev   string
	Total        string
	TitleHref    string // sorts by the title column
	TitleSorted  string
	Filters      listFilters
	Zone         string
	Calendar     bool // appointments: the calendar views
	Span         int  // columns in a row, for the empty-list cell
}

// columnsOf are the fields a list of m shows after the title.
func columnsOf(m *records.Module) []listColumn {
	names := views[m.Key].columns
	if names == nil {
		for _, f := range m.Fields {
			if f.Name == m.Title || len(names) == 3 {
				continue
			}
			switch f.Kind {
			case records.String, records.Enum, records.Email, records.Date, records.Money, records.Time, records.Ref:
				names = append(names, f.Name)
			}
		}
	}
	out := make([]listColumn, 0, len(names))
	for _, n := range names {
		f, ok := m.Field(n)
		if !ok {
			panic("web: " + m.Key + " has no field " + n)
		}
		out = append(out, listColumn{Name: n, Label: labelOf(m, n), Num: f.Kind == records.Money || f.Kind == records.Int})
	}
	return out
}

// rows shows records as list rows; the book must hold their names.
func rows(b *nameBook, m *records.Module, cols []listColumn, recs []records.Record) []listRow {
	out := make([]listRow, 0, len(recs))
	for _, rec := range recs {
		row := listRow{Href: recordPath(m, rec.ID), Title: b.title(m, rec), Customer: b.customer(m, rec.CustomerID)}
		for _, col := range cols {
			f, _ := m.Field(col.Name)
			row.Cells = append(row.Cells, b.value(m, f, rec))
		}
		out = append(out, row)
	}
	return out
}

func recordPath(m *records.Module, id int64) string {
	return "/" + m.Key + "/" + strconv.FormatInt(id, 10)
}

func (h modulePages) list(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	v := readListView(r, h.m)
	page, err := h.s.store.ListRecords(r.Context(), c.AccountID, h.m, v.filter(50), records.ViewReach(h.m, c.Grants))
	if err != nil {
		return err
	}
	loc := zoneOf(r)
	b := h.s.newBook(c, loc)
	b.note(h.m, page.Items...)
	if err := b.load(r.Context()); err != nil {
		return err
	}
	p := moduleListPage{TitleLabel: capitalize(h.m.Noun), Module: moduleLabel(h.m), Key: h.m.Key, Noun: h.m.Noun, NewLabel: newLabel(h.m), Columns: columnsOf(h.m),
		ShowCustomer: true, Q: v.q, Zone: loc.String(), Calendar: h.m == modAppointments, Total: totalText(page, h.m.Noun)}
	if page.NextCursor != "" {
		p.Next = v.link(func(c *listView) { c.cursor = page.NextCursor })
	}
	if page.PrevCursor != "" {
		p.Prev = v.link(func(c *listView) { c.cursor = page.PrevCursor })
	}
	p.TitleHref, p.TitleSorted = v.sortable(h.m, p.Columns)
	if p.Filters, err = h.s.listFilters(r.Context(), c, h.m, v); err != nil {
		return err
	}
	p.Span = len(p.Columns) + 2
	if !hasTimes(h.m, p.Columns) {
		p.Zone = ""
	}
	p.CanCreate = h.m.Create != "" && !records.PermReach(h.m, c.Grants, h.m.Create).None()
	p.Rows = rows(b, h.m, p.Columns, page.Items)
	h.s.render(w, r, c, http.StatusOK, "module_list", p.Module, p)
	return nil
}

// hasTimes reports whether a list of m shows a time.
func hasTimes(m *records.Module, cols []listColumn) bool {
	for _, col := range cols {
		if f, _ := m.Field(col.Name); f.Kind == records.Time {
			return true
		}
	}
	return false
}

func recordTitle(m *records.Module, rec records.Record) string {
	if m.Title != "" {
		if s, ok := rec.Values[m.Title].(string); ok && s != "" {
			return s
		}
	}
	return fmt.Sprintf("%s #%d", capitalize(m.Noun), rec.ID)
}

// pageOf finds a record the caller sees, for a page about it.
func (h modulePages) record(r *http.Request, c *authz.Caller) (records.Record, error) {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return records.Record{}, err
	}
	return h.s.store.Record(r.Context(), c.AccountID, h.m, id, records.ViewReach(h.m, c.Grants))
}

func (h modulePages) show(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	rec, err := h.record(r, c)
	if err != nil {
		return err
	}
	return h.renderDetail(w, r, c, rec, detailExtras{})
}

// mayChange reports whether the caller may use perm on rec: the same
// reach the change itself runs with, for showing its button.
func mayChange(m *records.Module, c *authz.Caller, perm string, rec records.Record) bool {
	return perm != "" && records.PermReach(m, c.Grants, perm).Allows(rec.CustomerID, 0)
}

// singleCustomer is the one customer a caller may use perm on in m, if
// they may use it on exactly one and on no shared record: their forms
// preselect it.
func singleCustomer(m *records.Module, c *authz.Caller, perm string) int64 {
	r := records.PermReach(m, c.Grants, perm)
	if r.Library || r.Customers.Kind != access.ScopeOnly || len(r.Customers.IDs) != 1 {
		return 0
	}
	return r.Customers.IDs[0]
}
