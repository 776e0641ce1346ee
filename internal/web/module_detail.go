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

// A record's page: its fields read as people read them, its related
// records (a ticket's time logs, an invoice's payments, an asset's
// alerts…) found from the module descriptions, its comments or messages,
// and the panels of the few actions a module has besides editing.

type detailRow struct {
	Label string
	Value cell
	Rows  []detailRow // a JSON document's settings, one row each
}

type lineView struct {
	Description, Quantity, UnitPrice, Amount string
}

// relatedSection lists the records of another module that point to this
// one, within the viewer's reach of that module.
type relatedSection struct {
	Summary      string // what the records add up to, where that helps
	TitleLabel   string // the first column's heading: the module's noun
	ID           string
	Heading      string
	Noun         string
	Total        int64
	Columns      []listColumn
	Rows         []listRow
	ShowCustomer bool
	NewHref      string
	NewLabel     string
}

type noteView struct {
	ID     int64
	Author cell
	At     cell
	Body   string
}

// notesSection is a ticket's comment thread or a chat's messages.
type notesSection struct {
	Heading string
	Noun    string
	Action  string // where a new note is posted
	Notes   []noteView
	More    bool
	CanAdd  bool
	Err     *formError
	Body    string
}

type moduleDetailPage struct {
	Module    string
	Key       string
	Noun      string
	ID        int64
	Title     string
	Customer  cell
	Fields    []detailRow
	HasLines  bool
	Lines     []lineView
	Secret    bool
	CanEdit   bool
	CanDelete bool
	Zone      string
	Posted    bool // shown in answer to a form: never loaded again by script
	Notes     *notesSection
	Related   []relatedSection

	// The actions some modules have besides editing.
	CanRun      bool
	Run         runForm
	CanReveal   bool
	Revealed    *string
	RevealErr   *formError
	CanConvert  bool
	Linked      bool // the lead has a customer: converting only marks it won
	ConvertErr  *formError
	Output      *runOutput
	Clear       *actionPanel
	Policy      *policyPanel
	Assignments *assignPanel
	Campaign    *campaignPanel
	Estimate    *estimatePanel

	// finish runs once the names are loaded, for panels that show some.
	finish []func(b *nameBook)
}

// actionPanel is a one-button action and its refusal.
type actionPanel struct {
	Err *formError
}

// detailExtras are what a form post adds to a record's page: the refusal
// of one of its actions, what was typed, or a revealed secret.
type detailExtras struct {
	For      string // the action refused: run, reveal, convert, clear, policy, assign, note, estimate
	Err      *formError
	Revealed *string
	Sent     map[string]string
}

func (x detailExtras) errFor(action string) *formError {
	if x.For == action {
		return x.Err
	}
	return nil
}

// relation is a Ref field of another module pointing to a module.
type relation struct {
	m *records.Module
	f records.Field
}

// relations lists, by module key, the fields of other modules that refer
// to it: read once from the descriptions.
var relations = func() map[string][]relation {
	out := map[string][]relation{}
	for _, m := range records.All() {
		for _, f := range m.Fields {
			if f.Kind == records.Ref {
				out[f.Ref] = append(out[f.Ref], relation{m, f})
			}
		}
	}
	return out
}()

// relatedShown is how many related records a page lists per section.
const relatedShown = 10

func (h modulePages) renderDetail(w http.ResponseWriter, r *http.Request, c *authz.Caller, rec records.Record, x detailExtras) error {
	ctx := r.Context()
	loc := zoneOf(r)
	b := h.s.newBook(c, loc)
	b.note(h.m, rec)
	p := moduleDetailPage{Module: moduleLabel(h.m), Key: h.m.Key, Noun: h.m.Noun, ID: rec.ID, HasLines: h.m.Lines,
		Secret: h.m.Secret && rec.HasSecret, Zone: loc.String(), Revealed: x.Revealed, RevealErr: x.errFor("reveal"),
		Posted: r.Method != http.MethodGet}
	p.CanEdit = h.m.Edit != "" && records.EditReach(h.m, c.Grants).Allows(rec.CustomerID, rec.Owner(h.m))
	p.CanDelete = h.m.Delete != "" && records.DeleteReach(h.m, c.Grants).Allows(rec.CustomerID, rec.Owner(h.m))
	related, err := h.related(ctx, c, b, rec)
	if err != nil {
		return err
	}
	notes, err := h.notes(ctx, c, b, rec, x)
	if err != nil {
		return err
	}
	if panel := panels[h.m.Key]; panel != nil {
		if err := panel(h, ctx, c, b, rec, &p, x); err != nil {
			return err
		}
	}
	if err := b.load(ctx); err != nil {
		return err
	}
	p.Title, p.Customer = b.title(h.m, rec), b.customer(h.m, rec.CustomerID)
	for _, f := range h.m.Fields {
		if f.Name == h.m.Title && f.Kind == records.String {
			continue // the page's heading
		}
		if f.ReadOnly && f.Kind != records.Int && f.Kind != records.Money && isZero(rec.Values[f.Name]) {
			continue // a link or a time the server sets, not set yet: nothing to read
		}
		row := detailRow{Label: labelOf(h.m, f.Name), Value: b.value(h.m, f, rec)}
		if f.Kind == records.JSONDoc {
			if row.Rows = settingsRows(rec.Values.Str(f.Name)); row.Rows != nil {
				row.Value = cell{}
			}
		}
		p.Fields = append(p.Fields, row)
	}
	cur := rec.Values.Str("currency")
	for _, l := range rec.Lines {
		p.Lines = append(p.Lines, lineView{Description: l.Description, Quantity: strconv.FormatInt(l.Quantity, 10),
			UnitPrice: formatAmount(l.UnitPrice, cur), Amount: formatAmount(l.Amount, cur)})
	}
	for _, s := range related {
		p.Related = append(p.Related, s.render(b))
	}
	if notes != nil {
		p.Notes = notes.render(b)
	}
	for _, f := range p.finish {
		f(b)
	}
	status := http.StatusOK
	if x.Err != nil {
		status = x.Err.Status
	}
	h.s.render(w, r, c, status, "module_detail", p.Title, p)
	return nil
}

// pendingSection is a related section whose names are not loaded yet.
type pendingSection struct {
	relatedSection
	m    *records.Module
	recs []records.Record
}

func (s pendingSection) render(b *nameBook) relatedSection {
	s.Rows = rows(b, s.m, s.Columns, s.recs)
	return s.relatedSection
}

// related samples, for every module with a field pointing to this one,
// the newest records the viewer sees of it; a module the viewer cannot
// see is left out.
func (h modulePages) related(ctx context.Context, c *authz.Caller, b *nameBook, rec records.Record) ([]pendingSection, error) {
	var out []pendingSection
	for _, rel := range relations[h.m.Key] {
		reach := records.ViewReach(rel.m, c.Grants)
		if reach.None() || (rec.CustomerID != 0 && !reach.Touches(rec.CustomerID)) {
			continue
		}
		sample, err := h.s.store.SampleRecords(ctx, c.AccountID, rel.m, records.Match{Ref: rel.f.Name, RefID: rec.ID, Newest: true}, relatedShown, reach)
		if err != nil {
			return nil, err
		}
		b.note(rel.m, sample.Items...)
		s := pendingSection{m: rel.m, recs: sample.Items}
		s.ShowCustomer = rec.CustomerID == 0 // a shared record's related records belong to customers
		s.ID, s.Heading, s.Noun, s.Total = "related-"+rel.m.Key, moduleLabel(rel.m), rel.m.Noun, sample.Total
		s.TitleLabel = capitalize(rel.m.Noun)
		if countRefs(rel.m, h.m.Key) > 1 {
			s.Heading += " (" + labelOf(rel.m, rel.f.Name) + ")"
		}
		for _, col := range columnsOf(rel.m) {
			if col.Name != rel.f.Name {
				s.Columns = append(s.Columns, col)
			}
		}
		if href := newRelatedHref(rel, rec); href != "" && mayChange(rel.m, c, rel.m.Create, rec) {
			s.NewHref, s.NewLabel = href, newLabel(rel.m)
		}
		out = append(out, s)
	}
	return out, nil
}

// isZero reports a value that says nothing: no id, no time, no text.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case int64:
		return x == 0
	case string:
		return x == ""
	case time.Time:
		return x.IsZero()
	}
	return false
}

func countRefs(m *records.Module, to string) int {
	n := 0
	for _, f := range m.Fields {
		if f.Kind == records.Ref && f.Ref == to {
			n++
		}
	}
	return n
}

// newRelatedHref is the form for a new related record pointing to rec,
// where the form can set that field.
func newRelatedHref(rel relation, rec records.Record) string {
	if rel.m.Create == "" || rel.f.ReadOnly || rec.CustomerID == 0 {
		return ""
	}
	href := "/" + rel.m.Key + "/new?" + rel.f.Name + "=" + strconv.FormatInt(rec.ID, 10)
	if rel.m.HasCustomerInput() {
		href += "&customer=" + strconv.FormatInt(rec.CustomerID, 10)
	}
	return href
}

// pendingNotes is a thread whose authors are not named yet.
type pendingNotes struct {
	notesSection
	notes []records.Note
}

func (n *pendingNotes) render(b *nameBook) *notesSection {
	for _, note := range n.notes {
		n.Notes = append(n.Notes, noteView{ID: note.ID, Author: b.user(note.AuthorID), At: timeCell(note.CreatedAt, b.loc), Body: note.Body})
	}
	return &n.notesSection
}

// maxNotes is how many comments or messages a page shows.
const maxNotes = 200

// notes reads the record's comment thread or messages, if its module
// has them, and whether the viewer may add one.
func (h modulePages) notes(ctx context.Context, c *authz.Caller, b *nameBook, rec records.Record, x detailExtras) (*pendingNotes, error) {
	for _, kind := range records.NoteKinds() {
		if kind.Parent != h.m.Key {
			continue
		}
		page, err := h.s.store.Notes(ctx, c.AccountID, kind, rec.ID, gatehouse.ListFilter{Limit: maxNotes}, records.ViewReach(h.m, c.Grants))
		if err != nil {
			return nil, err
		}
		n := &pendingNotes{notes: page.Items}
		n.Heading, n.Noun = capitalize(kind.Noun)+"s", kind.Noun
		n.Action = recordPath(h.m, rec.ID) + "/" + kind.Noun + "s"
		n.More = page.NextCursor != ""
		n.CanAdd = records.PermReach(h.m, c.Grants, kind.Write).Allows(rec.CustomerID, rec.Owner(h.m))
		n.Err, n.Body = x.errFor("note"), x.Sent["body"]
		for _, note := range page.Items {
			b.noteUsers(note.AuthorID)
		}
		return n, nil
	}
	return nil, nil
}
