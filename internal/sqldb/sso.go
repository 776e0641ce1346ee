package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

const ssoCols = `id, account_id, name, issuer, client_id, client_secret, allowed_domains, customer_id, provision, groups_claim, enabled, created_at, updated_at`

func scanSSOProvider(scan func(...any) error) (gatehouse.SSOProvider, error) {
	var p gatehouse.SSOProvider
	var domains string
	var customer sql.NullInt64
	var created, updated int64
	if err := scan(&p.ID, &p.AccountID, &p.Name, &p.Issuer, &p.ClientID, &p.ClientSecret, &domains, &customer, &p.Provision,
		&p.GroupsClaim, &p.Enabled, &created, &updated); err != nil {
		return p, err
	}
	p.CustomerID, p.CreatedAt, p.UpdatedAt = customer.Int64, fromMS(created), fromMS(updated)
	p.AllowedDomains = []string{}
	return p, json.Unmarshal([]byte(domains), &p.AllowedDomains)
}

// SSOProviders lists an account's identity providers by name.
func (db *DB) SSOProviders(ctx context.Context, accountID int64) ([]gatehouse.SSOProvider, error) {
	out := []gatehouse.SSOProvider{}
	err := db.eachRow(ctx, db.rdb, `SELECT `+ssoCols+` FROM sso_providers WHERE account_id = ? ORDER BY name, id`, []any{accountID},
		func(scan func(...any) error) error {
			p, err := scanSSOProvider(scan)
			out = append(out, p)
			return err
		})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Mappings, err = db.ssoMappings(ctx, db.rdb, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SSOProvider reads one of an account's providers.
func (db *DB) SSOProvider(ctx context.Context, accountID, id int64) (gatehouse.SSOProvider, error) {
	return db.ssoProvider(ctx, db.rdb, `account_id = ? AND id = ?`, accountID, id)
}

// SSOProviderByID reads a provider by its id alone, for a sign-in that
// starts from the provider's button.
func (db *DB) SSOProviderByID(ctx context.Context, id int64) (gatehouse.SSOProvider, error) {
	return db.ssoProvider(ctx, db.rdb, `id = ?`, id)
}

func (db *DB) ssoProvider(ctx context.Context, q querier, where string, args ...any) (gatehouse.SSOProvider, error) {
	var p gatehouse.SSOProvider
	found := false
	err := db.eachRow(ctx, q, `SELECT `+ssoCols+` FROM sso_providers WHERE `+where, args, func(scan func(...any) error) error {
		var err error
		p, err = scanSSOProvider(scan)
		found = true
		return err
	})
	if err != nil {
		return p, err
	}
	if !found {
		return p, gatehouse.NotFound("identity provider")
	}
	p.Mappings, err = db.ssoMappings(ctx, q, p.ID)
	return p, err
}

func (db *DB) ssoMappings(ctx context.Context, q querier, providerID int64) ([]gatehouse.GroupMapping, error) {
	out := []gatehouse.GroupMapping{}
	err := db.eachRow(ctx, q, `SELECT claim_value, group_id FROM sso_group_mappings WHERE provider_id = ? ORDER BY claim_value, group_id`,
		[]any{providerID}, func(scan func(...any) error) error {
			var m gatehouse.GroupMapping
			err := scan(&m.Claim, &m.GroupID)
			out = append(out, m)
			return err
		})
	return out, err
}

// ssoView is a provider as the audit log records it: never the secret.
func ssoView(p gatehouse.SSOProvider) map[string]any {
	mappings := make([]map[string]any, 0, len(p.Mappings))
	for _, m := range p.Mappings {
		mappings = append(mappings, map[string]any{"claim": m.Claim, "security_group_id": m.GroupID})
	}
	return map[string]any{"id": p.ID, "name": p.Name, "issuer": p.Issuer, "client_id": p.ClientID,
		"client_secret_set": p.ClientSecret != nil, "allowed_domains": p.AllowedDomains, "customer_id": p.CustomerID,
		"provision": p.Provision, "groups_claim": p.GroupsClaim, "group_mappings": mappings, "enabled": p.Enabled}
}

// CreateSSOProvider stores a provider; seal, when set, seals its client
// secret bound to the new provider's id.
func (db *DB) CreateSSOProvider(ctx context.Context, accountID int64, p gatehouse.SSOProvider, seal func(id int64) ([]byte, error)) (gatehouse.SSOProvider, error) {
	var out gatehouse.SSOProvider
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.checkSSORefs(ctx, tx, accountID, p); err != nil {
			return err
		}
		domains, _ := json.Marshal(p.AllowedDomains)
		now := ms(db.Now())
		id, err := db.insert(ctx, tx, `INSERT INTO sso_providers (account_id, name, issuer, client_id, allowed_domains, customer_id, provision,
			groups_claim, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			accountID, p.Name, p.Issuer, p.ClientID, string(domains), nullID(p.CustomerID), p.Provision, p.GroupsClaim, p.Enabled, now, now)
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return &gatehouse.Error{Code: gatehouse.EConflict, Field: "name", Message: "an identity provider with this name exists already"}
			}
			return fmt.Errorf("insert identity provider: %w", err)
		}
		if err := db.writeSSOSecretAndMappings(ctx, tx, accountID, id, p, seal); err != nil {
			return err
		}
		if out, err = db.ssoProvider(ctx, tx, `account_id = ? AND id = ?`, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "sso_provider.create", TargetType: "sso_provider", TargetID: id, After: ssoView(out)})
	})
	return out, err
}

// UpdateSSOProvider stores a provider's new fields; seal, when set,
// replaces its client secret.
func (db *DB) UpdateSSOProvider(ctx context.Context, accountID int64, p gatehouse.SSOProvider, seal func(id int64) ([]byte, error)) (gatehouse.SSOProvider, error) {
	var out gatehouse.SSOProvider
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.ssoProvider(ctx, tx, `account_id = ? AND id = ?`, accountID, p.ID)
		if err != nil {
			return err
		}
		if err := db.checkSSORefs(ctx, tx, accountID, p); err != nil {
			return err
		}
		domains, _ := json.Marshal(p.AllowedDomains)
		_, err = db.exec(ctx, tx, `UPDATE sso_providers SET name = ?, issuer = ?, client_id = ?, allowed_domains = ?, customer_id = ?,
			provision = ?, groups_claim = ?, enabled = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			p.Name, p.Issuer, p.ClientID, string(domains), nullID(p.CustomerID), p.Provision, p.GroupsClaim, p.Enabled, ms(db.Now()), accountID, p.ID)
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return &gatehouse.Error{Code: gatehouse.EConflict, Field: "name", Message: "an identity provider with this name exists already"}
			}
			return fmt.Errorf("update identity provider: %w", err)
		}
		if err := db.writeSSOSecretAndMappings(ctx, tx, accountID, p.ID, p, seal); err != nil {
			return err
		}
		if out, err = db.ssoProvider(ctx, tx, `account_id = ? AND id = ?`, accountID, p.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "sso_provider.update", TargetType: "sso_provider", TargetID: p.ID,
			Before: ssoView(before), After: ssoView(out)})
	})
	return out, err
}

func (db *DB) writeSSOSecretAndMappings(ctx context.Context, tx *sql.Tx, accountID, id int64, p gatehouse.SSOProvider, seal func(int64) ([]byte, error)) error {
	if seal != nil {
		sealed, err := seal(id)
		if err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `UPDATE sso_providers SET client_secret = ? WHERE id = ?`, sealed, id); err != nil {
			return err
		}
	}
	if _, err := db.exec(ctx, tx, `DELETE FROM sso_group_mappings WHERE provider_id = ?`, id); err != nil {
		return err
	}
	for _, m := range p.Mappings {
		if _, err := db.exec(ctx, tx, `INSERT INTO sso_group_mappings (account_id, provider_id, claim_value, group_id) VALUES (?, ?, ?, ?)`,
			accountID, id, m.Claim, m.GroupID); err != nil {
			return err
		}
	}
	return nil
}

// checkSSORefs checks a provider's customer and mapped groups are the
// account's.
func (db *DB) checkSSORefs(ctx context.Context, q querier, accountID int64, p gatehouse.SSOProvider) error {
	if p.CustomerID != 0 {
		if err := db.checkCustomersExist(ctx, q, accountID, []int64{p.CustomerID}, "customer_id"); err != nil {
			return err
		}
	}
	groups := make([]int64, 0, len(p.Mappings))
	for _, m := range p.Mappings {
		groups = append(groups, m.GroupID)
	}
	return db.checkGroupsExist(ctx, q, accountID, dedup(groups), "group_mappings")
}

// DeleteSSOProvider removes a provider and the identities it linked; the
// users stay (and stay confined, if they were).
func (db *DB) DeleteSSOProvider(ctx context.Context, accountID, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.ssoProvider(ctx, tx, `account_id = ? AND id = ?`, accountID, id)
		if err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM sso_providers WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "sso_provider.delete", TargetType: "sso_provider", TargetID: id, Before: ssoView(before)})
	})
}

// SSOIdentity finds the user a provider's subject is linked to.
func (db *DB) SSOIdentity(ctx context.Context, accountID, providerID int64, subject string) (int64, error) {
	var userID int64
	err := db.queryRow(ctx, db.rdb, `SELECT user_id FROM sso_identities WHERE account_id = ? AND provider_id = ? AND subject = ?`,
		accountID, providerID, subject).Scan(&userID)
	return userID, notFound(err, "identity")
}

// LinkSSOIdentity links a provider's subject to a user.
func (db *DB) LinkSSOIdentity(ctx context.Context, accountID, providerID int64, subject string, userID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO sso_identities (account_id, provider_id, subject, user_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			accountID, providerID, subject, userID, ms(db.Now()))
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return gatehouse.Errorf(gatehouse.EConflict, "this identity is linked to a user already")
			}
			return fmt.Errorf("link identity: %w", err)
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "sso.link", TargetType: "user", TargetID: userID,
			After: map[string]any{"sso_provider_id": providerID, "subject": subject}})
	})
}

// HasSSOIdentity reports whether a user is linked to any provider.
func (db *DB) HasSSOIdentity(ctx context.Context, accountID, userID int64) (bool, error) {
	var n int
	err := db.queryRow(ctx, db.rdb, `SELECT COUNT(*) FROM sso_identities WHERE account_id = ? AND user_id = ?`, accountID, userID).Scan(&n)
	return n > 0, err
}
