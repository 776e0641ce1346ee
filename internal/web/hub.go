package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The customer hub and the home page: a few modules' records at a
// glance, each section counted and listed in the query within the
// viewer's reach of that module. A module the viewer cannot see is not
// there at all.

// hubPart is one section a hub may show.
type hubPart struct {
	module  string
	heading string
	match   records.Match
	columns []string
	empty   string
}

// customerHub is what a customer's page shows of its records.
var customerHub = []hubPart{
	{"tickets", "Open tickets", records.Match{Open: true, Newest: true}, []string{"status", "priority", "assignee_id"}, "No open tickets."},
	{"alerts", "Open alerts", records.Match{Open: true, Newest: true}, []string{"asset_id", "severity"}, "No open alerts."},
	{"assets", "Assets", records.Match{}, []string{"kind", "last_seen_at"}, "No assets."},
	{"script-runs", "Recent script runs", records.Match{Newest: true}, []string{"status", "finished_at"}, "No script runs yet."},
	{"documents", "Documents", records.Match{}, nil, "No documents."},
	{"credentials", "Credentials", records.Match{}, []string{"username"}, "No credentials."},
	{"invoices", "Invoices", records.Match{Newest: true}, []string{"status", "total"}, "No invoices."},
	{"contacts", "Contacts", records.Match{}, []string{"email", "phone"}, "No contacts."},
}

// homeHub is what the home page shows across the viewer's customers.
func homeHub(now time.Time) []hubPart {
	return []hubPart{
		{"tickets", "Open tickets", records.Match{Open: true, Newest: true}, []string{"status", "priority"}, "No open tickets."},
		{"alerts", "Open alerts", records.Match{Open: true, Newest: true}, []string{"asset_id", "severity"}, "No open alerts."},
		{"script-runs", "Recent script runs", records.Match{Newest: true}, []string{"status", "finished_at"}, "No script runs yet."},
		{"appointments", "Next 7 days", records.Match{Between: "starts_at", From: now, To: now.AddDate(0, 0, 7)},
			[]string{"starts_at", "user_id"}, "Nothing in the calendar for the next 7 days."},
	}
}

// hubSection is one module's part of a hub.
type hubSection struct {
	TitleLabel   string
	ID           string
	Heading      string
	Total        int64
	Columns      []listColumn
	Rows         []listRow
	ShowCustomer bool
	Empty        string
	AllHref      string
	NewHref      string
	NewLabel     string

	m    *records.Module
	recs []records.Record
}

// hubSections samples each part within the viewer's reach — of one
// customer, or (customer 0) of all they reach — noting the names to load.
func (s *Server) hubSections(ctx context.Context, c *authz.Caller, b *nameBook, parts []hubPart, customer int64, limit int) ([]hubSection, error) {
	var out []hubSection
	for _, part := range parts {
		m := records.MustLookup(part.module)
		reach := records.ViewReach(m, c.Grants)
		match := part.match
		if customer != 0 {
			if !reach.Touches(customer) {
				continue
			}
			match.Customer = customer
		} else if reach.Customers.Empty() && (reach.OwnerID == 0 || reach.Own.Empty()) {
			continue // a home page lists customers' records: a shared library alone is not work to do
		}
		sample, err := s.store.SampleRecords(ctx, c.AccountID, m, match, limit, reach)
		if err != nil {
			return nil, err
		}
		b.note(m, sample.Items...)
		sec := hubSection{TitleLabel: capitalize(m.Noun), ID: "hub-" + m.Key, Heading: part.heading, Total: sample.Total, Empty: part.empty,
			ShowCustomer: customer == 0, m: m, recs: sample.Items}
		for _, name := range part.columns {
			f, _ := m.Field(name)
			sec.Columns = append(sec.Columns, listColumn{Name: name, Label: labelOf(m, name), Num: f.Kind == records.Money})
		}
		switch {
		case m == modAppointments:
			sec.AllHref = "/calendar"
		case customer == 0:
			sec.AllHref = "/" + m.Key
		default: // the module's list, filtered to the customer in its query
			sec.AllHref = "/" + m.Key + "?customer=" + strconv.FormatInt(customer, 10)
		}
		if customer != 0 && m.HasCustomerInput() && m.Create != "" && records.PermReach(m, c.Grants, m.Create).Allows(customer, 0) {
			sec.NewHref, sec.NewLabel = "/"+m.Key+"/new?customer="+strconv.FormatInt(customer, 10), newLabel(m)
		}
		out = append(out, sec)
	}
	return out, nil
}

// renderHub fills in the rows once the book holds their names.
func renderHub(b *nameBook, secs []hubSection) []hubSection {
	for i := range secs {
		secs[i].Rows = rows(b, secs[i].m, secs[i].Columns, secs[i].recs)
	}
	return secs
}

// hubShown is how many records a hub section lists.
const hubShown = 5

// customerHubOf is the hub of one customer's page.
func (s *Server) customerHubOf(ctx context.Context, c *authz.Caller, loc *time.Location, customer int64) ([]hubSection, error) {
	b := s.newBook(c, loc)
	secs, err := s.hubSections(ctx, c, b, customerHub, customer, hubShown)
	if err != nil {
		return nil, err
	}
	if err := b.load(ctx); err != nil {
		return nil, err
	}
	return renderHub(b, secs), nil
}

type homePage struct {
	Customers     []cell
	MoreCustomers bool
	Sections      []hubSection
	Zone          string
}

// homeCustomers is how many customers the home page names before
// pointing to the customer list.
const homeCustomers = 12

// handleDashboard is the home page: the viewer's customers and their
// open work — open tickets and alerts, recent script runs and the week's
// appointments — within what the viewer may see.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	ctx := r.Context()
	loc := zoneOf(r)
	p := homePage{Zone: loc.String()}
	if c.Grants.Holds(permCustomersView) {
		page, err := s.store.ListCustomers(ctx, c.AccountID, c.Grants.Scope(permCustomersView), gatehouse.ListFilter{Limit: homeCustomers})
		if err != nil {
			return err
		}
		for _, cu := range page.Items {
			p.Customers = append(p.Customers, cell{Text: cu.Name, Href: "/customers/" + strconv.FormatInt(cu.ID, 10)})
		}
		p.MoreCustomers = page.NextCursor != ""
	}
	b := s.newBook(c, loc)
	secs, err := s.hubSections(ctx, c, b, homeHub(time.Now()), 0, 8)
	if err != nil {
		return err
	}
	if err := b.load(ctx); err != nil {
		return err
	}
	p.Sections = renderHub(b, secs)
	s.render(w, r, c, http.StatusOK, "home", "Home", p)
	return nil
}
