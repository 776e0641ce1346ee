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
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The create, edit and delete pages of every module, rendered from its
// description: one input per field, by kind. The API server's use cases
// write them — the same reaches and rules as the JSON API — and the store
// validates the values, checks the customer and every linked record
// against the caller's reach, and computes line totals; the pages only
// turn form text into typed values and back.

var (
	modScripts     = records.MustLookup("scripts")
	modAssets      = records.MustLookup("assets")
	modCredentials = records.MustLookup("credentials")
	modLeads       = records.MustLookup("leads")
	modContacts    = records.MustLookup("contacts")
)

// moduleFormRoutes declare each change with the permission the module's
// description names, as the API's routes do, then the other actions.
func (s *Server) moduleFormRoutes() []Route {
	var out []Route
	for _, m := range records.All() {
		h := modulePages{s: s, m: m}
		base := "/" + m.Key
		if m.Create != "" {
			out = append(out,
				Route{Pattern: "GET " + base + "/new", Need: need(m.Create), handle: h.newForm},
				Route{Pattern: "POST " + base, Need: need(m.Create), handle: h.create})
		}
		// Own-record grants open the change pages too; the reach then
		// lets only the caller's own records through.
		if m.Edit != "" {
			also := nonEmpty(m.EditOwn)
			out = append(out,
				Route{Pattern: "GET " + base + "/{id}/edit", Need: need(m.Edit), Also: also, handle: h.editForm},
				Route{Pattern: "POST " + base + "/{id}", Need: need(m.Edit), Also: also, handle: h.update})
		}
		if m.Delete != "" {
			also := nonEmpty(m.DeleteOwn)
			out = append(out,
				Route{Pattern: "GET " + base + "/{id}/delete", Need: need(m.Delete), Also: also, handle: h.deleteForm},
				Route{Pattern: "POST " + base + "/{id}/delete", Need: need(m.Delete), Also: also, handle: h.delete})
		}
	}
	return append(out, s.actionRoutes()...)
}

// formField is one control of a module form.
type formField struct {
	Name     string
	Label    string
	Control  string // text, email, textarea, select, checkbox, date, datetime, number, money, percent, fixed
	Value    string
	Checked  bool
	Options  []choice
	Required bool
	Max      int    // maximum length of text
	Min      string // number bounds
	MaxNum   string
	Rows     int // textarea height
	Help     string
	Invalid  bool
	Mono     bool // script bodies and JSON
}

type lineRow struct {
	N                                        int // 1-based, for labels
	Description, Quantity, UnitPrice, Amount string
}

type moduleFormPage struct {
	Module    string
	Key       string
	Noun      string
	New       bool
	ID        int64
	Title     string
	Customer  *formField // the customer picker, on create
	Owner     string     // the record's customer, on edit
	Fields    []formField
	HasLines  bool
	Lines     []lineRow
	Totals    []detailRow
	Secret    bool
	HasSecret bool
	Zone      string
	Err       *formError
}

// formValue shows a stored value in an input; times in the viewer's zone.
func formValue(f records.Field, v any, loc *time.Location) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		switch {
		case f.Kind == records.Money:
			return formatMoney(x)
		case f.Percent:
			return formatPercent(x)
		case (f.Kind == records.Ref || f.Kind == records.UserRef) && x == 0:
			return ""
		}
		return strconv.FormatInt(x, 10)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(loc).Format("2006-01-02T15:04")
	}
	return fmt.Sprint(v)
}

func formatMoney(x int64) string {
	sign := ""
	if x < 0 {
		sign, x = "-", -x
	}
	return fmt.Sprintf("%s%d.%02d", sign, x/100, x%100)
}

// parseMoney reads "1234.5", "1,234.50" or "-12.34" as minor units.
func parseMoney(field, s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 || len(whole) > 15 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, gatehouse.Invalid(field, "an amount such as 1250.00")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, gatehouse.Invalid(field, "an amount such as 1250.00")
	}
	if neg {
		n = -n
	}
	return n, nil
}

// parseFormValue turns an input's text into the field's value; a time is
// read in the viewer's zone.
func parseFormValue(f records.Field, raw string, loc *time.Location) (any, error) {
	switch f.Kind {
	case records.Text, records.JSONDoc:
		return strings.ReplaceAll(raw, "\r\n", "\n"), nil
	case records.Int:
		if f.Percent {
			return parsePercent(f.Name, raw)
		}
		s := strings.TrimSpace(raw)
		if s == "" {
			return int64(0), nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, gatehouse.Invalid(f.Name, "a whole number")
		}
		return n, nil
	case records.Money:
		return parseMoney(f.Name, raw)
	case records.Bool:
		return raw == "on" || raw == "true", nil
	case records.Ref, records.UserRef:
		s := strings.TrimSpace(raw)
		if s == "" {
			return int64(0), nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil, gatehouse.Invalid(f.Name, "choose from the list")
		}
		return n, nil
	case records.Time:
		s := strings.TrimSpace(raw)
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		if err != nil {
			return nil, gatehouse.Invalid(f.Name, "a date and time")
		}
		return t.UTC(), nil
	}
	return strings.TrimSpace(raw), nil
}

// editable reports whether a form sets the field: never a server-set
// one, and a fixed one only on create.
func editable(f records.Field, create bool) bool {
	return !f.ReadOnly && (create || !f.Fixed)
}

// formZone is the zone the form was shown in, which its times are in:
// the page says so in a hidden field, so a zone cookie changed meanwhile
// does not shift them.
func formZone(r *http.Request) *time.Location {
	if name := r.PostFormValue("tz"); name != "" {
		return loadZone(name)
	}
	return zoneOf(r)
}

// readForm reads the module's fields, line items and secret from the form.
func (h modulePages) readForm(r *http.Request, c *authz.Caller, create bool) (records.Input, error) {
	in := records.Input{Values: records.Values{}}
	loc := formZone(r)
	for _, f := range h.m.Fields {
		if !editable(f, create) {
			continue
		}
		raw := r.PostFormValue(f.Name)
		if f.Kind == records.Bool && r.PostFormValue(f.Name+"_shown") == "" {
			continue
		}
		if create && f.CallerDefault && strings.TrimSpace(raw) == "" {
			continue // the use case makes it the caller
		}
		v, err := parseFormValue(f, raw, loc)
		if err != nil {
			return in, err
		}
		in.Values[f.Name] = v
	}
	if create && h.m.HasCustomerInput() {
		if v := strings.TrimSpace(r.PostFormValue("customer_id")); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return in, gatehouse.Invalid("customer_id", "choose a customer")
			}
			in.CustomerID = id
		}
	}
	if h.m.Lines {
		lines, err := readLines(r)
		if err != nil {
			return in, err
		}
		in.Lines = &lines
	}
	if h.m.Secret {
		if secret := r.PostFormValue("secret"); secret != "" {
			seal, err := h.s.uc.Seal(c, secret)
			if err != nil {
				return in, err
			}
			in.Seal = seal
		}
	}
	return in, nil
}

// readLines reads the line-item rows, skipping blank ones.
func readLines(r *http.Request) ([]records.Line, error) {
	desc, qty, price := r.PostForm["line_description"], r.PostForm["line_quantity"], r.PostForm["line_unit_price"]
	if len(qty) != len(desc) || len(price) != len(desc) {
		return nil, gatehouse.Invalid("lines", "every line needs a description, a quantity and a unit price")
	}
	lines := []records.Line{}
	for i := range desc {
		d, q, p := strings.TrimSpace(desc[i]), strings.TrimSpace(qty[i]), strings.TrimSpace(price[i])
		if d == "" && q == "" && p == "" {
			continue
		}
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return nil, gatehouse.Invalid("lines", "line %d: the quantity is a whole number", len(lines)+1)
		}
		unit, err := parseMoney("lines", p)
		if err != nil {
			return nil, gatehouse.Invalid("lines", "line %d: a unit price such as 49.99", len(lines)+1)
		}
		lines = append(lines, records.Line{Description: d, Quantity: n, UnitPrice: unit})
	}
	return lines, nil
}

// shownLines are the rows the form shows: the given lines, then blank
// rows to add more without script.
func shownLines(lines []records.Line, r *http.Request) []lineRow {
	var out []lineRow
	if r != nil && r.Method == http.MethodPost {
		desc, qty, price := r.PostForm["line_description"], r.PostForm["line_quantity"], r.PostForm["line_unit_price"]
		for i := range desc {
			if i < len(qty) && i < len(price) && (desc[i] != "" || qty[i] != "" || price[i] != "") {
				out = append(out, lineRow{Description: desc[i], Quantity: qty[i], UnitPrice: price[i]})
			}
		}
	} else {
		for _, l := range lines {
			out = append(out, lineRow{Description: l.Description, Quantity: strconv.FormatInt(l.Quantity, 10),
				UnitPrice: formatMoney(l.UnitPrice), Amount: formatMoney(l.Amount)})
		}
	}
	for range 3 {
		out = append(out, lineRow{})
	}
	for i := range out {
		out[i].N = i + 1
	}
	return out
}

// formContext is what a form's pickers narrow by: the record's customer
// (known on edit, or chosen or preselected on create).
type formContext struct {
	customer int64
	loc      *time.Location
}

// buildForm lays out the page for values v (a stored record, defaults, or
// what was just sent back).
func (h modulePages) buildForm(ctx context.Context, c *authz.Caller, p *moduleFormPage, v records.Values, fc formContext) error {
	p.Module, p.Key, p.Noun = moduleLabel(h.m), h.m.Key, h.m.Noun
	p.HasLines, p.Secret, p.Zone = h.m.Lines, h.m.Secret, fc.loc.String()
	if p.New && h.m.HasCustomerInput() {
		cf, err := h.customerPicker(ctx, c, fc.customer)
		if err != nil {
			return err
		}
		cf.Invalid = p.Err.Is("customer_id")
		p.Customer = cf
	}
	cur := v.Str("currency")
	for _, f := range h.m.Fields {
		if f.ReadOnly {
			if h.m.Lines && f.Kind == records.Money && !p.New {
				p.Totals = append(p.Totals, detailRow{Label: labelOf(h.m, f.Name), Value: cell{Text: formatAmount(v.Int(f.Name), cur)}})
			}
			continue
		}
		ff := formField{Name: f.Name, Label: labelOf(h.m, f.Name), Value: formValue(f, v[f.Name], fc.loc), Required: f.Required,
			Max: f.Max, Invalid: p.Err.Is(f.Name)}
		if f.Kind == records.Int && f.Min > 0 && ff.Value == "0" {
			ff.Value = "" // nothing entered yet, not a value below the minimum
		}
		if err := h.control(ctx, c, f, &ff, v, fc, p.New, cur); err != nil {
			return err
		}
		p.Fields = append(p.Fields, ff)
	}
	return nil
}

// control picks a field's input by its kind.
func (h modulePages) control(ctx context.Context, c *authz.Caller, f records.Field, ff *formField, v records.Values, fc formContext, create bool, cur string) error {
	switch f.Kind {
	case records.String:
		ff.Control = "text"
	case records.Email:
		ff.Control = "email"
	case records.Currency:
		ff.Control, ff.Max, ff.Help = "text", 3, "A three-letter code such as USD or EUR."
	case records.Text, records.JSONDoc:
		ff.Control, ff.Rows = "textarea", 5
		if f.Max > 20000 {
			ff.Rows, ff.Mono = 14, true
		}
		if f.Kind == records.JSONDoc {
			ff.Mono, ff.Help = true, `Settings as a JSON object, for example {"patching": "weekly", "screen_lock_minutes": 10}.`
		}
	case records.Enum:
		ff.Control = "select"
		for _, e := range f.Enum {
			ff.Options = append(ff.Options, choice{Value: e, Label: enumLabel(e), Selected: e == ff.Value})
		}
	case records.Date:
		ff.Control = "date"
	case records.Time:
		ff.Control, ff.Help = "datetime", "In your time zone, "+fc.loc.String()+"."
	case records.Int:
		if f.Percent {
			ff.Control, ff.Label, ff.Help = "percent", ff.Label+" (%)", "A percentage such as 8.25."
			break
		}
		ff.Control, ff.Min = "number", strconv.FormatInt(f.Min, 10)
		if f.Max > 0 {
			ff.MaxNum = strconv.Itoa(f.Max)
		}
		if f.Name == "minutes" {
			ff.Label = "Minutes"
		}
	case records.Money:
		ff.Control, ff.Help = "money", "An amount such as 1250.00"+moneyIn(h.m, f, cur)+"."
	case records.Bool:
		ff.Control, ff.Checked = "checkbox", v.Bool(f.Name)
	case records.Ref:
		if f.Fixed && !create {
			return h.fixedRef(ctx, c, f, ff, v)
		}
		opts, more, err := h.refOptions(ctx, c, f, v.Int(f.Name), fc.customer)
		if err != nil {
			return err
		}
		ff.Control, ff.Options = "select", opts
		if f.SameCustomer {
			ff.Help = "Only a " + records.MustLookup(f.Ref).Noun + " of the record's own customer can be linked."
		}
		if more {
			ff.Help = strings.TrimSpace(ff.Help + fmt.Sprintf(" The first %d are listed; start from the %s's own page for others.",
				refPickerLimit, records.MustLookup(f.Ref).Noun))
		}
	case records.UserRef:
		opts, err := h.s.userOptions(ctx, c, v.Int(f.Name))
		if err != nil {
			return err
		}
		ff.Control, ff.Options = "select", opts
	}
	if f.Fixed && !create {
		ff.Control = "fixed"
	}
	return nil
}

// moneyIn says which currency an amount is in.
func moneyIn(m *records.Module, f records.Field, cur string) string {
	if cf, ok := m.Field("currency"); ok {
		if parent, ok := m.Field(m.CustomerFrom); ok && cf.FromParent {
			return ", in the " + records.MustLookup(parent.Ref).Noun + "'s currency"
		}
		if cur != "" {
			return ", in " + cur
		}
	}
	return ""
}

// fixedRef shows the record a fixed reference points to, by name.
func (h modulePages) fixedRef(ctx context.Context, c *authz.Caller, f records.Field, ff *formField, v records.Values) error {
	b := h.s.newBook(c, time.UTC)
	b.wantRecords[f.Ref] = []int64{v.Int(f.Name)}
	if err := b.load(ctx); err != nil {
		return err
	}
	ff.Control, ff.Value = "fixed", b.ref(f.Ref, v.Int(f.Name)).Text
	return nil
}

// customerPicker offers the customers the caller may create records for
// and, where the module allows it and the caller may, no customer. A
// caller with exactly one customer gets it preselected.
func (h modulePages) customerPicker(ctx context.Context, c *authz.Caller, selected int64) (*formField, error) {
	reach := records.PermReach(h.m, c.Grants, h.m.Create)
	ff := &formField{Name: "customer_id", Label: "Customer", Control: "select", Required: h.m.Ownership == records.CustomerRequired}
	if reach.Library {
		label := "None — shared library, for every customer"
		if h.m.Ownership == records.Restricted {
			label = "None — the MSP's own (account-level)"
		}
		ff.Options = append(ff.Options, choice{Value: "", Label: label, Selected: selected == 0})
		ff.Required = false
	} else {
		ff.Options = append(ff.Options, choice{Value: "", Label: "Choose a customer…"})
	}
	if reach.Customers.Empty() {
		return ff, nil
	}
	if selected == 0 {
		selected = singleCustomer(h.m, c, h.m.Create)
	}
	opts, err := h.s.customerChoices(ctx, c, reach.Customers, selected)
	if err != nil {
		return nil, err
	}
	ff.Options = append(ff.Options, opts...)
	if len(opts) == pickerLimit {
		ff.Help = fmt.Sprintf("The first %d customers are listed; start from a customer's page for others.", pickerLimit)
	}
	return ff, nil
}

// refPickerLimit bounds a record picker.
const refPickerLimit = 200

// refOptions offers the records of the referenced module the caller can
// see — narrowed to the record's customer where the link must stay within
// it and the customer is known, and, for the record the new one takes its
// customer from, to customers the caller may create on — labelled with
// their customer. The store checks the choice again.
func (h modulePages) refOptions(ctx context.Context, c *authz.Caller, f records.Field, current, customer int64) (opts []choice, more bool, err error) {
	rm := records.MustLookup(f.Ref)
	opts = []choice{{Value: "", Label: "None"}}
	if f.Required {
		opts[0].Label = "Choose a " + rm.Noun + "…"
	}
	reaches := []records.Reach{records.ViewReach(rm, c.Grants)}
	switch {
	case f.Name == h.m.CustomerFrom:
		reaches = append(reaches, records.Reach{Customers: records.PermReach(h.m, c.Grants, h.m.Create).Customers})
	case f.SameCustomer && customer != 0:
		reaches = append(reaches, records.Reach{Customers: access.Only(customer)})
	case !f.SameCustomer && customer != 0:
		reaches = append(reaches, records.Reach{Customers: access.Only(customer), Library: true})
	}
	page, err := h.s.store.ListRecords(ctx, c.AccountID, rm, gatehouse.ListFilter{Limit: refPickerLimit}, reaches...)
	if err != nil {
		return nil, false, err
	}
	b := h.s.newBook(c, time.UTC)
	b.note(rm, page.Items...)
	if current != 0 {
		b.wantRecords[rm.Key] = append(b.wantRecords[rm.Key], current)
	}
	if err := b.load(ctx); err != nil {
		return nil, false, err
	}
	found := current == 0
	for _, rec := range page.Items {
		found = found || rec.ID == current
		opts = append(opts, choice{Value: strconv.FormatInt(rec.ID, 10), Label: b.title(rm, rec) + " (" + b.customerName(rm, rec.CustomerID) + ")",
			Selected: rec.ID == current})
	}
	if !found { // beyond the first page, or out of the viewer's sight
		opts = append(opts, choice{Value: strconv.FormatInt(current, 10), Label: b.ref(rm.Key, current).Text, Selected: true})
	}
	return opts, page.NextCursor != "", nil
}

// userOptions offers the account's users to holders of users.view; to
// anyone else only themselves and the current value, so a user picker
// never lists the account's staff to someone who may not see them.
func (s *Server) userOptions(ctx context.Context, c *authz.Caller, current int64) ([]choice, error) {
	opts := []choice{{Value: "", Label: "Nobody"}}
	found := current == 0
	if c.Grants.Holds(permUsersView) {
		page, err := s.store.ListUsers(ctx, c.AccountID, gatehouse.ListFilter{Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range page.Items {
			found = found || u.ID == current
			opts = append(opts, choice{Value: strconv.FormatInt(u.ID, 10), Label: userLabel(u), Selected: u.ID == current})
		}
	} else {
		found = found || c.UserID == current
		opts = append(opts, choice{Value: strconv.FormatInt(c.UserID, 10), Label: "Me (" + c.Email + ")", Selected: c.UserID == current})
	}
	if !found {
		names, err := s.store.UserNames(ctx, c.AccountID, []int64{current})
		if err != nil {
			return nil, err
		}
		label := names[current]
		if label == "" {
			label = "User #" + strconv.FormatInt(current, 10)
		}
		opts = append(opts, choice{Value: strconv.FormatInt(current, 10), Label: label, Selected: true})
	}
	return opts, nil
}

func (h modulePages) renderForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p moduleFormPage, v records.Values, fc formContext) error {
	if err := h.buildForm(r.Context(), c, &p, v, fc); err != nil {
		return err
	}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	title := newLabel(h.m)
	if !p.New {
		title = "Edit " + p.Title
	}
	h.s.render(w, r, c, status, "module_form", title, p)
	return nil
}

// newForm starts from the module's defaults, the caller for fields that
// default to them, and whatever the link that led here names: the
// customer, a parent record (?ticket_id=12), a start time from the
// calendar.
func (h modulePages) newForm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	loc := zoneOf(r)
	v := h.m.Defaults()
	for _, f := range h.m.Fields {
		if f.CallerDefault {
			v[f.Name] = c.UserID
		}
	}
	q := r.URL.Query()
	for _, f := range h.m.Fields {
		if raw := q.Get(f.Name); raw != "" && editable(f, true) {
			if val, err := parseFormValue(f, raw, loc); err == nil {
				v[f.Name] = val
			}
		}
	}
	fc := formContext{loc: loc}
	fc.customer, _ = strconv.ParseInt(q.Get("customer"), 10, 64)
	if fc.customer == 0 {
		fc.customer = singleCustomer(h.m, c, h.m.Create)
	}
	p := moduleFormPage{New: true, Lines: shownLines(nil, nil)}
	return h.renderForm(w, r, c, p, v, fc)
}

func (h modulePages) create(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	in, err := h.readForm(r, c, true)
	if err == nil {
		var rec records.Record
		if rec, err = h.s.uc.CreateRecord(r.Context(), c, h.m, in); err == nil {
			redirect(w, r, h.afterCreate(c, rec), "Created "+h.m.Noun+" "+recordTitle(h.m, rec)+".")
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	p := moduleFormPage{New: true, Err: fe, Lines: shownLines(nil, r)}
	customer, _ := strconv.ParseInt(r.PostFormValue("customer_id"), 10, 64)
	return h.renderForm(w, r, c, p, h.sentValues(r, h.m.Defaults(), true), formContext{customer: customer, loc: formZone(r)})
}

// afterCreate is where a new record's form leads: its page — or, for a
// campaign the caller may send, straight on to reviewing its recipients.
func (h modulePages) afterCreate(c *authz.Caller, rec records.Record) string {
	if h.m == modCampaigns && records.UseReach(modCampaigns, c.Grants, "mailer.send").Allows(rec.CustomerID, 0) {
		return recordPath(h.m, rec.ID) + "/send"
	}
	return recordPath(h.m, rec.ID)
}

// sentValues are the values to show again after a refused form: the
// text as typed where it parses, else the value before.
func (h modulePages) sentValues(r *http.Request, base records.Values, create bool) records.Values {
	v := records.Values{}
	for k, val := range base {
		v[k] = val
	}
	loc := formZone(r)
	for _, f := range h.m.Fields {
		if !editable(f, create) {
			continue
		}
		if f.Kind == records.Bool && r.PostFormValue(f.Name+"_shown") == "" {
			continue
		}
		raw := r.PostFormValue(f.Name)
		if parsed, err := parseFormValue(f, raw, loc); err == nil {
			v[f.Name] = parsed
		} else {
			v[f.Name] = raw
		}
	}
	return v
}

func (h modulePages) editForm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	rec, err := h.changeable(r, c, records.EditReach)
	if err != nil {
		return err
	}
	p, err := h.editPage(r, c, rec)
	if err != nil {
		return err
	}
	p.Lines = shownLines(rec.Lines, nil)
	return h.renderForm(w, r, c, p, rec.Values, formContext{customer: rec.CustomerID, loc: zoneOf(r)})
}

// changeable finds a record the caller may both see and change — the
// same pair of reaches the change runs with — so the edit or delete page
// of anything else reads like a missing one.
func (h modulePages) changeable(r *http.Request, c *authz.Caller, reach func(*records.Module, records.Grants) records.Reach) (records.Record, error) {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return records.Record{}, err
	}
	return h.s.store.Record(r.Context(), c.AccountID, h.m, id, records.ViewReach(h.m, c.Grants), reach(h.m, c.Grants))
}

// nonEmpty is the list of the permissions given that are not empty.
func nonEmpty(perms ...string) []string {
	var out []string
	for _, p := range perms {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (h modulePages) editPage(r *http.Request, c *authz.Caller, rec records.Record) (moduleFormPage, error) {
	b := h.s.newBook(c, zoneOf(r))
	b.note(h.m, rec)
	if err := b.load(r.Context()); err != nil {
		return moduleFormPage{}, err
	}
	return moduleFormPage{ID: rec.ID, Title: b.title(h.m, rec), Owner: b.customerName(h.m, rec.CustomerID), HasSecret: rec.HasSecret}, nil
}

func (h modulePages) update(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	before, err := h.changeable(r, c, records.EditReach)
	if err != nil {
		return err
	}
	in, err := h.readForm(r, c, false)
	if err == nil {
		var rec records.Record
		if rec, err = h.s.uc.UpdateRecord(r.Context(), c, h.m, before.ID, in); err == nil {
			redirect(w, r, recordPath(h.m, rec.ID), "Saved "+h.m.Noun+" "+recordTitle(h.m, rec)+".")
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	p, perr := h.editPage(r, c, before)
	if perr != nil {
		return perr
	}
	p.Err, p.Lines = fe, shownLines(nil, r)
	return h.renderForm(w, r, c, p, h.sentValues(r, before.Values, false), formContext{customer: before.CustomerID, loc: formZone(r)})
}

// The delete confirmation.

type blocker struct {
	Count int64
	Noun  string
}

type moduleDeletePage struct {
	Module   string
	Key      string
	Noun     string
	ID       int64
	Title    string
	Customer cell
	Blockers []blocker // records that keep it from being deleted
	GoesWith []string  // what is deleted with it
	Unlinked []string  // what stays, without its link to it
	Err      *formError
}

// deleteForm asks before deleting, and says what that does: records that
// keep it from going (an invoice's payments), records deleted with it (an
// asset's alerts and runs, a ticket's comments) and records that lose
// their link to it. Counts are within the viewer's reach; a module the
// viewer cannot see is named without a count.
func (h modulePages) deleteForm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	rec, err := h.changeable(r, c, records.DeleteReach)
	if err != nil {
		return err
	}
	return h.renderDelete(w, r, c, rec, nil)
}

func (h modulePages) renderDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller, rec records.Record, fe *formError) error {
	ctx := r.Context()
	b := h.s.newBook(c, zoneOf(r))
	b.note(h.m, rec)
	p := moduleDeletePage{Module: moduleLabel(h.m), Key: h.m.Key, Noun: h.m.Noun, ID: rec.ID, Err: fe}
	for _, rel := range relations[h.m.Key] {
		reach := records.ViewReach(rel.m, c.Grants)
		if reach.None() || (rec.CustomerID != 0 && !reach.Touches(rec.CustomerID)) {
			if rel.f.Name == rel.m.CustomerFrom && !rel.f.Restrict {
				p.GoesWith = append(p.GoesWith, "any "+rel.m.Noun+"s")
			}
			continue
		}
		n, err := h.s.store.SampleRecords(ctx, c.AccountID, rel.m, records.Match{Ref: rel.f.Name, RefID: rec.ID}, 0, reach)
		if err != nil {
			return err
		}
		if n.Total == 0 {
			continue
		}
		counted := fmt.Sprintf("%d %s", n.Total, rel.m.Noun)
		if n.Total > 1 {
			counted += "s"
		}
		switch {
		case rel.f.Restrict:
			p.Blockers = append(p.Blockers, blocker{Count: n.Total, Noun: strings.TrimPrefix(counted, fmt.Sprint(n.Total)+" ")})
		case rel.f.Name == rel.m.CustomerFrom:
			p.GoesWith = append(p.GoesWith, counted)
		default:
			p.Unlinked = append(p.Unlinked, counted)
		}
	}
	for _, kind := range records.NoteKinds() {
		if kind.Parent == h.m.Key {
			p.GoesWith = append(p.GoesWith, "its "+kind.Noun+"s")
		}
	}
	if err := b.load(ctx); err != nil {
		return err
	}
	p.Title, p.Customer = b.title(h.m, rec), b.customer(h.m, rec.CustomerID)
	status := http.StatusOK
	if fe != nil {
		status = fe.Status
	}
	h.s.render(w, r, c, status, "module_delete", "Delete "+p.Title, p)
	return nil
}

func (h modulePages) delete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	rec, err := h.changeable(r, c, records.DeleteReach)
	if err != nil {
		return err
	}
	if err := h.s.uc.DeleteRecord(r.Context(), c, h.m, rec.ID); err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		return h.renderDelete(w, r, c, rec, fe)
	}
	redirect(w, r, "/"+h.m.Key, "Deleted "+h.m.Noun+" "+recordTitle(h.m, rec)+".")
	return nil
}
