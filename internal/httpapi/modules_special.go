package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

var (
	modAssets     = records.MustLookup("assets")
	modAlerts     = records.MustLookup("alerts")
	modScriptRuns = records.MustLookup("script-runs")
	modPolicies   = records.MustLookup("policies")
	modCampaigns  = records.MustLookup("campaigns")
	modLeads      = records.MustLookup("leads")
	modInvoices   = records.MustLookup("invoices")

	permMailerView    = catalog.MustLookup("mailer.view")
	permCustomersView = catalog.MustLookup("customers.view")
	permMailerSend    = catalog.MustLookup("mailer.send")
)

// pathIDNamed parses another wildcard than {id}.
func pathIDNamed(r *http.Request, name, what string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, gatehouse.NotFound(what)
	}
	return v, nil
}

type runRequest struct {
	AssetID ID `json:"asset_id" required:"true" doc:"the asset to run the script on"`
}

// runScript queues a run. The script is found among those the caller may
// run (their customers' and the shared library), the asset among the
// assets of customers they may run scripts on, and the script-run rule
// decides the pair.
func (s *Server) runScript(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "script")
	if err != nil {
		return err
	}
	var req runRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	run, err := s.uc.RunScript(r.Context(), c, id, int64(req.AssetID))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, recordJSON{modScriptRuns, run})
}

type runOutputJSON struct {
	ID     ID     `json:"id"`
	Status string `json:"status" enum:"queued,running,succeeded,failed" example:"succeeded"`
	Output string `json:"output" example:"Disk cleanup freed 2.1 GB"`
}

func (s *Server) scriptRunOutput(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "script run")
	if err != nil {
		return err
	}
	run, out, err := s.uc.ScriptRunOutput(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, runOutputJSON{ID: ID(run.ID), Status: run.Values.Str("status"), Output: out})
}

type assetPolicyRequest struct {
	PolicyID *ID `json:"policy_id" doc:"the policy; null for none"`
}

// setAssetPolicy assigns a policy to an asset (null: none): the asset
// must be one the caller sees and may assign policies on, the policy a
// shared template or the asset's customer's own.
func (s *Server) setAssetPolicy(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "asset")
	if err != nil {
		return err
	}
	var req assetPolicyRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var policyID int64
	if req.PolicyID != nil {
		policyID = int64(*req.PolicyID)
	}
	rec, err := s.uc.SetAssetPolicy(r.Context(), c, id, policyID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recordJSON{modAssets, rec})
}

type policyCustomersJSON struct {
	CustomerIDs []ID `json:"customer_ids"`
}

// policyCustomers lists the customers a policy is assigned to — only
// those the caller may see policies of, so a shared template assigned
// across the account names no one else's customers.
func (s *Server) policyCustomers(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "policy")
	if err != nil {
		return err
	}
	ids, err := s.uc.PolicyCustomers(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, policyCustomersJSON{CustomerIDs: toIDs(ids)})
}

func (s *Server) assignPolicy(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.changePolicyAssignment(w, r, c, true)
}

func (s *Server) unassignPolicy(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.changePolicyAssignment(w, r, c, false)
}

func (s *Server) changePolicyAssignment(w http.ResponseWriter, r *http.Request, c *authz.Caller, assign bool) error {
	id, err := pathID(r, "policy")
	if err != nil {
		return err
	}
	customer, err := pathIDNamed(r, "customer_id", "customer")
	if err != nil {
		return err
	}
	if err := s.uc.AssignPolicy(r.Context(), c, id, customer, assign); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type secretJSON struct {
	ID     ID     `json:"id"`
	Secret string `json:"secret" example:"s3cret-passw0rd"`
}

// revealSecret decrypts a credential's secret for a caller holding
// credentials.reveal on its customer; RevealSecret audits every reveal.
func (s *Server) revealSecret(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "credential")
	if err != nil {
		return err
	}
	rec, plain, err := s.uc.RevealSecret(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, secretJSON{ID: ID(rec.ID), Secret: plain})
}

func (s *Server) clearAlert(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "alert")
	if err != nil {
		return err
	}
	rec, err := s.uc.ClearAlert(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recordJSON{modAlerts, rec})
}

type noteJSON struct {
	ID        ID        `json:"id"`
	AuthorID  any       `json:"author_id" schema:"id" nullable:"true" doc:"the author's user id; null once the user is gone"`
	Body      string    `json:"body" example:"Replaced the toner; printing again."`
	CreatedAt time.Time `json:"created_at"`
}

func toNoteJSON(n records.Note) noteJSON {
	return noteJSON{ID: ID(n.ID), AuthorID: idOrNull(n.AuthorID), Body: n.Body, CreatedAt: n.CreatedAt}
}

type noteRequest struct {
	Body string `json:"body" required:"true" maxLength:"20000" example:"Replaced the toner; printing again."`
}

// noteRoutes serves the notes of one parent module: listing needs the
// parent visible, adding needs the parent visible and the kind's write
// permission on its customer.
type noteRoutes struct {
	s    *Server
	kind records.NoteKind
}

func (n noteRoutes) list(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	parent := records.MustLookup(n.kind.Parent)
	id, err := pathID(r, parent.Noun)
	if err != nil {
		return err
	}
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	page, err := n.s.store.Notes(r.Context(), c.AccountID, n.kind, id, f, records.ViewReach(parent, c.Grants))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(page, toNoteJSON))
}

func (n noteRoutes) add(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	parent := records.MustLookup(n.kind.Parent)
	id, err := pathID(r, parent.Noun)
	if err != nil {
		return err
	}
	var req noteRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	note, err := n.s.uc.AddNote(r.Context(), c, n.kind, id, req.Body)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toNoteJSON(note))
}

type recipientJSON struct {
	ContactID  ID     `json:"contact_id"`
	CustomerID ID     `json:"customer_id"`
	Name       string `json:"name" example:"Ann Lee"`
	Email      string `json:"email" example:"ann@acme-dental.example"`
}

// campaignRecipients previews who the campaign would reach for this
// caller: contacts of customers in their scope only.
func (s *Server) campaignRecipients(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	rs, err := s.uc.CampaignRecipients(r.Context(), c, id, permMailerView)
	if err != nil {
		return err
	}
	out := list[recipientJSON]{Items: make([]recipientJSON, 0, len(rs))}
	for _, rc := range rs {
		out.Items = append(out.Items, recipientJSON{ContactID: ID(rc.ContactID), CustomerID: ID(rc.CustomerID), Name: rc.Name, Email: rc.Email})
	}
	return writeJSON(w, http.StatusOK, out)
}

// sendCampaign queues the campaign's mail to the contacts the caller may
// send to, once.
func (s *Server) sendCampaign(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	rec, err := s.uc.SendCampaign(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recordJSON{modCampaigns, rec})
}

type leadConversionJSON struct {
	Lead recordJSON `json:"lead" schema:"record" module:"leads"`
	// Customer is null when the caller may not view the customer.
	Customer *customerJSON `json:"customer" doc:"the customer; null when the caller may not view it"`
}

// convertLead turns a lead into a customer's won lead; ConvertLead
// decides and writes it.
func (s *Server) convertLead(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "lead")
	if err != nil {
		return err
	}
	lead, customer, err := s.uc.ConvertLead(r.Context(), c, id)
	if err != nil {
		return err
	}
	out := leadConversionJSON{Lead: recordJSON{modLeads, lead}}
	if customer.ID != 0 {
		cj := toCustomerJSON(customer)
		out.Customer = &cj
	}
	return writeJSON(w, http.StatusOK, out)
}
