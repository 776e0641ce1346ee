package web

import (
	"cmp"
	"context"
	"encoding/json"
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
	"gatehouse/internal/usecase"
)

// The actions some modules have besides create, edit and delete, each
// run through the API server's use case — the same reaches and rules as
// the JSON API's route — and each refusal shown on the record's page.

var (
	modAlerts       = records.MustLookup("alerts")
	modPolicies     = records.MustLookup("policies")
	modScriptRuns   = records.MustLookup("script-runs")
	modCampaigns    = records.MustLookup("campaigns")
	modEstimates    = records.MustLookup("estimates")
	modInvoices     = records.MustLookup("invoices")
	modPayments     = records.MustLookup("payments")
	modAppointments = records.MustLookup("appointments")

	permMailerSend  = catalog.MustLookup("mailer.send")
	permMailerView  = catalog.MustLookup("mailer.view")
	permPolicyAssig = catalog.MustLookup("policies.assign")
)

// actionRoutes declare each action with the permission its API route
// declares; the use case then checks the record itself.
func (s *Server) actionRoutes() []Route {
	out := []Route{
		{Pattern: "POST /scripts/{id}/run", Need: need("scripts.run"), handle: s.handleScriptRun},
		{Pattern: "POST /credentials/{id}/reveal", Need: need("credentials.reveal"), handle: s.handleCredentialReveal},
		{Pattern: "POST /leads/{id}/convert", Need: need("leads.convert"), handle: s.handleLeadConvert},
		{Pattern: "POST /alerts/{id}/clear", Need: need("alerts.manage"), handle: s.handleAlertClear},
		{Pattern: "POST /assets/{id}/policy", Need: need("policies.assign"), handle: s.handleAssetPolicy},
		{Pattern: "POST /policies/{id}/customers", Need: need("policies.assign"), handle: s.handlePolicyAssign},
		{Pattern: "POST /policies/{id}/customers/{customer_id}/remove", Need: need("policies.assign"), handle: s.handlePolicyUnassign},
		{Pattern: "POST /estimates/{id}/convert", Need: need("invoices.create"), handle: s.handleEstimateConvert},
		{Pattern: "GET /campaigns/{id}/send", Need: need("mailer.send"), handle: s.handleCampaignReview},
		{Pattern: "POST /campaigns/{id}/send", Need: need("mailer.send"), handle: s.handleCampaignSend},
	}
	for _, kind := range records.NoteKinds() {
		out = append(out, Route{Pattern: "POST /" + kind.Parent + "/{id}/" + kind.Noun + "s", Need: need(kind.Write), handle: noteAdder(s, kind)})
	}
	return out
}

// panel adds a module's own action panels to its record's page.
type panel func(h modulePages, ctx context.Context, c *authz.Caller, b *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error

var panels map[string]panel

func init() {
	panels = map[string]panel{
		"scripts":     scriptPanel,
		"credentials": credentialPanel,
		"leads":       leadPanel,
		"script-runs": runOutputPanel,
		"alerts":      alertPanel,
		"assets":      assetPolicyPanel,
		"policies":    policyPanels,
		"campaigns":   campaignPanelOf,
		"estimates":   estimatePanelOf,
		"invoices":    balancePanel,
	}
}

// refused shows an action's refusal on the record's page, or passes an
// error the person cannot fix on to the boundary.
func (h modulePages) refused(w http.ResponseWriter, r *http.Request, c *authz.Caller, id int64, action string, err error, sent map[string]string) error {
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	rec, rerr := h.s.store.Record(r.Context(), c.AccountID, h.m, id, records.ViewReach(h.m, c.Grants))
	if rerr != nil {
		return rerr
	}
	return h.renderDetail(w, r, c, rec, detailExtras{For: action, Err: fe, Sent: sent})
}

// Scripts: run on an asset.

type runForm struct {
	Assets []choice
	Err    *formError
}

func scriptPanel(h modulePages, ctx context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error {
	if !records.UseReach(modScripts, c.Grants, "scripts.run").Allows(rec.CustomerID, 0) {
		return nil
	}
	p.CanRun = true
	var err error
	p.Run.Assets, err = h.s.runTargets(ctx, c, rec)
	p.Run.Err = x.errFor("run")
	return err
}

// runTargets are the assets the caller may run the script on: assets they
// may see, of customers they hold scripts.run on, narrowed in the query to
// the script's own customer when it has one, and kept only where the
// script-run rule allows the pair. A caller with one such asset gets it
// preselected.
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
	b := s.newBook(c, time.UTC)
	b.note(modAssets, page.Items...)
	if err := b.load(ctx); err != nil {
		return nil, err
	}
	var out []choice
	for _, a := range page.Items {
		if records.LibraryOrSame(script.CustomerID, a.CustomerID) {
			out = append(out, choice{Value: strconv.FormatInt(a.ID, 10), Label: recordTitle(modAssets, a) + " (" + b.customerName(modAssets, a.CustomerID) + ")"})
		}
	}
	if len(out) == 1 {
		out[0].Selected = true
	}
	return out, nil
}

// handleScriptRun queues a run through the API's RunScript and goes to
// the run's page, where its output will show.
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
		if run, err = s.uc.RunScript(r.Context(), c, id, assetID); err == nil {
			redirect(w, r, recordPath(modScriptRuns, run.ID), "Queued the script; its output shows here when the agent reports back.")
			return nil
		}
	}
	return modulePages{s: s, m: modScripts}.refused(w, r, c, id, "run", err, nil)
}

// Script runs: the output.

type runOutput struct {
	Shown   bool // the viewer holds script_runs.view_output here
	Waiting bool // queued or running: nothing reported yet
	Output  string
}

func runOutputPanel(h modulePages, ctx context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, _ detailExtras) error {
	out := &runOutput{}
	p.Output = out
	st := rec.Values.Str("status")
	out.Waiting = st == "queued" || st == "running"
	if !records.PermReach(modScriptRuns, c.Grants, "script_runs.view_output").Allows(rec.CustomerID, 0) {
		return nil
	}
	_, text, err := h.s.uc.ScriptRunOutput(ctx, c, rec.ID)
	if err != nil {
		return err
	}
	out.Shown, out.Output = true, text
	return nil
}

// Credentials: reveal.

func credentialPanel(_ modulePages, _ context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, _ detailExtras) error {
	if p.Secret {
		p.CanReveal = records.UseReach(modCredentials, c.Grants, "credentials.reveal").Allows(rec.CustomerID, 0)
	}
	return nil
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
		return h.refused(w, r, c, id, "reveal", err, nil)
	}
	return h.renderDetail(w, r, c, rec, detailExtras{Revealed: &secret})
}

// Leads: convert to a customer.

func leadPanel(h modulePages, _ context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error {
	p.Linked, p.ConvertErr = rec.CustomerID != 0, x.errFor("convert")
	p.CanConvert = !(p.Linked && rec.Values.Str("status") == "won") && usecase.MayConvertLead(c, rec)
	return nil
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
		to, flash := recordPath(modLeads, lead.ID), "Marked lead "+recordTitle(modLeads, lead)+" won."
		if customer.ID != 0 {
			to, flash = fmt.Sprintf("/customers/%d", customer.ID), "Converted lead "+recordTitle(modLeads, lead)+" to customer "+customer.Name+"."
		}
		redirect(w, r, to, flash)
		return nil
	}
	if fe, ok := formProblem(err); ok && fe.Field != "" { // a lead's value no customer can take: the page has no input to point to
		err = gatehouse.Errorf(gatehouse.EInvalid, "the lead's %s does not fit a customer: %s", fe.Field, strings.ToLower(fe.Message[:1])+fe.Message[1:])
	}
	return modulePages{s: s, m: modLeads}.refused(w, r, c, id, "convert", err, nil)
}

// Alerts: clear.

func alertPanel(_ modulePages, _ context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error {
	if rec.Values.Str("status") == "open" && mayChange(modAlerts, c, "alerts.manage", rec) {
		p.Clear = &actionPanel{Err: x.errFor("clear")}
	}
	return nil
}

func (s *Server) handleAlertClear(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	rec, err := s.uc.ClearAlert(r.Context(), c, id)
	if err != nil {
		return modulePages{s: s, m: modAlerts}.refused(w, r, c, id, "clear", err, nil)
	}
	redirect(w, r, recordPath(modAlerts, rec.ID), "Cleared the alert.")
	return nil
}

// Notes: a ticket's comments, a chat's messages.

func noteAdder(s *Server, kind records.NoteKind) handlerFunc {
	parent := records.MustLookup(kind.Parent)
	return func(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
		id, err := pathID(r, parent.Noun)
		if err != nil {
			return err
		}
		body := strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
		note, err := s.uc.AddNote(r.Context(), c, kind, id, body)
		if err != nil {
			return modulePages{s: s, m: parent}.refused(w, r, c, id, "note", err, map[string]string{"body": body})
		}
		redirect(w, r, fmt.Sprintf("%s#note-%d", recordPath(parent, id), note.ID), "Added your "+kind.Noun+".")
		return nil
	}
}

// Assets: the policy.

type policyPanel struct {
	Current cell
	CanSet  bool
	Options []choice
	Err     *formError
}

func assetPolicyPanel(h modulePages, ctx context.Context, c *authz.Caller, b *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error {
	if !records.PermReach(modAssets, c.Grants, "policies.assign").Allows(rec.CustomerID, 0) {
		return nil
	}
	pp := &policyPanel{CanSet: true, Err: x.errFor("policy")}
	p.Policy = pp
	// Policies the viewer sees that may go on this asset: shared
	// templates and the asset's customer's own.
	page, err := h.s.store.ListRecords(ctx, c.AccountID, modPolicies, gatehouse.ListFilter{Limit: 500},
		records.ViewReach(modPolicies, c.Grants), records.Reach{Customers: access.Only(rec.CustomerID), Library: true})
	if err != nil {
		return err
	}
	current := rec.Values.Int("policy_id")
	pp.Options = append(pp.Options, choice{Value: "", Label: "No policy", Selected: current == 0})
	for _, pol := range page.Items {
		label := recordTitle(modPolicies, pol)
		if pol.CustomerID == 0 {
			label += " (shared template)"
		}
		pp.Options = append(pp.Options, choice{Value: strconv.FormatInt(pol.ID, 10), Label: label, Selected: pol.ID == current})
	}
	return nil
}

func (s *Server) handleAssetPolicy(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "asset")
	if err != nil {
		return err
	}
	var policy int64
	if v := strings.TrimSpace(r.PostFormValue("policy_id")); v != "" {
		if policy, err = strconv.ParseInt(v, 10, 64); err != nil || policy <= 0 {
			return modulePages{s: s, m: modAssets}.refused(w, r, c, id, "policy", gatehouse.Invalid("policy_id", "choose a policy from the list"), nil)
		}
	}
	if _, err := s.uc.SetAssetPolicy(r.Context(), c, id, policy); err != nil {
		return modulePages{s: s, m: modAssets}.refused(w, r, c, id, "policy", err, nil)
	}
	redirect(w, r, recordPath(modAssets, id), "Saved the asset's policy.")
	return nil
}

// Policies: the settings, and the customers a policy is assigned to.

type assignedCustomer struct {
	ID        int64
	Customer  cell
	CanRemove bool
}

type assignPanel struct {
	Customers []assignedCustomer
	CanAssign bool
	Options   []choice
	Err       *formError
}

func policyPanels(h modulePages, ctx context.Context, c *authz.Caller, b *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error {
	ids, err := h.s.uc.PolicyCustomers(ctx, c, rec.ID)
	if err != nil {
		return err
	}
	ap := &assignPanel{Err: x.errFor("assign")}
	p.Assignments = ap
	b.wantCustomers = append(b.wantCustomers, ids...)
	p.finish = append(p.finish, func(b *nameBook) {
		for _, id := range ids {
			ap.Customers = append(ap.Customers, assignedCustomer{ID: id, Customer: b.customer(nil, id),
				CanRemove: records.CheckPolicyAssignment(c.Grants, rec.CustomerID, id) == nil})
		}
	})
	// Where it may go: a shared template to any customer the viewer
	// assigns policies on, a customer's policy only to that customer.
	scope := c.Grants.Scope(permPolicyAssig)
	if rec.CustomerID != 0 {
		scope = access.Intersect(scope, access.Only(rec.CustomerID))
	}
	if scope.Empty() {
		return nil
	}
	opts, err := h.s.customerChoices(ctx, c, scope, 0)
	if err != nil {
		return err
	}
	for _, o := range opts {
		id, _ := strconv.ParseInt(o.Value, 10, 64)
		if !slices.Contains(ids, id) {
			ap.Options = append(ap.Options, o)
		}
	}
	ap.CanAssign = true
	return nil
}

// settingsRows shows a policy's JSON settings as rows, keys in order.
func settingsRows(doc string) []detailRow {
	var obj map[string]any
	if json.Unmarshal([]byte(doc), &obj) != nil {
		return nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]detailRow, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := obj[k].(type) {
		case bool:
			v = map[bool]string{true: "On", false: "Off"}[x]
		case string:
			v = x
		default:
			raw, _ := json.Marshal(x)
			v = string(raw)
		}
		out = append(out, detailRow{Label: enumLabel(k), Value: cell{Text: v}})
	}
	return out
}

// customerChoices offers the customers of scope, named where the viewer
// may see them and by number after them otherwise, so not even the order
// of hidden names shows.
func (s *Server) customerChoices(ctx context.Context, c *authz.Caller, scope access.Scope, selected int64) ([]choice, error) {
	page, err := s.store.ListCustomers(ctx, c.AccountID, scope, gatehouse.ListFilter{Limit: pickerLimit})
	if err != nil {
		return nil, err
	}
	visible := c.Grants.Scope(permCustomersView)
	var named, unnamed []choice
	for _, cu := range page.Items {
		v := strconv.FormatInt(cu.ID, 10)
		if visible.Contains(cu.ID) {
			named = append(named, choice{Value: v, Label: cu.Name, Selected: cu.ID == selected})
		} else {
			unnamed = append(unnamed, choice{Value: v, Label: "Customer #" + v, Selected: cu.ID == selected})
		}
	}
	slices.SortFunc(unnamed, func(a, b choice) int {
		x, _ := strconv.ParseInt(a.Value, 10, 64)
		y, _ := strconv.ParseInt(b.Value, 10, 64)
		return cmp.Compare(x, y)
	})
	return append(named, unnamed...), nil
}

func (s *Server) handlePolicyAssign(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "policy")
	if err != nil {
		return err
	}
	customer, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("customer_id")), 10, 64)
	if perr != nil || customer <= 0 {
		err = gatehouse.Invalid("customer_id", "choose a customer")
	} else {
		err = s.uc.AssignPolicy(r.Context(), c, id, customer, true)
	}
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound && customer > 0 {
			err = gatehouse.Invalid("customer_id", "customer not found")
		}
		return modulePages{s: s, m: modPolicies}.refused(w, r, c, id, "assign", err, nil)
	}
	redirect(w, r, recordPath(modPolicies, id), "Assigned the policy.")
	return nil
}

func (s *Server) handlePolicyUnassign(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "policy")
	if err != nil {
		return err
	}
	customer, err := strconv.ParseInt(r.PathValue("customer_id"), 10, 64)
	if err != nil || customer <= 0 {
		return gatehouse.NotFound("customer")
	}
	if err := s.uc.AssignPolicy(r.Context(), c, id, customer, false); err != nil {
		return modulePages{s: s, m: modPolicies}.refused(w, r, c, id, "assign", err, nil)
	}
	redirect(w, r, recordPath(modPolicies, id), "Removed the policy from the customer.")
	return nil
}

// Campaigns: review the recipients, then send.

type campaignPanel struct {
	Sent       bool
	Recipients int
	CanSend    bool
}

func campaignPanelOf(h modulePages, ctx context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, _ detailExtras) error {
	cp := &campaignPanel{Sent: rec.Values.Str("status") == "sent"}
	p.Campaign = cp
	perm := permMailerView
	if records.UseReach(modCampaigns, c.Grants, "mailer.send").Allows(rec.CustomerID, 0) {
		perm, cp.CanSend = permMailerSend, !cp.Sent
	}
	if cp.Sent {
		return nil
	}
	rs, err := h.s.uc.CampaignRecipients(ctx, c, rec.ID, perm)
	cp.Recipients = len(rs)
	return err
}

type recipientRow struct {
	Name, Email string
	Customer    cell
}

type campaignReviewPage struct {
	ID         int64
	Title      string
	Subject    string
	Body       string
	Recipients []recipientRow
	Err        *formError
}

// handleCampaignReview previews exactly whom sending mails: the contacts
// with an email of the customers the caller may send to.
func (s *Server) handleCampaignReview(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.renderCampaignReview(w, r, c, nil)
}

func (s *Server) renderCampaignReview(w http.ResponseWriter, r *http.Request, c *authz.Caller, fe *formError) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	rec, err := s.store.Record(r.Context(), c.AccountID, modCampaigns, id, records.ViewReach(modCampaigns, c.Grants),
		records.UseReach(modCampaigns, c.Grants, "mailer.send"))
	if err != nil {
		return err
	}
	rs, err := s.uc.CampaignRecipients(r.Context(), c, id, permMailerSend)
	if err != nil {
		return err
	}
	b := s.newBook(c, zoneOf(r))
	for _, rc := range rs {
		b.wantCustomers = append(b.wantCustomers, rc.CustomerID)
	}
	if err := b.load(r.Context()); err != nil {
		return err
	}
	p := campaignReviewPage{ID: id, Title: recordTitle(modCampaigns, rec), Subject: rec.Values.Str("subject"), Body: rec.Values.Str("body"), Err: fe}
	for _, rc := range rs {
		p.Recipients = append(p.Recipients, recipientRow{Name: rc.Name, Email: rc.Email, Customer: b.customer(modContacts, rc.CustomerID)})
	}
	if rec.Values.Str("status") == "sent" && fe == nil {
		p.Err = &formError{Message: "This campaign has already been sent.", Status: http.StatusConflict}
	}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "campaign_send", "Send "+p.Title, p)
	return nil
}

func (s *Server) handleCampaignSend(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	rec, err := s.uc.SendCampaign(r.Context(), c, id)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		return s.renderCampaignReview(w, r, c, fe)
	}
	n := rec.Values.Int("recipient_count")
	redirect(w, r, recordPath(modCampaigns, id), fmt.Sprintf("Sent the campaign to %d %s.", n, plural(n, "contact", "contacts")))
	return nil
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Estimates: convert to an invoice.

type estimatePanel struct {
	Number string
	Err    *formError
}

// estimatePanelOf offers the conversion to whoever may convert the
// estimate, until it has become an invoice they can see; the store
// refuses a second conversion in any case.
func estimatePanelOf(h modulePages, ctx context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, x detailExtras) error {
	ep := &estimatePanel{Err: x.errFor("estimate"), Number: x.Sent["number"]}
	if ep.Err == nil && !usecase.MayConvertEstimate(c, rec) {
		return nil
	}
	if reach := records.ViewReach(modInvoices, c.Grants); reach.Touches(rec.CustomerID) && ep.Err == nil {
		made, err := h.s.store.SampleRecords(ctx, c.AccountID, modInvoices, records.Match{Ref: "estimate_id", RefID: rec.ID}, 0, reach)
		if err != nil || made.Total > 0 {
			return err
		}
	}
	p.Estimate = ep
	return nil
}

func (s *Server) handleEstimateConvert(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "estimate")
	if err != nil {
		return err
	}
	number := strings.TrimSpace(r.PostFormValue("number"))
	inv, err := s.uc.ConvertEstimate(r.Context(), c, id, number, time.Now().In(zoneOf(r)).Format(time.DateOnly))
	if err != nil {
		return modulePages{s: s, m: modEstimates}.refused(w, r, c, id, "estimate", err, map[string]string{"number": number})
	}
	redirect(w, r, recordPath(modInvoices, inv.ID), "Created draft invoice "+recordTitle(modInvoices, inv)+" from the estimate.")
	return nil
}

// Invoices: what has been paid.

// balancePanel sums an invoice's payments into its payments section.
func balancePanel(h modulePages, ctx context.Context, c *authz.Caller, _ *nameBook, rec records.Record, p *moduleDetailPage, _ detailExtras) error {
	reach := records.ViewReach(modPayments, c.Grants)
	if !reach.Touches(rec.CustomerID) {
		return nil
	}
	paid, err := h.s.store.SampleRecords(ctx, c.AccountID, modPayments, records.Match{Ref: "invoice_id", RefID: rec.ID}, 500, reach)
	if err != nil || paid.Total > int64(len(paid.Items)) {
		return err // too many payments to add up here: the list still shows them
	}
	var sum int64
	for _, pay := range paid.Items {
		sum += pay.Values.Int("amount")
	}
	cur := rec.Values.Str("currency")
	summary := "Paid " + formatAmount(sum, cur) + " · balance due " + formatAmount(rec.Values.Int("total")-sum, cur)
	p.finish = append(p.finish, func(*nameBook) {
		for i := range p.Related {
			if p.Related[i].ID == "related-"+modPayments.Key {
				p.Related[i].Summary = summary
			}
		}
	})
	return nil
}
