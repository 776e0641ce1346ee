package usecase

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

var (
	modEstimates   = records.MustLookup("estimates")
	modInvoices    = records.MustLookup("invoices")
	modAlerts      = records.MustLookup("alerts")
	modCampaigns   = records.MustLookup("campaigns")
	modScriptRuns  = records.MustLookup("script-runs")
	permPolicyView = catalog.MustLookup("policies.view")
	permMailerSend = catalog.MustLookup("mailer.send")
)

// CreateRecord adds a record where the caller holds the module's create
// permission; a field that defaults to the caller and is not given is
// the caller.
func (s *Service) CreateRecord(ctx context.Context, c *authz.Caller, m *records.Module, in records.Input) (records.Record, error) {
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

// UpdateRecord changes a record the caller both sees and may edit: one
// of the customers they may edit on, or — with the module's edit_own —
// one of their own.
func (s *Service) UpdateRecord(ctx context.Context, c *authz.Caller, m *records.Module, id int64, in records.Input) (records.Record, error) {
	return s.store.UpdateRecord(ctx, c.AccountID, m, id, in, records.ViewReach(m, c.Grants), records.EditReach(m, c.Grants))
}

// DeleteRecord removes a record the caller both sees and may delete.
func (s *Service) DeleteRecord(ctx context.Context, c *authz.Caller, m *records.Module, id int64) error {
	return s.store.DeleteRecord(ctx, c.AccountID, m, id, records.ViewReach(m, c.Grants), records.DeleteReach(m, c.Grants))
}

// ScriptRunOutput reads a run's output where the caller holds
// script_runs.view_output.
func (s *Service) ScriptRunOutput(ctx context.Context, c *authz.Caller, id int64) (records.Record, string, error) {
	return s.store.ScriptRunOutput(ctx, c.AccountID, id, records.PermReach(modScriptRuns, c.Grants, "script_runs.view_output"))
}

// AddNote adds a comment or a message to a parent the caller sees and
// holds the kind's write permission on.
func (s *Service) AddNote(ctx context.Context, c *authz.Caller, kind records.NoteKind, parentID int64, body string) (records.Note, error) {
	parent := records.MustLookup(kind.Parent)
	return s.store.AddNote(ctx, c.AccountID, kind, parentID, c.UserID, body,
		records.ViewReach(parent, c.Grants), records.PermReach(parent, c.Grants, kind.Write))
}

// CampaignRecipients lists whom a campaign the caller sees reaches when
// used with perm: mailer.view previews, mailer.send shows exactly whom
// sending would mail. Only contacts of customers in the caller's scope.
func (s *Service) CampaignRecipients(ctx context.Context, c *authz.Caller, id int64, perm catalog.Perm) ([]records.Recipient, error) {
	return s.store.CampaignRecipients(ctx, c.AccountID, id, func(customer int64) access.Scope {
		return records.CampaignAudience(c.Grants, perm, customer)
	}, records.ViewReach(modCampaigns, c.Grants))
}

// SendCampaign queues the campaign's mail, once, to the contacts the
// caller may send to.
func (s *Service) SendCampaign(ctx context.Context, c *authz.Caller, id int64) (records.Record, error) {
	rec, err := s.store.SendCampaign(ctx, c.AccountID, id, func(customer int64) access.Scope {
		return records.CampaignAudience(c.Grants, permMailerSend, customer)
	}, records.ViewReach(modCampaigns, c.Grants), records.UseReach(modCampaigns, c.Grants, "mailer.send"))
	if err == nil && s.MailQueued != nil {
		s.MailQueued()
	}
	return rec, err
}

// PolicyCustomers lists the customers a policy is assigned to — only
// those the caller may see policies of, so a shared template assigned
// across the account names no one else's customers.
func (s *Service) PolicyCustomers(ctx context.Context, c *authz.Caller, id int64) ([]int64, error) {
	return s.store.PolicyCustomers(ctx, c.AccountID, id, records.ViewReach(modPolicies, c.Grants), c.Grants.Scope(permPolicyView))
}

// ClearAlert marks an alert the caller sees and manages cleared.
func (s *Service) ClearAlert(ctx context.Context, c *authz.Caller, id int64) (records.Record, error) {
	return s.store.ClearAlert(ctx, c.AccountID, id, c.UserID,
		records.ViewReach(modAlerts, c.Grants), records.PermReach(modAlerts, c.Grants, "alerts.manage"))
}

// ConvertEstimate makes a draft invoice, numbered as given and issued on
// issuedOn (empty: today, UTC), from an estimate the caller sees; the
// conversion rule asks for invoices.create on the estimate's customer.
func (s *Service) ConvertEstimate(ctx context.Context, c *authz.Caller, id int64, number, issuedOn string) (records.Record, error) {
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
func MayConvertEstimate(c *authz.Caller, estimate records.Record) bool {
	return records.CheckEstimateConversion(c.Grants, estimate.CustomerID) == nil
}
