package usecase

import (
	"context"

	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

var (
	modAssets      = records.MustLookup("assets")
	modScripts     = records.MustLookup("scripts")
	modPolicies    = records.MustLookup("policies")
	modCredentials = records.MustLookup("credentials")
	modLeads       = records.MustLookup("leads")
)

// Seal returns the sealing of a new secret for a record of m, bound to
// the account, the record's customer and its id, or an error when no
// vault key is configured.
func (s *Service) Seal(c *authz.Caller, secret string) (func(id, customerID int64) ([]byte, error), error) {
	if s.Vault == nil {
		return nil, gatehouse.Errorf(gatehouse.EConflict, "the credentials vault has no key configured; secrets cannot be stored")
	}
	plain := []byte(secret)
	return func(id, customer int64) ([]byte, error) {
		return s.Vault.Seal(plain, records.SecretAAD(c.AccountID, customer, id))
	}, nil
}

// markMFA notes on the audit entry of a reveal or a run how the caller's
// session was signed in: the second factor last presented on it, or
// "none" — a user without one, in an account that requires none, is not
// blocked, but the log says so.
func markMFA(ctx context.Context, c *authz.Caller) context.Context {
	if c.MFAAt.IsZero() {
		return audit.WithMark(ctx, "mfa", "none")
	}
	return audit.WithMark(ctx, "mfa", c.MFAMethod)
}

// RevealSecret decrypts a credential's secret for a caller who may see
// the credential and holds credentials.reveal on its customer (for the
// MSP's own credentials: on all customers), and audits the reveal.
func (s *Service) RevealSecret(ctx context.Context, c *authz.Caller, id int64) (records.Record, string, error) {
	ctx = markMFA(ctx, c)
	rec, sealed, err := s.store.SealedSecret(ctx, c.AccountID, modCredentials, id,
		records.ViewReach(modCredentials, c.Grants), records.UseReach(modCredentials, c.Grants, "credentials.reveal"))
	if err != nil {
		return rec, "", err
	}
	if sealed == nil {
		return rec, "", gatehouse.Errorf(gatehouse.ENotFound, "this credential has no secret")
	}
	if s.Vault == nil {
		return rec, "", gatehouse.Errorf(gatehouse.EConflict, "the credentials vault has no key configured; secrets cannot be revealed")
	}
	plain, err := s.Vault.Open(sealed, records.SecretAAD(c.AccountID, rec.CustomerID, rec.ID))
	if err != nil {
		return rec, "", err // internal: wrong key or tampered row; logged, not shown
	}
	if err := s.store.RecordAudit(ctx, c.AccountID, audit.Event{Action: "credential.reveal", TargetType: "credential",
		TargetID: rec.ID, CustomerID: rec.CustomerID, After: map[string]any{"name": rec.Values.Str("name")}}); err != nil {
		return rec, "", err
	}
	return rec, string(plain), nil
}

// RunScript queues a run of a script on an asset. The script is found
// among those the caller may run (their customers' and the shared
// library), the asset among the assets of customers they may run scripts
// on, and the script-run rule decides the pair.
func (s *Service) RunScript(ctx context.Context, c *authz.Caller, scriptID, assetID int64) (records.Record, error) {
	if assetID <= 0 {
		return records.Record{}, gatehouse.Invalid("asset_id", "asset_id is required")
	}
	ctx = markMFA(ctx, c)
	return s.store.CreateScriptRun(ctx, c.AccountID, scriptID, assetID, c.UserID,
		records.UseReach(modScripts, c.Grants, "scripts.run"), records.PermReach(modAssets, c.Grants, "scripts.run"),
		func(scriptCustomer, assetCustomer int64) error {
			return records.CheckScriptRun(c.Grants, scriptCustomer, assetCustomer)
		})
}

// SetAssetPolicy assigns a policy to an asset (0: none): the asset must be
// one the caller sees and may assign policies on, the policy a shared
// template or the asset's customer's own.
func (s *Service) SetAssetPolicy(ctx context.Context, c *authz.Caller, assetID, policyID int64) (records.Record, error) {
	return s.store.SetAssetPolicy(ctx, c.AccountID, assetID, policyID,
		[]records.Reach{records.ViewReach(modAssets, c.Grants), records.PermReach(modAssets, c.Grants, "policies.assign")},
		records.ViewReach(modPolicies, c.Grants),
		func(policyCustomer, assetCustomer int64) error {
			return records.CheckPolicyAssignment(c.Grants, policyCustomer, assetCustomer)
		})
}

// AssignPolicy assigns a policy to a customer, or takes it off.
func (s *Service) AssignPolicy(ctx context.Context, c *authz.Caller, policyID, customerID int64, assign bool) error {
	return s.store.AssignPolicy(ctx, c.AccountID, policyID, customerID, assign, records.ViewReach(modPolicies, c.Grants),
		func(policyCustomer, customer int64) error {
			return records.CheckPolicyAssignment(c.Grants, policyCustomer, customer)
		})
}

// ConvertLead turns a lead the caller sees and reaches with leads.convert
// (a lead with no customer only through an all-customers grant) into a
// won lead; records.CheckLeadConversion decides — a lead with no customer
// becomes a new customer, which needs customers.create for all customers.
// The customer comes back only if the caller may view it.
func (s *Service) ConvertLead(ctx context.Context, c *authz.Caller, id int64) (records.Record, gatehouse.Customer, error) {
	return s.store.ConvertLead(ctx, c.AccountID, id,
		func(leadCustomer int64) error { return records.CheckLeadConversion(c.Grants, leadCustomer) },
		CustomerView(c),
		records.ViewReach(modLeads, c.Grants), records.PermReach(modLeads, c.Grants, "leads.convert"))
}

// MayConvertLead reports whether ConvertLead would let the caller convert
// a lead they see: the same reach and rule, for showing the action.
func MayConvertLead(c *authz.Caller, lead records.Record) bool {
	return records.PermReach(modLeads, c.Grants, "leads.convert").Allows(lead.CustomerID, 0) &&
		records.CheckLeadConversion(c.Grants, lead.CustomerID) == nil
}
