package web

import (
	"context"
	"slices"
	"strconv"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// nameBook turns the ids a page's records carry — customers, users and
// other records — into names, each read within the viewer's reach: a
// customer's name needs customers.view on it, a record's title needs the
// record in view. Pages note their records first, then load once: one
// query per referenced module, whatever the number of rows.
type nameBook struct {
	s   *Server
	c   *authz.Caller
	loc *time.Location

	wantRecords   map[string][]int64
	wantUsers     []int64
	wantCustomers []int64

	titles    map[string]map[int64]string
	users     map[int64]string
	customers map[int64]string
	visible   access.Scope // customers whose names the viewer may see
}

func (s *Server) newBook(c *authz.Caller, loc *time.Location) *nameBook {
	return &nameBook{s: s, c: c, loc: loc, wantRecords: map[string][]int64{}, titles: map[string]map[int64]string{},
		users: map[int64]string{}, customers: map[int64]string{}, visible: c.Grants.Scope(permCustomersView)}
}

// note collects the customers, users and records that recs refer to.
func (b *nameBook) note(m *records.Module, recs ...records.Record) {
	for _, rec := range recs {
		if rec.CustomerID != 0 {
			b.wantCustomers = append(b.wantCustomers, rec.CustomerID)
		}
		for _, f := range m.Fields {
			id := rec.Values.Int(f.Name)
			if id == 0 {
				continue
			}
			switch f.Kind {
			case records.Ref:
				b.wantRecords[f.Ref] = append(b.wantRecords[f.Ref], id)
			case records.UserRef:
				b.wantUsers = append(b.wantUsers, id)
			}
		}
	}
}

// noteUsers collects user ids that are not record fields (note authors).
func (b *nameBook) noteUsers(ids ...int64) { b.wantUsers = append(b.wantUsers, ids...) }

// load reads every name noted since the last load.
func (b *nameBook) load(ctx context.Context) error {
	for key, ids := range b.wantRecords {
		m := records.MustLookup(key)
		got, err := b.s.store.RecordTitles(ctx, b.c.AccountID, m, uniq(ids), records.ViewReach(m, b.c.Grants))
		if err != nil {
			return err
		}
		if b.titles[key] == nil {
			b.titles[key] = map[int64]string{}
		}
		for id, t := range got {
			b.titles[key][id] = t
		}
	}
	b.wantRecords = map[string][]int64{}
	if len(b.wantUsers) > 0 {
		got, err := b.s.store.UserNames(ctx, b.c.AccountID, uniq(b.wantUsers))
		if err != nil {
			return err
		}
		for id, n := range got {
			b.users[id] = n
		}
		b.wantUsers = nil
	}
	var ids []int64
	for _, id := range uniq(b.wantCustomers) {
		if _, done := b.customers[id]; !done && b.visible.Contains(id) {
			ids = append(ids, id)
		}
	}
	b.wantCustomers = nil
	if len(ids) > 0 {
		page, err := b.s.store.ListCustomers(ctx, b.c.AccountID, access.Only(ids...), gatehouse.ListFilter{Limit: 500})
		if err != nil {
			return err
		}
		for _, cu := range page.Items {
			b.customers[cu.ID] = cu.Name
		}
	}
	return nil
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// customer shows a record's customer: its name linked to its page where
// the viewer may see it, else its number; none is the shared library or
// the MSP's own.
func (b *nameBook) customer(m *records.Module, id int64) cell {
	if id == 0 {
		if m != nil && m.Ownership == records.SharedLibrary {
			return cell{Text: "Shared library", Muted: true}
		}
		return cell{Text: "MSP (account-wide)", Muted: true}
	}
	if n, ok := b.customers[id]; ok {
		return cell{Text: n, Href: "/customers/" + strconv.FormatInt(id, 10)}
	}
	return cell{Text: "Customer #" + strconv.FormatInt(id, 10)}
}

// customerName is the plain text of customer.
func (b *nameBook) customerName(m *records.Module, id int64) string { return b.customer(m, id).Text }

// ref shows a reference to another record: its title, linked, when the
// viewer sees it.
func (b *nameBook) ref(module string, id int64) cell {
	if id == 0 {
		return text("")
	}
	if t, ok := b.titles[module][id]; ok {
		if t == "" {
			t = capitalize(records.MustLookup(module).Noun) + " #" + strconv.FormatInt(id, 10)
		}
		return cell{Text: t, Href: "/" + module + "/" + strconv.FormatInt(id, 10)}
	}
	return cell{Text: "Not shown to you", Muted: true}
}

// refTitle is the title of a referenced record, or fallback.
func (b *nameBook) refTitle(module string, id int64, fallback string) string {
	if t, ok := b.titles[module][id]; ok && t != "" {
		return t
	}
	return fallback
}

func (b *nameBook) user(id int64) cell {
	if id == 0 {
		return text("")
	}
	if n, ok := b.users[id]; ok {
		return cell{Text: n}
	}
	return cell{Text: "User #" + strconv.FormatInt(id, 10), Muted: true}
}

// title is how a record is named on its page and in links to it.
func (b *nameBook) title(m *records.Module, rec records.Record) string {
	if v, ok := views[m.Key]; ok && v.title != nil {
		return v.title(b, rec)
	}
	return recordTitle(m, rec)
}

// value shows one field of a record.
func (b *nameBook) value(m *records.Module, f records.Field, rec records.Record) cell {
	v := rec.Values[f.Name]
	switch f.Kind {
	case records.Text:
		c := text(rec.Values.Str(f.Name))
		c.Long = true
		return c
	case records.JSONDoc:
		return cell{Text: rec.Values.Str(f.Name), Long: true, Mono: true}
	case records.Enum:
		s := rec.Values.Str(f.Name)
		if s == "" {
			return text("")
		}
		if badgeFields[f.Name] {
			return badgeCell(s)
		}
		return cell{Text: enumLabel(s)}
	case records.Date:
		return text(formatDate(rec.Values.Str(f.Name)))
	case records.Int:
		n := rec.Values.Int(f.Name)
		switch {
		case f.Percent:
			return cell{Text: formatPercent(n) + " %", Num: true}
		case f.Name == "minutes":
			return cell{Text: formatMinutes(n), Num: true}
		case f.Name == "number" && f.ReadOnly:
			return cell{Text: "#" + strconv.FormatInt(n, 10)}
		}
		return cell{Text: strconv.FormatInt(n, 10), Num: true}
	case records.Money:
		return cell{Text: formatAmount(rec.Values.Int(f.Name), rec.Values.Str("currency")), Num: true}
	case records.Bool:
		if rec.Values.Bool(f.Name) {
			return cell{Text: "Yes"}
		}
		return cell{Text: "No"}
	case records.Time:
		return timeCell(rec.Values.Time(f.Name), b.loc)
	case records.Ref:
		return b.ref(f.Ref, rec.Values.Int(f.Name))
	case records.UserRef:
		return b.user(rec.Values.Int(f.Name))
	}
	s, _ := v.(string)
	return text(s)
}
