package httpapi

import (
	"context"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/records"
)

// The module use cases the JSON API's routes and the web admin's forms
// both run: each picks the caller's reaches and the cross-record rule the
// same way for every surface, so a form can never take a weaker path than
// the API. Surfaces only decode their input and render the result.

// ViewStore is what the web admin's readable pages read besides the
// lists: samples of related records, the names behind references, and
// the conversion of an estimate. Every read takes the caller's reach.
type ViewStore interface {
	SampleRecords(ctx context.Context, accountID int64, m *records.Module, match records.Match, limit int, reaches ...records.Reach) (records.Sample, error)
	RecordTitles(ctx context.Context, accountID int64, m *records.Module, ids []int64, reaches ...records.Reach) (map[int64]string, error)
	UserNames(ctx context.Context, accountID int64, ids []int64) (map[int64]string, error)
	ConvertEstimate(ctx context.Context, accountID, id int64, number, issuedOn string, allow records.Reach, decide func(customer int64) error, reaches ...records.Reach) (records.Record, error)
}

var (
	modEstimates   = records.MustLookup("estimates")
	modInvoices    = records.MustLookup("invoices")
	permPolicyView = catalog.MustLookup("policies.view")
)

// CreateRecord adds a record where the caller holds the module's create
// permission; a field that defaults to the caller and is not given is
// the caller.
func (s *Server) CreateRecord(ctx context.Context, c *authz.Caller, m *records.Module, in records.Input) (records.Record, error) {
	if in.Values == nil {
		in.Values = records.Values{}
	}
	for _, f := range m.Fields {
		if _, given := in.Values[f.Name]; f.CallerDefault && !given {
			in.Values[f.Name] = c.UserID
		}
	}
	return s.store.CreateRecord(ctx, c.AccountID, m, records.PermReach(m, c.Grants, m.Create), in)
}

// UpdateRecord changes a record the caller both sees and may edit.
func (s *Server) UpdateRecord(ctx context.Context, c *authz.Caller, m *records.Module, id int64, in records.Input) (records.Record, error) {
	return s.store.UpdateRecord(ctx, c.AccountID, m, id, in, records.ViewReach(m, c.Grants), records.PermReach(m, c.Grants, m.Edit))
}

// DeleteRecord removes a record the caller both sees and may delete.
func (s *Server) DeleteRecord(ctx context.Context, c *authz.Caller, m *records.Module, id int64) error {
	return s.store.DeleteRecord(ctx, c.AccountID, m, id, records.ViewReach(m, c.Grants), records.PermReach(m, c.Grants, m.Delete))
}

// RunScript queues a run: the script among those the caller may run
// (their customers' and the shared library), the asset among the assets
// of customers they may run scripts on, and records.CheckScriptRun on the
// pair.
func (s *Server) RunScript(ctx context.Context, c *authz.Caller, scriptID, assetID int64) (records.Record, error) {
	return s.store.CreateScriptRun(ctx, c.AccountID, scriptID, assetID, c.UserID,
		records.UseReach(modScripts, c.Grants, "scripts.run"), records.PermReach(modAssets, c.Grants, "scripts.run"),
		func(scriptCustomer, assetCustomer int64) error {
			return records.CheckScriptRun(c.Grants, scriptCustomer, assetCustomer)
		})
}

// ScriptRunOutput reads a run's output where the caller holds
// script_runs.view_output.
func (s *Server) ScriptRunOutput(ctx context.Context, c *authz.Caller, id int64) (records.Record, string, error) {
	return s.store.ScriptRunOutput(ctx, c.AccountID, id, records.PermReach(modScriptRuns, c.Grants, "script_runs.view_output"))
}

// AddNote adds a comment or a message to a parent the caller sees and
// holds the kind's write permission on.
func (s *Server) AddNote(ctx context.Context, c *authz.Caller, kind records.NoteKind, parentID int64, body string) (records.Note, error) {
	parent := records.MustLookup(kind.Parent)
	return s.store.AddNote(ctx, c.AccountID, kind, parentID, c.UserID, body,
		records.ViewReach(parent, c.Grants), records.PermReach(parent, c.Grants, kind.Write))
}

// CampaignRecipients lists whom a campaign the caller sees reaches when
// used with perm: mailer.view previews, mailer.send shows exactly whom
// sending would mail. Only contacts of customers in the caller's scope.
func (s *Server) CampaignRecipients(ctx context.Context, c *authz.Caller, id int64, perm catalog.Perm) ([]records.Recipient, error) {
	return s.store.CampaignRecipients(ctx, c.AccountID, id, func(customer int64) access.Scope {
		return records.CampaignAudience(c.Grants, perm, customer)
	}, records.ViewReach(modCampaigns, c.Grants))
}

// SendCampaign queues the campaign's mail, once, to the contacts the
// caller may send to.
func (s *Server) SendCampaign(ctx context.Context, c *authz.Caller, id int64) (records.Record, error) {
	rec, err := s.store.SendCampaign(ctx, c.AccountID, id, func(customer int64) access.Scope {
		return records.CampaignAudience(c.Grants, permMailerSend, customer)
	}, records.ViewReach(modCampaigns, c.Grants), records.UseReach(modCampaigns, c.Grants, "mailer.send"))
	if err == nil && s.MailQueued != nil {
		s.MailQueued()
	}
	return rec, err
}

// SetAssetPolicy assigns a policy (0: none) to an asset the caller sees
// and may assign policies on; the policy a shared template or the
// asset's customer's own.
func (s *Server) SetAssetPolicy(ctx context.Context, c *authz.Caller, assetID, policyID int64) (records.Record, error) {
	return s.store.SetAssetPolicy(ctx, c.AccountID, assetID, policyID,
		[]records.Reach{records.ViewReach(modAssets, c.Grants), records.PermReach(modAssets, c.Grants, "policies.assign")},
		records.ViewReach(modPolicies, c.Grants),
		func(policyCustomer, assetCustomer int64) error {
			return records.CheckPolicyAssignment(c.Grants, policyCustomer, assetCustomer)
		})
}

// PolicyCustomers lists the customers a policy is assigned to — only
// those the caller may see policies of, so a shared template assigned
// across the account names no one else's customers.
func (s *Server) PolicyCustomers(ctx context.Context, c *authz.Caller, id int64) ([]int64, error) {
	return s.store.PolicyCustomers(ctx, c.AccountID, id, records.ViewReach(modPolicies, c.Grants), c.Grants.Scope(permPolicyView))
}

// AssignPolicy assigns (or unassigns) a policy the caller sees to a
// customer, under records.CheckPolicyAssignment.
func (s *Server) AssignPolicy(ctx context.Context, c *authz.Caller, policyID, customerID int64, assign bool) error {
	return s.store.AssignPolicy(ctx, c.AccountID, policyID, customerID, assign, records.ViewReach(modPolicies, c.Grants),
		func(policyCustomer, customer int64) error {
			return records.CheckPolicyAssignment(c.Grants, policyCustomer, customer)
		})
}

// ClearAlert marks an alert the caller sees and manages cleared.
func (s *Server) ClearAlert(ctx context.Context, c *authz.Caller, id int64) (records.Record, error) {
	return s.store.ClearAlert(ctx, c.AccountID, id, c.UserID,
		records.ViewReach(modAlerts, c.Grants), records.PermReach(modAlerts, c.Grants, "alerts.manage"))
}

// ConvertEstimate makes a draft invoice, numbered as given and issued on
// issuedOn (empty: today, UTC), from an estimate the caller sees; the
// conversion rule asks for invoices.create on the estimate's customer.
func (s *Server) ConvertEstimate(ctx context.Context, c *authz.Caller, id int64, number, issuedOn string) (records.Record, error) {
	if strings.TrimSpace(issuedOn) == "" {
		issuedOn = s.now().UTC().Format(time.DateOnly)
	}
	return s.store.ConvertEstimate(ctx, c.AccountID, id, number, issuedOn,
		records.PermReach(modInvoices, c.Grants, "invoices.create"),
		func(customer int64) error { return records.CheckEstimateConversion(c.Grants, customer) },
		records.ViewReach(modEstimates, c.Grants))
}

// MayConvertEstimate reports whether ConvertEstimate would let the
// caller convert an estimate they see, for showing the action.
func (s *Server) MayConvertEstimate(c *authz.Caller, estimate records.Record) bool {
	return records.CheckEstimateConversion(c.Grants, estimate.CustomerID) == nil
}
