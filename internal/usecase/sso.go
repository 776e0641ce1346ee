package usecase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sso"
)

// ssoTTL is how long a sign-in may stay at the identity provider.
const ssoTTL = 10 * time.Minute

var noSSO = gatehouse.Errorf(gatehouse.EConflict, "single sign-on is not configured on this server (it needs its public URL)")

// ssoAAD binds a sealed client secret to its provider.
func ssoAAD(accountID, providerID int64) []byte {
	return fmt.Appendf(nil, "gatehouse sso client secret %d/%d", accountID, providerID)
}

// SSOProviders lists the account's identity providers (never their
// secrets), for a holder of settings.manage.
func (s *Service) SSOProviders(ctx context.Context, c *authz.Caller) ([]gatehouse.SSOProvider, error) {
	if err := canManageSettings(c); err != nil {
		return nil, err
	}
	return s.store.SSOProviders(ctx, c.AccountID)
}

// SSOProvider reads one of them.
func (s *Service) SSOProvider(ctx context.Context, c *authz.Caller, id int64) (gatehouse.SSOProvider, error) {
	if err := canManageSettings(c); err != nil {
		return gatehouse.SSOProvider{}, err
	}
	return s.store.SSOProvider(ctx, c.AccountID, id)
}

// CreateSSOProvider adds an identity provider; its client secret is
// sealed by the vault, bound to the provider.
func (s *Service) CreateSSOProvider(ctx context.Context, c *authz.Caller, f gatehouse.SSOProviderFields) (gatehouse.SSOProvider, error) {
	if err := canManageSettings(c); err != nil {
		return gatehouse.SSOProvider{}, err
	}
	p := gatehouse.SSOProvider{Enabled: true, AllowedDomains: []string{}}
	if err := f.Apply(&p); err != nil {
		return p, err
	}
	var out gatehouse.SSOProvider
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.checkMappings(ctx, c.AccountID, p); err != nil {
			return err
		}
		seal, err := s.sealSSOSecret(c.AccountID, f.ClientSecret)
		if err != nil {
			return err
		}
		out, err = s.store.CreateSSOProvider(ctx, c.AccountID, p, seal)
		return err
	})
	return out, err
}

// UpdateSSOProvider changes the fields f sets; a client secret sent
// replaces the stored one (an empty one removes it: a public client).
func (s *Service) UpdateSSOProvider(ctx context.Context, c *authz.Caller, id int64, f gatehouse.SSOProviderFields) (gatehouse.SSOProvider, error) {
	if err := canManageSettings(c); err != nil {
		return gatehouse.SSOProvider{}, err
	}
	var out gatehouse.SSOProvider
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		p, err := s.store.SSOProvider(ctx, c.AccountID, id)
		if err != nil {
			return err
		}
		if f.CustomerID != nil && *f.CustomerID != p.CustomerID {
			// Its users' confinement was decided by it: a provider never
			// moves between customers, or to the MSP.
			return gatehouse.Invalid("customer_id", "a provider's customer is set when it is added; add another provider instead")
		}
		if err := f.Apply(&p); err != nil {
			return err
		}
		if err := s.checkMappings(ctx, c.AccountID, p); err != nil {
			return err
		}
		seal, err := s.sealSSOSecret(c.AccountID, f.ClientSecret)
		if err != nil {
			return err
		}
		out, err = s.store.UpdateSSOProvider(ctx, c.AccountID, p, seal)
		return err
	})
	return out, err
}

// DeleteSSOProvider removes an identity provider and the links it made;
// its users stay, confined as they were.
func (s *Service) DeleteSSOProvider(ctx context.Context, c *authz.Caller, id int64) error {
	if err := canManageSettings(c); err != nil {
		return err
	}
	return s.store.DeleteSSOProvider(ctx, c.AccountID, id)
}

// checkMappings refuses mapping a customer's own provider to a group
// reaching beyond that customer: its users could never join it.
func (s *Service) checkMappings(ctx context.Context, accountID int64, p gatehouse.SSOProvider) error {
	if p.CustomerID == 0 {
		return nil
	}
	for _, m := range p.Mappings {
		g, err := s.store.Group(ctx, accountID, m.GroupID)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			continue // the store names the field
		}
		if err != nil {
			return err
		}
		if err := confinedTo(g, p.CustomerID, "group_mappings", "this provider's users sign in through"); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sealSSOSecret(accountID int64, secret *string) (func(id int64) ([]byte, error), error) {
	if secret == nil {
		return nil, nil
	}
	if *secret == "" {
		return func(int64) ([]byte, error) { return nil, nil }, nil
	}
	if s.Vault == nil {
		return nil, gatehouse.Errorf(gatehouse.EConflict, "the server's vault has no key configured; client secrets cannot be stored")
	}
	plain := []byte(*secret)
	return func(id int64) ([]byte, error) { return s.Vault.Seal(plain, ssoAAD(accountID, id)) }, nil
}

// SSOCallbackURL is the redirect URI to register at every provider.
func (s *Service) SSOCallbackURL() string {
	if s.SSO == nil {
		return ""
	}
	return s.SSO.RedirectURL
}

// SignInProvider is a button on the sign-in page.
type SignInProvider struct {
	ID   int64
	Name string
}

// SignInProviders lists the enabled providers of the account a sign-in
// page is for (named by its slug, or the server's only account).
func (s *Service) SignInProviders(ctx context.Context, slug string) ([]SignInProvider, error) {
	acct, err := s.signInAccount(ctx, slug)
	if err != nil || acct.ID == 0 || s.SSO == nil {
		return nil, nil // the page just shows no buttons
	}
	all, err := s.store.SSOProviders(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	var out []SignInProvider
	for _, p := range all {
		if p.Enabled {
			out = append(out, SignInProvider{ID: p.ID, Name: p.Name})
		}
	}
	return out, nil
}

// ssoPending is what a sign-in at a provider keeps server-side.
type ssoPending struct {
	Provider int64       `json:"provider"`
	Request  sso.Request `json:"request"`
	Next     string      `json:"next"`
}

// StartSSO begins a sign-in at a provider: it keeps the request's nonce
// and PKCE verifier under the state's hash, and answers the state (for
// the browser's cookie) and where to send the browser.
func (s *Service) StartSSO(ctx context.Context, providerID int64, next, addr string) (state, redirect string, err error) {
	if s.SSO == nil {
		return "", "", noSSO
	}
	if err := s.openCeremony(addr); err != nil {
		return "", "", err
	}
	p, err := s.store.SSOProviderByID(ctx, providerID)
	if err != nil || !p.Enabled {
		return "", "", gatehouse.NotFound("identity provider")
	}
	pr, err := s.openProvider(p)
	if err != nil {
		return "", "", err
	}
	req, err := sso.NewRequest()
	if err != nil {
		return "", "", err
	}
	data, err := json.Marshal(ssoPending{Provider: p.ID, Request: req, Next: next})
	if err != nil {
		return "", "", err
	}
	if _, err := s.store.CreateChallenge(ctx, auth.HashToken(req.State), gatehouse.Challenge{Kind: gatehouse.ChallengeSSO,
		AccountID: p.AccountID, Data: string(data), ExpiresAt: s.now().Add(ssoTTL)}); err != nil {
		return "", "", err
	}
	url, err := s.SSO.AuthURL(ctx, pr, req)
	if err != nil {
		return "", "", gatehouse.Errorf(gatehouse.EUnavailable, "the identity provider %s cannot be reached; try again later", p.Name)
	}
	return req.State, url, nil
}

func (s *Service) openProvider(p gatehouse.SSOProvider) (sso.Provider, error) {
	pr := sso.Provider{Issuer: p.Issuer, ClientID: p.ClientID, GroupsClaim: p.GroupsClaim}
	if p.ClientSecret == nil {
		return pr, nil
	}
	if s.Vault == nil {
		return pr, gatehouse.Errorf(gatehouse.EConflict, "the server's vault has no key configured; single sign-on cannot be used")
	}
	plain, err := s.Vault.Open(p.ClientSecret, ssoAAD(p.AccountID, p.ID))
	pr.ClientSecret = string(plain)
	return pr, err
}

// SSOCallback is the provider's answer, as the browser brings it back.
type SSOCallback struct {
	State, Code string
	// CookieState is the state this browser started with; a callback
	// without it is someone else's sign-in.
	CookieState     string
	Addr, UserAgent string
}

// FinishSSO completes a sign-in at a provider: the state must be this
// browser's and unused, the ID token must verify, and the person must
// match a user — by the identity linked before, by a verified address in
// an allowed domain, or by provisioning when the provider allows it. A
// customer's own provider only ever reaches users confined to that
// customer. It answers where the browser was going.
func (s *Service) FinishSSO(ctx context.Context, in SSOCallback) (SignInResult, string, error) {
	bad := gatehouse.Errorf(gatehouse.EUnauthorized, "the sign-in with your identity provider did not complete; try again")
	if s.SSO == nil {
		return SignInResult{}, "", noSSO
	}
	if in.State == "" || in.State != in.CookieState {
		return SignInResult{}, "", bad
	}
	ch, err := s.store.Challenge(ctx, auth.HashToken(in.State), gatehouse.ChallengeSSO)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return SignInResult{}, "", bad
	}
	if err != nil {
		return SignInResult{}, "", err
	}
	if ok, err := s.store.TakeChallenge(ctx, ch.ID); err != nil || !ok {
		return SignInResult{}, "", cmpErr(err, bad)
	}
	var pending ssoPending
	if err := json.Unmarshal([]byte(ch.Data), &pending); err != nil {
		return SignInResult{}, "", err
	}
	pending.Request.State = in.State
	p, err := s.store.SSOProvider(ctx, ch.AccountID, pending.Provider)
	if err != nil || !p.Enabled {
		return SignInResult{}, "", bad
	}
	pr, err := s.openProvider(p)
	if err != nil {
		return SignInResult{}, "", err
	}
	ctx = audit.WithActor(ctx, audit.Actor{IP: in.Addr})
	claims, err := s.SSO.Exchange(ctx, pr, pending.Request, in.Code)
	if err != nil {
		return SignInResult{}, "", s.ssoRefused(ctx, p, "", err.Error(), bad)
	}
	u, err := s.ssoUser(ctx, p, claims)
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.EForbidden {
			return SignInResult{}, "", s.ssoRefused(ctx, p, claims.Email, err.Error(), err)
		}
		return SignInResult{}, "", err
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: in.Addr})
	if err := s.syncSSOGroups(ctx, p, u, claims.Groups); err != nil {
		return SignInResult{}, "", err
	}
	if err := s.store.RecordAudit(ctx, p.AccountID, audit.Event{Action: "auth.sso_sign_in", TargetType: "user", TargetID: u.ID,
		After: map[string]any{"sso_provider_id": p.ID, "provider": p.Name, "subject": claims.Subject, "email": claims.Email,
			"provider_mfa": claims.MFA}}); err != nil {
		return SignInResult{}, "", err
	}
	first := firstFactor{name: "single sign-on: " + p.Name, addr: in.Addr, userAgent: in.UserAgent}
	if claims.MFA {
		first.mfa = gatehouse.MethodSSO
	}
	res, err := s.firstFactorPassed(ctx, p.AccountID, u, first)
	return res, pending.Next, err
}

// ssoRefused audits a refused sign-in at a provider, naming it, and
// answers with err.
func (s *Service) ssoRefused(ctx context.Context, p gatehouse.SSOProvider, email, reason string, err error) error {
	if aerr := s.store.RecordAudit(ctx, p.AccountID, audit.Event{Action: "auth.sso_sign_in_failed", TargetType: "sso_provider",
		TargetID: p.ID, After: map[string]any{"provider": p.Name, "email": email, "reason": reason}}); aerr != nil {
		return aerr
	}
	return err
}

// ssoUser finds, links or provisions the user a provider vouches for.
func (s *Service) ssoUser(ctx context.Context, p gatehouse.SSOProvider, cl sso.Claims) (gatehouse.User, error) {
	refuse := func(msg string, args ...any) (gatehouse.User, error) {
		return gatehouse.User{}, gatehouse.Errorf(gatehouse.EForbidden, msg, args...)
	}
	if id, err := s.store.SSOIdentity(ctx, p.AccountID, p.ID, cl.Subject); err == nil {
		u, err := s.store.User(ctx, p.AccountID, id)
		if err != nil {
			return u, err
		}
		if u.Disabled {
			return refuse("your Gatehouse user is disabled")
		}
		return u, s.checkProviderReach(ctx, p, u)
	} else if gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		return gatehouse.User{}, err
	}
	email, err := gatehouse.NormalizeEmail(cl.Email)
	switch {
	case err != nil || !cl.EmailVerified:
		return refuse("%s did not vouch for a verified email address", p.Name)
	case !p.AllowsEmail(email):
		return refuse("%s may not sign in addresses of that domain here", p.Name)
	}
	var out gatehouse.User
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		u, err := s.store.UserByEmail(ctx, p.AccountID, email)
		switch {
		case err == nil:
			if u.Disabled {
				return gatehouse.Errorf(gatehouse.EForbidden, "your Gatehouse user is disabled")
			}
			if err := s.checkProviderReach(ctx, p, u); err != nil {
				return err
			}
		case gatehouse.ErrorCode(err) != gatehouse.ENotFound:
			return err
		case !p.Provision:
			return gatehouse.Errorf(gatehouse.EForbidden, "there is no Gatehouse user for %s; ask an administrator to add you", email)
		default:
			if u, err = s.provision(ctx, p, email, cl.Name); err != nil {
				return err
			}
		}
		out = u
		return s.store.LinkSSOIdentity(ctx, p.AccountID, p.ID, cl.Subject, u.ID)
	})
	return out, err
}

// checkProviderReach refuses a customer's own provider signing in a
// user who is not confined to that very customer: a client's directory
// never vouches for the MSP's staff.
func (s *Service) checkProviderReach(ctx context.Context, p gatehouse.SSOProvider, u gatehouse.User) error {
	if p.CustomerID == 0 {
		return nil
	}
	customer, confined, err := s.store.Confinement(ctx, p.AccountID, u.ID)
	if err != nil {
		return err
	}
	if !confined || customer != p.CustomerID {
		return gatehouse.Errorf(gatehouse.EForbidden, "%s signs in only the users of its own customer; %s is not one of them", p.Name, u.Email)
	}
	return nil
}

// provision creates the user a provider vouches for, with no password
// and no groups yet (the mapping adds them); a customer's provider
// confines them to its customer.
func (s *Service) provision(ctx context.Context, p gatehouse.SSOProvider, email, name string) (gatehouse.User, error) {
	if name, _ = gatehouse.NormalizeUserName(name); name == "" {
		name = email
	}
	u, err := s.store.CreateUser(ctx, p.AccountID, gatehouse.UserCreate{Email: email, Name: name, GroupIDs: []int64{}})
	if err != nil {
		return u, err
	}
	if err := s.store.RecordAudit(ctx, p.AccountID, audit.Event{Action: "sso.provision", TargetType: "user", TargetID: u.ID,
		After: map[string]any{"sso_provider_id": p.ID, "provider": p.Name, "email": email}}); err != nil {
		return u, err
	}
	if p.CustomerID != 0 {
		return u, s.store.Confine(ctx, p.AccountID, u.ID, p.CustomerID)
	}
	return u, nil
}

// syncSSOGroups makes the user's membership of every group the provider
// maps follow the groups claim: mapped groups the claim names are
// joined, the others left. Groups no mapping names are untouched. A
// confined user never joins a group beyond their customer: such a
// mapping is skipped and audited.
func (s *Service) syncSSOGroups(ctx context.Context, p gatehouse.SSOProvider, u gatehouse.User, claimed []string) error {
	if len(p.Mappings) == 0 {
		return nil
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, p.AccountID); err != nil {
			return err
		}
		u, err := s.store.User(ctx, p.AccountID, u.ID)
		if err != nil {
			return err
		}
		customer, confined, err := s.store.Confinement(ctx, p.AccountID, u.ID)
		if err != nil {
			return err
		}
		want := slices.Clone(u.GroupIDs)
		for _, m := range p.Mappings {
			want = slices.DeleteFunc(want, func(id int64) bool { return id == m.GroupID })
		}
		for _, m := range p.Mappings {
			if !slices.Contains(claimed, m.Claim) || slices.Contains(want, m.GroupID) {
				continue
			}
			g, err := s.store.Group(ctx, p.AccountID, m.GroupID)
			if err != nil {
				return err
			}
			if confined {
				var ce *access.ConfinementError
				if err := access.WithinCustomer(g.AccessGroup(), customer); errors.As(err, &ce) {
					if err := s.store.RecordAudit(ctx, p.AccountID, audit.Event{Action: "sso.group_refused", TargetType: "user", TargetID: u.ID,
						After: map[string]any{"provider": p.Name, "security_group_id": g.ID, "group": g.Name, "reason": "beyond the user's customer"}}); err != nil {
						return err
					}
					continue
				}
			}
			want = append(want, m.GroupID)
		}
		slices.Sort(want)
		have := slices.Sorted(slices.Values(u.GroupIDs))
		if slices.Equal(want, have) {
			return nil
		}
		_, err = s.store.UpdateUser(ctx, p.AccountID, u.ID, gatehouse.UserUpdate{GroupIDs: &want})
		return err
	})
}
