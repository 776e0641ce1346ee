package web

import (
	"net/http"
	"net/url"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The calendar: the appointments the viewer sees, by week or by month,
// in the viewer's time zone. Weeks start on Monday.

func (s *Server) calendarRoutes() []Route {
	m := modAppointments
	return []Route{{Pattern: "GET /calendar", Need: need(m.ViewPerms[0]), Also: m.AllViewPerms()[1:], handle: s.handleCalendar}}
}

type calItem struct {
	Href     string
	Title    string
	When     string // "09:00–10:00"
	Datetime string
	Customer cell
	Location string
}

type calDay struct {
	Date    string // YYYY-MM-DD
	Label   string // "Monday 2 March"
	Day     int
	InMonth bool
	Today   bool
	Items   []calItem
	NewHref string
}

type calendarPage struct {
	View      string // week or month
	Heading   string
	Prev      string
	Next      string
	PrevLabel string
	NextLabel string
	Today     string
	WeekHref  string
	MonthHref string
	Days      []calDay   // the week view
	Weeks     [][]calDay // the month view
	Weekdays  []string
	Zone      string
	CanCreate bool
	Truncated int64 // appointments beyond those shown
}

// calendarLimit bounds the appointments one view shows.
const calendarLimit = 500

func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	loc := zoneOf(r)
	q := r.URL.Query()
	view := q.Get("view")
	if view != "month" {
		view = "week"
	}
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	day := today
	if v := q.Get("date"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			return gatehouse.Invalid("date", "a date as YYYY-MM-DD")
		}
		day = d
	}
	p := calendarPage{View: view, Zone: loc.String(), Weekdays: []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
		CanCreate: !records.PermReach(modAppointments, c.Grants, modAppointments.Create).None()}
	link := func(view string, d time.Time) string {
		return "/calendar?" + url.Values{"view": {view}, "date": {d.Format(time.DateOnly)}}.Encode()
	}
	var from, to time.Time
	if view == "week" {
		from = monday(day)
		to = from.AddDate(0, 0, 7)
		p.Heading = "Week of " + from.Format("2 January 2006")
		p.Prev, p.Next = link("week", from.AddDate(0, 0, -7)), link("week", to)
		p.PrevLabel, p.NextLabel = "Previous week", "Next week"
	} else {
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, loc)
		from = monday(first)
		to = monday(first.AddDate(0, 1, 0).AddDate(0, 0, 6))
		p.Heading = first.Format("January 2006")
		p.Prev, p.Next = link("month", first.AddDate(0, -1, 0)), link("month", first.AddDate(0, 1, 0))
		p.PrevLabel, p.NextLabel = "Previous month", "Next month"
	}
	p.Today, p.WeekHref, p.MonthHref = link(view, today), link("week", day), link("month", day)

	sample, err := s.store.SampleRecords(r.Context(), c.AccountID, modAppointments,
		records.Match{Between: "starts_at", From: from, To: to}, calendarLimit, records.ViewReach(modAppointments, c.Grants))
	if err != nil {
		return err
	}
	p.Truncated = sample.Total - int64(len(sample.Items))
	b := s.newBook(c, loc)
	b.note(modAppointments, sample.Items...)
	if err := b.load(r.Context()); err != nil {
		return err
	}
	byDay := map[string][]calItem{}
	for _, a := range sample.Items {
		start, end := a.Values.Time("starts_at").In(loc), a.Values.Time("ends_at").In(loc)
		when := start.Format("15:04") + "–" + end.Format("15:04")
		if end.Sub(start) >= 24*time.Hour || end.YearDay() != start.YearDay() {
			when = start.Format("15:04") + " – " + end.Format("Mon 2 Jan 15:04")
		}
		key := start.Format(time.DateOnly)
		byDay[key] = append(byDay[key], calItem{Href: recordPath(modAppointments, a.ID), Title: b.title(modAppointments, a), When: when,
			Datetime: a.Values.Time("starts_at").UTC().Format(time.RFC3339), Customer: b.customer(modAppointments, a.CustomerID),
			Location: a.Values.Str("location")})
	}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := d.Format(time.DateOnly)
		cd := calDay{Date: key, Label: d.Format("Monday 2 January"), Day: d.Day(), InMonth: view == "week" || d.Month() == day.Month(),
			Today: d.Equal(today), Items: byDay[key]}
		if p.CanCreate {
			start := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, loc)
			cd.NewHref = "/appointments/new?" + url.Values{"starts_at": {start.Format("2006-01-02T15:04")},
				"ends_at": {start.Add(time.Hour).Format("2006-01-02T15:04")}}.Encode()
		}
		if view == "week" {
			p.Days = append(p.Days, cd)
			continue
		}
		if d.Weekday() == time.Monday {
			p.Weeks = append(p.Weeks, nil)
		}
		p.Weeks[len(p.Weeks)-1] = append(p.Weeks[len(p.Weeks)-1], cd)
	}
	s.render(w, r, c, http.StatusOK, "calendar", "Calendar: "+p.Heading, p)
	return nil
}

// monday is the start of d's week.
func monday(d time.Time) time.Time {
	back := (int(d.Weekday()) + 6) % 7
	return time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, d.Location())
}
