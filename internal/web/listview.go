package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// listView is a module list's query as its page's address carries it:
// search, sort and order, one customer, each filterable field, and the
// page's cursor. Everything applies in the store's query, within the
// caller's reach; the page only writes links that keep it.
type listView struct {
	key      string
	q        string
	sort     string
	desc     bool
	customer int64
	where    map[string]string
	cursor   string
}

// readListView reads a list's address; a value that is not one of the
// module's sort keys or a filter's values is ignored, as a link may be
// stale.
func readListView(r *http.Request, m *records.Module) listView {
	q := r.URL.Query()
	v := listView{key: m.Key, q: strings.TrimSpace(q.Get("q")), cursor: q.Get("cursor"), where: map[string]string{}}
	v.sort, v.desc = m.DefaultSort()
	if s := q.Get("sort"); slices.Contains(m.SortKeys(), s) {
		v.sort, v.desc = s, false
	}
	switch q.Get("order") {
	case "asc":
		v.desc = false
	case "desc":
		v.desc = true
	}
	if id, err := strconv.ParseInt(q.Get("customer"), 10, 64); err == nil && id > 0 {
		v.customer = id
	}
	for _, f := range m.FilterFields() {
		if val := q.Get(f.Name); slices.Contains(f.Enum, val) {
			v.where[f.Name] = val
		}
	}
	return v
}

// filter is the store's filter for the view, counting the total.
func (v listView) filter(limit int) gatehouse.ListFilter {
	f := gatehouse.ListFilter{Q: v.q, Cursor: v.cursor, Limit: limit, Sort: v.sort, Desc: v.desc, CustomerID: v.customer, Total: true}
	if len(v.where) > 0 {
		f.Where = v.where
	}
	return f
}

// link is the view's address with changes: a new sort, a cursor…
func (v listView) link(change func(*listView)) string {
	c := v
	c.where = map[string]string{}
	for k, val := range v.where {
		c.where[k] = val
	}
	change(&c)
	q := url.Values{}
	if c.q != "" {
		q.Set("q", c.q)
	}
	if c.sort != "" {
		q.Set("sort", c.sort)
		if c.desc {
			q.Set("order", "desc")
		} else {
			q.Set("order", "asc")
		}
	}
	if c.customer != 0 {
		q.Set("customer", strconv.FormatInt(c.customer, 10))
	}
	for k, val := range c.where {
		q.Set(k, val)
	}
	if c.cursor != "" {
		q.Set("cursor", c.cursor)
	}
	if len(q) == 0 {
		return "/" + c.key
	}
	return "/" + c.key + "?" + q.Encode()
}

// sortable makes the headers of the sort keys links: first click sorts by
// the column, the next reverses it. Sorting starts at the first page.
func (v listView) sortable(m *records.Module, cols []listColumn) (titleHref, titleSort string) {
	keys := m.SortKeys()
	header := func(name string) (string, string) {
		if !slices.Contains(keys, name) {
			return "", ""
		}
		sorted := ""
		if v.sort == name {
			sorted = "ascending"
			if v.desc {
				sorted = "descending"
			}
		}
		return v.link(func(c *listView) {
			c.desc = c.sort == name && !c.desc
			c.sort, c.cursor = name, ""
		}), sorted
	}
	for i := range cols {
		cols[i].Href, cols[i].Sorted = header(cols[i].Name)
	}
	return header(m.Title)
}

// listFilters are the list's filter controls: one customer, and each
// filterable field's values.
type listFilters struct {
	Customers []choice // empty: the viewer sees too few customers to pick from, or one
	Fields    []fieldFilter
	Active    bool // some filter applies
	Clear     string
}

type fieldFilter struct {
	Name, Label string
	Choices     []choice
}

// maxCustomerChoices keeps the customer filter a select; beyond it the
// hub's "view all" links filter by customer instead.
const maxCustomerChoices = 200

func (s *Server) listFilters(ctx context.Context, c *authz.Caller, m *records.Module, v listView) (listFilters, error) {
	out := listFilters{Active: v.customer != 0 || len(v.where) > 0,
		Clear: v.link(func(c *listView) { c.customer, c.where, c.cursor = 0, map[string]string{}, "" })}
	if m.Ownership == records.CustomerRequired || m.CustomerFrom != "" || m.Ownership == records.SharedLibrary {
		page, err := s.store.ListCustomers(ctx, c.AccountID, records.ViewReach(m, c.Grants).Customers, gatehouse.ListFilter{Limit: maxCustomerChoices + 1})
		if err != nil {
			return out, err
		}
		if n := len(page.Items); n > 1 && n <= maxCustomerChoices || v.customer != 0 {
			out.Customers = append(out.Customers, choice{Value: "", Label: "All customers"})
			for _, cu := range page.Items[:min(len(page.Items), maxCustomerChoices)] {
				id := strconv.FormatInt(cu.ID, 10)
				out.Customers = append(out.Customers, choice{Value: id, Label: cu.Name, Selected: cu.ID == v.customer})
			}
		}
	}
	for _, f := range m.FilterFields() {
		ff := fieldFilter{Name: f.Name, Label: labelOf(m, f.Name), Choices: []choice{{Value: "", Label: "Any"}}}
		for _, val := range f.Enum {
			ff.Choices = append(ff.Choices, choice{Value: val, Label: enumLabel(val), Selected: v.where[f.Name] == val})
		}
		out.Fields = append(out.Fields, ff)
	}
	return out, nil
}

// totalText says how many records the filtered list holds.
func totalText(p gatehouse.Page[records.Record], noun string) string {
	if p.TotalCapped {
		return "More than " + strconv.Itoa(p.Total) + " " + noun + " records"
	}
	if p.Total == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(p.Total) + " " + noun + " records"
}
