package httpapi

// The credentials vault, shared by the API's routes and the web admin:
// one sealing (bound to the record) and one audited reveal.

import (
	"context"

	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// SecretSeal returns the Seal of a records.Input carrying a new secret for
// a record of m, or an error when no vault key is configured.
func (s *Server) SecretSeal(c *authz.Caller, m *records.Module, secret string) (func(id, customerID int64) ([]byte, error), error) {
	in, err := s.input(c, m, recordRequest{Secret: &secret})
	return in.Seal, err
}

// RevealSecret decrypts a credential's secret for a caller holding
// credentials.view and credentials.reveal on its customer (for the MSP's own credentials: on
// all customers) and records the reveal in the audit log.
func (s *Server) RevealSecret(ctx context.Context, c *authz.Caller, id int64) (records.Record, string, error) {
	// Revealing needs the credential in view too: no one reads the secret
	// of a record they cannot see.
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
		TargetID: rec.ID, CustomerID: rec.CustomerID}); err != nil {
		return rec, "", err
	}
	return rec, string(plain), nil
}
