package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// ModuleStore is the storage of the module records. Every read and write
// takes the caller's reach; records outside it are not found.
type ModuleStore interface {
	ListRecords(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Record], error)
	Record(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, error)
	CreateRecord(ctx context.Context, accountID int64, m *records.Module, allow records.Reach, in records.Input) (records.Record, error)
	UpdateRecord(ctx context.Context, accountID int64, m *records.Module, id int64, in records.Input, reaches ...records.Reach) (records.Record, error)
	DeleteRecord(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) error

	CreateScriptRun(ctx context.Context, accountID, scriptID, assetID, requestedBy int64, scriptReach, assetReach records.Reach, decide func(scriptCustomer, assetCustomer int64) error) (records.Record, error)
	ScriptRunOutput(ctx context.Context, accountID, id int64, reach records.Reach) (records.Record, string, error)
	SetAssetPolicy(ctx context.Context, accountID, assetID, policyID int64, assetReaches []records.Reach, policyReach records.Reach, decide func(policyCustomer, assetCustomer int64) error) (records.Record, error)
	PolicyCustomers(ctx context.Context, accountID, policyID int64, reach records.Reach, shown access.Scope) ([]int64, error)
	AssignPolicy(ctx context.Context, accountID, policyID, customerID int64, assign bool, reach records.Reach, decide func(policyCustomer, customer int64) error) error
	SealedSecret(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, []byte, error)
	ClearAlert(ctx context.Context, accountID, id, userID int64, reaches ...records.Reach) (records.Record, error)
	Notes(ctx context.Context, accountID int64, kind records.NoteKind, parentID int64, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Note], error)
	AddNote(ctx context.Context, accountID int64, kind records.NoteKind, parentID, authorID int64, body string, reaches ...records.Reach) (records.Note, error)
	CampaignRecipients(ctx context.Context, accountID, id int64, audience func(campaignCustomer int64) access.Scope, reaches ...records.Reach) ([]records.Recipient, error)
	SendCampaign(ctx context.Context, accountID, id int64, audience func(campaignCustomer int64) access.Scope, reaches ...records.Reach) (records.Record, error)
	ConvertLead(ctx context.Context, accountID, id int64, decide func(leadCustomer int64) error, shown access.Scope, reaches ...records.Reach) (records.Record, gatehouse.Customer, error)
	Search(ctx context.Context, accountID int64, q string, customers access.Scope, parts []records.SearchPart, perModule int) ([]records.Hit, error)
	Summary(ctx context.Context, accountID int64, scope access.Scope, counts []records.SummaryCount, invoices, payments records.Reach) ([]records.CustomerSummary, error)
}

// alsoOpens lists, by route pattern, the permissions that open a route
// besides the one it declares: a module's list and detail are open to
// holders of any of its view permissions — "view all" or "view own" —
// and each record's visibility is then decided by the caller's reach.
var alsoOpens = func() map[string][]string {
	out := map[string][]string{}
	for _, m := range records.All() {
		if perms := m.AllViewPerms(); len(perms) > 1 {
			base := "GET /api/v1/" + m.Key
			out[base] = perms[1:]
			out[base+"/{id}"] = perms[1:]
		}
	}
	// Own-record grants open a module's change routes; the reach then
	// lets only the caller's own records through.
	for _, m := range records.All() {
		if m.EditOwn != "" {
			out["PATCH /api/v1/"+m.Key+"/{id}"] = []string{m.EditOwn}
		}
		if m.DeleteOwn != "" {
			out["DELETE /api/v1/"+m.Key+"/{id}"] = []string{m.DeleteOwn}
		}
	}
	tickets, chats := records.MustLookup("tickets"), records.MustLookup("chats")
	out["GET /api/v1/tickets/{id}/comments"] = tickets.AllViewPerms()[1:]
	out["GET /api/v1/chats/{id}/messages"] = chats.AllViewPerms()[1:]
	return out
}()

// AlsoOpens returns the permissions besides Need that open the route.
func (rt Route) AlsoOpens() []string { return alsoOpens[rt.Pattern] }

// authorize checks the caller against the route's declared permission,
// or failing that against one of the permissions that also open it.
func (s *Server) authorize(c *authz.Caller, rt Route) error {
	err := s.gate.Authorize(c, rt.Need)
	if gatehouse.ErrorCode(err) != gatehouse.EForbidden {
		return err
	}
	for _, p := range rt.AlsoOpens() {
		if s.gate.Authorize(c, authz.Requirement{Permission: p}) == nil {
			return nil
		}
	}
	return err
}

// recordRoutes are the create/read/update/delete routes of every module,
// each declaring its permission from the module's description.
func (s *Server) recordRoutes() []Route {
	var out []Route
	for _, m := range records.All() {
		h := moduleHandler{s: s, m: m}
		base := "/api/v1/" + m.Key
		a := article(m.Noun) + " " + m.Noun
		out = append(out,
			Route{"GET " + base, need(m.ViewPerms[0]), h.list, Doc{Summary: "List " + m.Key + " in the caller's reach",
				Reply: moduleList{m}, Query: moduleListQuery(m), CSV: true}},
			Route{"GET " + base + "/{id}", need(m.ViewPerms[0]), h.get, Doc{Summary: "Get " + a, Reply: moduleRecord{m}}})
		if m.Create != "" {
			out = append(out, Route{"POST " + base, need(m.Create), h.create, Doc{Summary: "Create " + a,
				Body: moduleCreate{m}, Reply: moduleRecord{m}, Created: true}})
		}
		if m.Edit != "" {
			out = append(out, Route{"PATCH " + base + "/{id}", need(m.Edit), h.update, Doc{Summary: "Update " + a + ": only the members sent change",
				Body: moduleUpdate{m}, Reply: moduleRecord{m}}})
		}
		if m.Delete != "" {
			out = append(out, Route{"DELETE " + base + "/{id}", need(m.Delete), h.delete, Doc{Summary: "Delete " + a}})
		}
	}
	return out
}

// moduleHandler serves one module's generic routes.
type moduleHandler struct {
	s *Server
	m *records.Module
}

func (h moduleHandler) list(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := recordListFilter(r, h.m)
	if err != nil {
		return err
	}
	reach := records.ViewReach(h.m, c.Grants)
	if wantsCSV(r) {
		f.Total = false
		return h.s.exportRecords(w, r, c, h.m, f, reach)
	}
	page, err := h.s.store.ListRecords(r.Context(), c.AccountID, h.m, f, reach)
	if err != nil {
		return err
	}
	return writeRecordPage(w, h.m, page, f.Total)
}

// recordListFilter reads a module list's parameters: q, cursor and limit
// as every list has them; sort (one of the module's sort keys) and order
// (asc or desc); customer_id; each filterable field by name (status=open);
// total=true to count the matching records.
func recordListFilter(r *http.Request, m *records.Module) (gatehouse.ListFilter, error) {
	f, err := listFilter(r)
	if err != nil {
		return f, err
	}
	q := r.URL.Query()
	key, desc := m.DefaultSort()
	if s := q.Get("sort"); s != "" && s != key {
		key, desc = s, false
	}
	switch q.Get("order") {
	case "":
	case "asc":
		desc = false
	case "desc":
		desc = true
	default:
		return f, gatehouse.Invalid("order", "asc or desc")
	}
	f.Sort, f.Desc = key, desc
	if v := q.Get("customer_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, gatehouse.Invalid("customer_id", "%s is not an id", v)
		}
		f.CustomerID = id
	}
	for _, fd := range m.FilterFields() {
		if v := q.Get(fd.Name); v != "" {
			if f.Where == nil {
				f.Where = map[string]string{}
			}
			f.Where[fd.Name] = v
		}
	}
	switch q.Get("total") {
	case "", "false":
	case "true":
		f.Total = true
	default:
		return f, gatehouse.Invalid("total", "true or false")
	}
	return f, nil
}

func (h moduleHandler) get(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return err
	}
	rec, err := h.s.store.Record(r.Context(), c.AccountID, h.m, id, records.ViewReach(h.m, c.Grants))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recordJSON{h.m, rec})
}

func (h moduleHandler) create(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	req, err := decodeRecord(r, h.m, true)
	if err != nil {
		return err
	}
	in, err := h.s.input(c, h.m, req)
	if err != nil {
		return err
	}
	rec, err := h.s.uc.CreateRecord(r.Context(), c, h.m, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, recordJSON{h.m, rec})
}

func (h moduleHandler) update(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return err
	}
	req, err := decodeRecord(r, h.m, false)
	if err != nil {
		return err
	}
	in, err := h.s.input(c, h.m, req)
	if err != nil {
		return err
	}
	rec, err := h.s.uc.UpdateRecord(r.Context(), c, h.m, id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recordJSON{h.m, rec})
}

func (h moduleHandler) delete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, h.m.Noun)
	if err != nil {
		return err
	}
	if err := h.s.uc.DeleteRecord(r.Context(), c, h.m, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// input turns a decoded request into the store's input, sealing a new
// secret with the vault, bound to the record it belongs to.
func (s *Server) input(c *authz.Caller, m *records.Module, req recordRequest) (records.Input, error) {
	in := records.Input{CustomerID: req.CustomerID, Values: req.Values, Lines: req.Lines}
	if req.Secret != nil {
		var err error
		if in.Seal, err = s.uc.Seal(c, *req.Secret); err != nil {
			return in, err
		}
	}
	return in, nil
}

// exportRecords streams every record of the list as CSV, with the same
// reach and filter as the JSON list. Secrets are not fields: never here.
func (s *Server) exportRecords(w http.ResponseWriter, r *http.Request, c *authz.Caller, m *records.Module, f gatehouse.ListFilter, reaches ...records.Reach) error {
	header := []string{"id", "customer_id"}
	for _, fd := range m.Fields {
		header = append(header, fd.Name)
	}
	header = append(header, "created_at", "updated_at")
	fetch := func(f gatehouse.ListFilter) (gatehouse.Page[records.Record], error) {
		return s.store.ListRecords(r.Context(), c.AccountID, m, f, reaches...)
	}
	return exportPages(w, s, m.Key+".csv", header, f, fetch, func(rec records.Record) []string {
		row := []string{strconv.FormatInt(rec.ID, 10), ""}
		if rec.CustomerID != 0 {
			row[1] = strconv.FormatInt(rec.CustomerID, 10)
		}
		for _, fd := range m.Fields {
			row = append(row, csvValue(fd, rec.Values[fd.Name]))
		}
		return append(row, rec.CreatedAt.Format(time.RFC3339), rec.UpdatedAt.Format(time.RFC3339))
	})
}
