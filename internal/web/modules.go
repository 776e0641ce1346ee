package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/usecase"
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
// of its view permissions.
func moduleNav() []navEntry {
	var out []navEntry
	for _, m := range records.All() {
		e := navEntry{Label: moduleLabel(m), Path: "/" + m.Key}
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

// column is one shown field.
type column struct {
	Name  string
	Label string
}

type recordRow struct {
	ID       int64
	Title    string
	Customer string
	Cells    []string
}

type moduleListPage struct {
	CanCreate bool
	Module    string
	Key       string
	Noun      string
	Columns   []column
	Rows      []recordRow
	Q         string
	Next      string
	Span      int // columns in a row, for the empty-list cell
}

func fieldLabelOf(name string) string {
	if l, ok := fieldLabels[name]; ok {
		return l
	}
	b := []byte(name)
	for i := range b {
		if b[i] == '_' {
			b[i] = ' '
		}
	}
	return capitalize(string(b))
}

// listColumns are the few short fields a list shows after the title.
func listColumns(m *records.Module) []column {
	var out []column
	for _, f := range m.Fields {
		if f.Name == m.Title || len(out) == 3 {
			continue
		}
		switch f.Kind {
		case records.String, records.Enum, records.Email, records.Date, records.Money, records.Bool, records.Int:
			out = append(out, column{Name: f.Name, Label: fieldLabelOf(f.Name)})
		}
	}
	return out
}

func (h modulePages) list(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f := listFilter(r, 50)
	page, err := h.s.store.ListRecords(r.Context(), c.AccountID, h.m, f, records.ViewReach(h.m, c.Grants))
	if err != nil {
		return err
	}
	names, err := h.s.customerNames(r.Context(), c, page.Items)
	if err != nil {
		return err
	}
	p := moduleListPage{Module: moduleLabel(h.m), Key: h.m.Key, Noun: h.m.Noun, Columns: listColumns(h.m), Q: f.Q,
		Next: nextLink("/"+h.m.Key, f.Q, page.NextCursor)}
	p.Span = len(p.Columns) + 2
	p.CanCreate = hasForms(h.m) && h.m.Create != "" && !records.PermReach(h.m, c.Grants, h.m.Create).None()
	for _, rec := range page.Items {
		row := recordRow{ID: rec.ID, Title: recordTitle(h.m, rec), Customer: names(rec.CustomerID)}
		for _, col := range p.Columns {
			fd, _ := h.m.Field(col.Name)
			row.Cells = append(row.Cells, formatValue(fd, rec.Values[col.Name]))
		}
		p.Rows = append(p.Rows, row)
	}
	h.s.render(w, r, c, http.StatusOK, "module_list", p.Module, p)
	return nil
}

type detailField struct {
	Label string
	Value string
	Long  bool
}

type moduleDetailPage struct {
	Module   string
	Key      string
	ID       int64
	Title    string
	Customer string
	Fields   []detailField
	Lines    []records.Line
	HasLines bool
	Secret   bool
	CanEdit  bool

	// Scripts: the "run on asset" form, to those who may run the script.
	CanRun bool
	Run    runForm
	// Credentials: the reveal button, and the secret once revealed.
	CanReveal bool
	Revealed  *string
	RevealErr *formError
	// Leads: the convert button, to those who may convert the lead.
	CanConvert bool
	Linked     bool // the lead has a customer: converting only marks it won
	ConvertErr *formError
}

// detailExtras are what a form post adds to a detail page: a refused run,
// reveal or conversion, or a revealed secret.
type detailExtras struct {
	RunErr     *formError
	RevealErr  *formError
	Revealed   *string
	ConvertErr *formError
}

func (h modulePages) show(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return err
	}
	rec, err := h.s.store.Record(r.Context(), c.AccountID, h.m, id, records.ViewReach(h.m, c.Grants))
	if err != nil {
		return err
	}
	return h.renderDetail(w, r, c, rec, detailExtras{})
}

func (h modulePages) renderDetail(w http.ResponseWriter, r *http.Request, c *authz.Caller, rec records.Record, x detailExtras) error {
	names, err := h.s.customerNames(r.Context(), c, []records.Record{rec})
	if err != nil {
		return err
	}
	p := moduleDetailPage{Module: moduleLabel(h.m), Key: h.m.Key, ID: rec.ID, Title: recordTitle(h.m, rec), Customer: names(rec.CustomerID),
		Lines: rec.Lines, HasLines: h.m.Lines, Secret: h.m.Secret && rec.HasSecret, Revealed: x.Revealed, RevealErr: x.RevealErr}
	for _, f := range h.m.Fields {
		p.Fields = append(p.Fields, detailField{Label: fieldLabelOf(f.Name), Value: formatValue(f, rec.Values[f.Name]),
			Long: f.Kind == records.Text || f.Kind == records.JSONDoc})
	}
	p.CanEdit = hasForms(h.m) && h.m.Edit != "" && records.PermReach(h.m, c.Grants, h.m.Edit).Allows(rec.CustomerID, 0)
	if h.m == modScripts && records.UseReach(modScripts, c.Grants, "scripts.run").Allows(rec.CustomerID, 0) {
		p.CanRun = true
		if p.Run.Assets, err = h.s.runTargets(r.Context(), c, rec); err != nil {
			return err
		}
		p.Run.Err = x.RunErr
	}
	if h.m == modCredentials && p.Secret {
		p.CanReveal = records.UseReach(modCredentials, c.Grants, "credentials.reveal").Allows(rec.CustomerID, 0)
	}
	if h.m == modLeads {
		p.Linked, p.ConvertErr = rec.CustomerID != 0, x.ConvertErr
		p.CanConvert = !(p.Linked && rec.Values.Str("status") == "won") && usecase.MayConvertLead(c, rec)
	}
	status := http.StatusOK
	for _, fe := range []*formError{x.RunErr, x.RevealErr, x.ConvertErr} {
		if fe != nil {
			status = fe.Status
		}
	}
	h.s.render(w, r, c, status, "module_detail", p.Title, p)
	return nil
}

func recordTitle(m *records.Module, rec records.Record) string {
	if m.Title != "" {
		if s, ok := rec.Values[m.Title].(string); ok && s != "" {
			return s
		}
	}
	return fmt.Sprintf("%s #%d", capitalize(m.Noun), rec.ID)
}

// customerNames names the records' customers as far as the caller may
// see customers; others show as a number, and records with no customer
// as the shared library or the account.
func (s *Server) customerNames(ctx context.Context, c *authz.Caller, recs []records.Record) (func(int64) string, error) {
	visible := c.Grants.Scope(permCustomersView)
	var ids []int64
	for _, rec := range recs {
		if rec.CustomerID != 0 && visible.Contains(rec.CustomerID) {
			ids = append(ids, rec.CustomerID)
		}
	}
	names := map[int64]string{}
	if len(ids) > 0 {
		page, err := s.store.ListCustomers(ctx, c.AccountID, access.Only(ids...), gatehouse.ListFilter{Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, cu := range page.Items {
			names[cu.ID] = cu.Name
		}
	}
	return func(id int64) string {
		if id == 0 {
			return "— (account-wide)"
		}
		if n, ok := names[id]; ok {
			return n
		}
		return "Customer #" + strconv.FormatInt(id, 10)
	}, nil
}

// formatValue shows a field's value as text.
func formatValue(f records.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case int64:
		switch f.Kind {
		case records.Money:
			sign := ""
			if x < 0 {
				sign, x = "-", -x
			}
			return fmt.Sprintf("%s%d.%02d", sign, x/100, x%100)
		case records.Ref, records.UserRef:
			if x == 0 {
				return "—"
			}
			return "#" + strconv.FormatInt(x, 10)
		}
		return strconv.FormatInt(x, 10)
	case time.Time:
		if x.IsZero() {
			return "—"
		}
		return x.UTC().Format("2006-01-02 15:04 UTC")
	}
	return fmt.Sprint(v)
}
