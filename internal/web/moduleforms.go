package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The create and edit pages of the modules, rendered from each module's
// description: one input per field, by kind. The store validates the
// values (records.Module.Validate), checks the customer and every linked
// record against the caller's reach, and computes line totals; the pages
// only turn form text into typed values and back.

// formModules are the modules with create and edit pages.
var formModules = []string{"assets", "tickets", "scripts", "documents", "credentials", "invoices"}

var (
	modScripts     = records.MustLookup("scripts")
	modAssets      = records.MustLookup("assets")
	modCredentials = records.MustLookup("credentials")
	modLeads       = records.MustLookup("leads")
	permScriptsRun = catalog.MustLookup("scripts.run")
)

func hasForms(m *records.Module) bool { return slices.Contains(formModules, m.Key) }

// moduleFormRoutes declare each change with the permission the module's
// description names, plus running a script, revealing a secret and
// converting a lead.
func (s *Server) moduleFormRoutes() []Route {
	var out []Route
	for _, key := range formModules {
		m := records.MustLookup(key)
		h := modulePages{s: s, m: m}
		if m.Create != "" {
			out = append(out,
				Route{Pattern: "GET /" + m.Key + "/new", Need: need(m.Create), handle: h.newForm},
				Route{Pattern: "POST /" + m.Key, Need: need(m.Create), handle: h.create})
		}
		if m.Edit != "" {
			out = append(out,
				Route{Pattern: "GET /" + m.Key + "/{id}/edit", Need: need(m.Edit), handle: h.editForm},
				Route{Pattern: "POST /" + m.Key + "/{id}", Need: need(m.Edit), handle: h.update})
		}
	}
	return append(out,
		Route{Pattern: "POST /scripts/{id}/run", Need: need("scripts.run"), handle: s.handleScriptRun},
		Route{Pattern: "POST /credentials/{id}/reveal", Need: need("credentials.reveal"), handle: s.handleCredentialReveal},
		Route{Pattern: "POST /leads/{id}/convert", Need: need("leads.convert"), handle: s.handleLeadConvert},
	)
}

// formField is one control of a module form.
type formField struct {
	Name     string
	Label    string
	Control  string // text, email, textarea, select, checkbox, date, datetime, number, money
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
	Totals    []detailField
	Secret    bool
	HasSecret bool
	Err       *formError
}

// formValue shows a stored value in an input.
func formValue(f records.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		switch f.Kind {
		case records.Money:
			return formatMoney(x)
		case records.Ref, records.UserRef:
			if x == 0 {
				return ""
			}
		}
		return strconv.FormatInt(x, 10)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format("2006-01-02T15:04")
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

// parseMoney reads "1234.5" or "-12.34" as minor units.
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

// parseFormValue turns an input's text into the field's value.
func parseFormValue(f records.Field, raw string) (any, error) {
	switch f.Kind {
	case records.Text, records.JSONDoc:
		return strings.ReplaceAll(raw, "\r\n", "\n"), nil
	case records.Int:
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
		t, err := time.Parse("2006-01-02T15:04", s)
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

// readForm reads the module's fields, line items and secret from the form.
func (h modulePages) readForm(r *http.Request, c *authz.Caller, create bool) (records.Input, error) {
	in := records.Input{Values: records.Values{}}
	for _, f := range h.m.Fields {
		if !editable(f, create) {
			continue
		}
		raw := r.PostFormValue(f.Name)
		if f.Kind == records.Bool && r.PostFormValue(f.Name+"_shown") == "" {
			continue
		}
		v, err := parseFormValue(f, raw)
		if err != nil {
			return in, err
		}
		if create && f.CallerDefault && v == int64(0) {
			v = c.UserID
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

// buildForm lays out the page for values v (a stored record, defaults, or
// what was just sent back).
func (h modulePages) buildForm(ctx context.Context, c *authz.Caller, p *moduleFormPage, v records.Values, customer int64) error {
	p.Module, p.Key, p.Noun = moduleLabel(h.m), h.m.Key, h.m.Noun
	p.HasLines, p.Secret = h.m.Lines, h.m.Secret
	if p.New && h.m.HasCustomerInput() {
		cf, err := h.customerPicker(ctx, c, customer)
		if err != nil {
			return err
		}
		cf.Invalid = p.Err.Is("customer_id")
		p.Customer = cf
	}
	for _, f := range h.m.Fields {
		if f.ReadOnly {
			if h.m.Lines && f.Kind == records.Money && !p.New {
				p.Totals = append(p.Totals, detailField{Label: fieldLabelOf(f.Name), Value: formatValue(f, v[f.Name])})
			}
			continue
		}
		ff := formField{Name: f.Name, Label: fieldLabelOf(f.Name), Value: formValue(f, v[f.Name]), Required: f.Required,
			Max: f.Max, Invalid: p.Err.Is(f.Name)}
		switch f.Kind {
		case records.String:
			ff.Control = "text"
		case records.Email:
			ff.Control = "email"
		case records.Currency:
			ff.Control, ff.Max, ff.Help = "text", 3, "A three-letter code such as USD."
		case records.Text, records.JSONDoc:
			ff.Control, ff.Rows = "textarea", 5
			if f.Max > 20000 {
				ff.Rows, ff.Mono = 14, true
			}
			ff.Mono = ff.Mono || f.Kind == records.JSONDoc
		case records.Enum:
			ff.Control = "select"
			for _, e := range f.Enum {
				ff.Options = append(ff.Options, choice{Value: e, Label: capitalize(strings.ReplaceAll(e, "_", " ")), Selected: e == ff.Value})
			}
		case records.Date:
			ff.Control = "date"
		case records.Time:
			ff.Control, ff.Label = "datetime", ff.Label+" (UTC)"
		case records.Int:
			ff.Control, ff.Min = "number", strconv.FormatInt(f.Min, 10)
			if f.Max > 0 {
				ff.MaxNum = strconv.Itoa(f.Max)
			}
		case records.Money:
			ff.Control, ff.Help = "money", "An amount such as 1250.00."
		case records.Bool:
			ff.Control, ff.Checked = "checkbox", v.Bool(f.Name)
		case records.Ref:
			opts, err := h.refOptions(ctx, c, f, v.Int(f.Name))
			if err != nil {
				return err
			}
			ff.Control, ff.Options = "select", opts
			if f.SameCustomer {
				ff.Help = "Only a " + records.MustLookup(f.Ref).Noun + " of the same customer can be linked."
			}
		case records.UserRef:
			opts, err := h.s.userOptions(ctx, c, v.Int(f.Name))
			if err != nil {
				return err
			}
			ff.Control, ff.Options = "select", opts
		}
		if f.Fixed && !p.New {
			ff.Control = "fixed"
		}
		p.Fields = append(p.Fields, ff)
	}
	return nil
}

// customerPicker offers the customers the caller may create records for
// and, where the module allows it and the caller may, no customer.
func (h modulePages) customerPicker(ctx context.Context, c *authz.Caller, selected int64) (*formField, error) {
	reach := records.PermReach(h.m, c.Grants, h.m.Create)
	ff := &formField{Name: "customer_id", Label: "Customer", Control: "select", Required: h.m.Ownership == records.CustomerRequired}
	sel := strconv.FormatInt(selected, 10)
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
	page, err := h.s.store.ListCustomers(ctx, c.AccountID, reach.Customers, gatehouse.ListFilter{Limit: pickerLimit})
	if err != nil {
		return nil, err
	}
	// Names only for customers the caller may see, as on every page; the
	// others by number, after them and in id order, so not even the
	// alphabetical order of their names shows.
	visible := c.Grants.Scope(permCustomersView)
	var unnamed []choice
	for _, cu := range page.Items {
		v := strconv.FormatInt(cu.ID, 10)
		if visible.Contains(cu.ID) {
			ff.Options = append(ff.Options, choice{Value: v, Label: cu.Name, Selected: v == sel})
		} else {
			unnamed = append(unnamed, choice{Value: v, Label: "Customer #" + v, Selected: v == sel})
		}
	}
	slices.SortFunc(unnamed, func(a, b choice) int {
		x, _ := strconv.ParseInt(a.Value, 10, 64)
		y, _ := strconv.ParseInt(b.Value, 10, 64)
		return cmp.Compare(x, y)
	})
	ff.Options = append(ff.Options, unnamed...)
	if page.NextCursor != "" {
		ff.Help = fmt.Sprintf("The first %d customers are listed; start from a customer's page for others.", pickerLimit)
	}
	return ff, nil
}

// refOptions offers the records of the referenced module the caller can
// see, labelled with their customer; the store checks the choice.
func (h modulePages) refOptions(ctx context.Context, c *authz.Caller, f records.Field, current int64) ([]choice, error) {
	rm := records.MustLookup(f.Ref)
	opts := []choice{{Value: "", Label: "None"}}
	page, err := h.s.store.ListRecords(ctx, c.AccountID, rm, gatehouse.ListFilter{Limit: 200}, records.ViewReach(rm, c.Grants))
	if err != nil {
		return nil, err
	}
	names, err := h.s.customerNames(ctx, c, page.Items)
	if err != nil {
		return nil, err
	}
	found := current == 0
	for _, rec := range page.Items {
		found = found || rec.ID == current
		opts = append(opts, choice{Value: strconv.FormatInt(rec.ID, 10), Label: recordTitle(rm, rec) + " (" + names(rec.CustomerID) + ")",
			Selected: rec.ID == current})
	}
	if !found {
		opts = append(opts, choice{Value: strconv.FormatInt(current, 10), Label: capitalize(rm.Noun) + " #" + strconv.FormatInt(current, 10), Selected: true})
	}
	return opts, nil
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
		opts = append(opts, choice{Value: strconv.FormatInt(current, 10), Label: "User #" + strconv.FormatInt(current, 10), Selected: true})
	}
	return opts, nil
}

func (h modulePages) renderForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p moduleFormPage, v records.Values, customer int64) error {
	if err := h.buildForm(r.Context(), c, &p, v, customer); err != nil {
		return err
	}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	title := "New " + h.m.Noun
	if !p.New {
		title = "Edit " + p.Title
	}
	h.s.render(w, r, c, status, "module_form", title, p)
	return nil
}

func (h modulePages) newForm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var customer int64
	if v := r.URL.Query().Get("customer"); v != "" {
		customer, _ = strconv.ParseInt(v, 10, 64)
	}
	p := moduleFormPage{New: true, Lines: shownLines(nil, nil)}
	return h.renderForm(w, r, c, p, h.m.Defaults(), customer)
}

func (h modulePages) create(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	in, err := h.readForm(r, c, true)
	if err == nil {
		var rec records.Record
		rec, err = h.s.store.CreateRecord(r.Context(), c.AccountID, h.m, records.PermReach(h.m, c.Grants, h.m.Create), in)
		if err == nil {
			redirect(w, r, fmt.Sprintf("/%s/%d", h.m.Key, rec.ID), "Created "+h.m.Noun+" "+recordTitle(h.m, rec)+".")
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	p := moduleFormPage{New: true, Err: fe, Lines: shownLines(nil, r)}
	customer, _ := strconv.ParseInt(r.PostFormValue("customer_id"), 10, 64)
	return h.renderForm(w, r, c, p, h.sentValues(r, h.m.Defaults(), true), customer)
}

// sentValues are the values to show again after a refused form: the
// text as typed where it parses, else the value before.
func (h modulePages) sentValues(r *http.Request, base records.Values, create bool) records.Values {
	v := records.Values{}
	for k, val := range base {
		v[k] = val
	}
	for _, f := range h.m.Fields {
		if !editable(f, create) {
			continue
		}
		if f.Kind == records.Bool && r.PostFormValue(f.Name+"_shown") == "" {
			continue
		}
		raw := r.PostFormValue(f.Name)
		if parsed, err := parseFormValue(f, raw); err == nil {
			v[f.Name] = parsed
		} else {
			v[f.Name] = raw
		}
	}
	return v
}

func (h modulePages) editForm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	rec, err := h.editable(r, c)
	if err != nil {
		return err
	}
	p, err := h.editPage(r, c, rec)
	if err != nil {
		return err
	}
	p.Lines = shownLines(rec.Lines, nil)
	return h.renderForm(w, r, c, p, rec.Values, rec.CustomerID)
}

// editable finds a record the caller may both see and change — the same
// pair of reaches the update runs with — so the edit page of anything
// else reads like a missing one.
func (h modulePages) editable(r *http.Request, c *authz.Caller) (records.Record, error) {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return records.Record{}, err
	}
	return h.s.store.Record(r.Context(), c.AccountID, h.m, id, records.ViewReach(h.m, c.Grants), records.PermReach(h.m, c.Grants, h.m.Edit))
}

func (h modulePages) editPage(r *http.Request, c *authz.Caller, rec records.Record) (moduleFormPage, error) {
	names, err := h.s.customerNames(r.Context(), c, []records.Record{rec})
	if err != nil {
		return moduleFormPage{}, err
	}
	return moduleFormPage{ID: rec.ID, Title: recordTitle(h.m, rec), Owner: names(rec.CustomerID), HasSecret: rec.HasSecret}, nil
}

func (h modulePages) update(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	before, err := h.editable(r, c)
	if err != nil {
		return err
	}
	in, err := h.readForm(r, c, false)
	if err == nil {
		var rec records.Record
		rec, err = h.s.store.UpdateRecord(r.Context(), c.AccountID, h.m, before.ID, in,
			records.ViewReach(h.m, c.Grants), records.PermReach(h.m, c.Grants, h.m.Edit))
		if err == nil {
			redirect(w, r, fmt.Sprintf("/%s/%d", h.m.Key, rec.ID), "Saved "+h.m.Noun+" "+recordTitle(h.m, rec)+".")
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
	return h.renderForm(w, r, c, p, h.sentValues(r, before.Values, false), before.CustomerID)
}

// runForm is the "run on asset" form of a script's page.
type runForm struct {
	Assets []choice
	Err    *formError
}

// runTargets are the assets the caller may run the script on: assets they
// may see, of customers they hold scripts.run on, narrowed in the query to
// the script's own customer when it has one, and kept only where the
// script-run rule allows the pair.
func (s *Server) runTargets(ctx context.Context, c *authz.Caller, script records.Record) ([]choice, error) {
	reach := records.PermReach(modAssets, c.Grants, "scripts.run")
	reach.Library = false
	if script.CustomerID != 0 {
		if !reach.Customers.Contains(script.CustomerID) {
			return nil, nil
		}
		reach.Customers = access.Only(script.CustomerID)
	}
	if reach.None() {
		return nil, nil
	}
	page, err := s.store.ListRecords(ctx, c.AccountID, modAssets, gatehouse.ListFilter{Limit: 500}, reach, records.ViewReach(modAssets, c.Grants))
	if err != nil {
		return nil, err
	}
	names, err := s.customerNames(ctx, c, page.Items)
	if err != nil {
		return nil, err
	}
	var out []choice
	for _, a := range page.Items {
		if records.LibraryOrSame(script.CustomerID, a.CustomerID) {
			out = append(out, choice{Value: strconv.FormatInt(a.ID, 10), Label: recordTitle(modAssets, a) + " (" + names(a.CustomerID) + ")"})
		}
	}
	return out, nil
}

// handleScriptRun queues a run under the same rule as the API: the script
// among those the caller may run, the asset among the assets of customers
// they may run scripts on, and records.CheckScriptRun on the pair.
func (s *Server) handleScriptRun(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "script")
	if err != nil {
		return err
	}
	assetID, perr := strconv.ParseInt(r.PostFormValue("asset_id"), 10, 64)
	if perr != nil || assetID <= 0 {
		err = gatehouse.Invalid("asset_id", "choose an asset")
	} else {
		var run records.Record
		run, err = s.uc.RunScript(r.Context(), c, id, assetID)
		if err == nil {
			redirect(w, r, fmt.Sprintf("/script-runs/%d", run.ID), "Queued the script on the asset.")
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	h := modulePages{s: s, m: modScripts}
	rec, rerr := s.store.Record(r.Context(), c.AccountID, modScripts, id, records.ViewReach(modScripts, c.Grants))
	if rerr != nil {
		return rerr
	}
	return h.renderDetail(w, r, c, rec, detailExtras{RunErr: fe})
}

// handleCredentialReveal shows a credential's secret once, in answer to a
// form post, on the credential's own page; the API's reveal decides and
// audits it. The page shows the record, so a credential the caller may
// not see reads as missing and is not revealed.
func (s *Server) handleCredentialReveal(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "credential")
	if err != nil {
		return err
	}
	h := modulePages{s: s, m: modCredentials}
	rec, err := s.store.Record(r.Context(), c.AccountID, modCredentials, id, records.ViewReach(modCredentials, c.Grants))
	if err != nil {
		return err
	}
	_, secret, err := s.uc.RevealSecret(r.Context(), c, id)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		return h.renderDetail(w, r, c, rec, detailExtras{RevealErr: fe})
	}
	return h.renderDetail(w, r, c, rec, detailExtras{Revealed: &secret})
}

// handleLeadConvert converts a lead through the API's ConvertLead, which
// decides and writes it, and goes to the customer when the caller may see
// it, else back to the lead. A refusal the caller can act on shows on the
// lead's page; a lead they cannot see or convert reads as missing.
func (s *Server) handleLeadConvert(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "lead")
	if err != nil {
		return err
	}
	lead, customer, err := s.uc.ConvertLead(r.Context(), c, id)
	if err == nil {
		to, flash := fmt.Sprintf("/leads/%d", lead.ID), "Marked lead "+recordTitle(modLeads, lead)+" won."
		if customer.ID != 0 {
			to, flash = fmt.Sprintf("/customers/%d", customer.ID), "Converted lead "+recordTitle(modLeads, lead)+" to customer "+customer.Name+"."
		}
		redirect(w, r, to, flash)
		return nil
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	if fe.Field != "" { // a lead's value no customer can take: the page has no input to point to
		fe.Message = "The lead's " + fe.Field + " does not fit a customer: " + strings.ToLower(fe.Message[:1]) + fe.Message[1:]
		fe.Field = ""
	}
	rec, rerr := s.store.Record(r.Context(), c.AccountID, modLeads, id, records.ViewReach(modLeads, c.Grants))
	if rerr != nil {
		return rerr
	}
	return modulePages{s: s, m: modLeads}.renderDetail(w, r, c, rec, detailExtras{ConvertErr: fe})
}
