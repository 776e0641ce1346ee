package gatehouse

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MFAState is what the enforcement path needs to know about second
// factors on each request: when the session last saw one, whether the
// user has any, whether they must, and the account's windows.
type MFAState struct {
	// TokenCreated is when the session or token was opened.
	TokenCreated time.Time
	// MFAAt is when a second factor was last presented on this session;
	// zero: never.
	MFAAt     time.Time
	MFAMethod string
	// HasFactor: the user has a confirmed TOTP or a passkey.
	HasFactor bool
	// MFARequired: the account requires MFA of everyone, or one of the
	// user's groups requires it of its members.
	MFARequired bool
	// StepUp is how recent a second factor must be for a sensitive
	// permission; SessionIdle and SessionMax end sign-in sessions.
	StepUp, SessionIdle, SessionMax time.Duration
}

// MustEnrol reports whether the user may do nothing but enrol a second
// factor: one is required of them and they have none.
func (m MFAState) MustEnrol() bool { return m.MFARequired && !m.HasFactor }

// SteppedUp reports whether a second factor was presented on this
// session within the step-up window.
func (m MFAState) SteppedUp(now time.Time) bool {
	return !m.MFAAt.IsZero() && now.Sub(m.MFAAt) < m.StepUp
}

// Second-factor methods, as sessions and the audit log name them.
const (
	MethodTOTP     = "totp"
	MethodRecovery = "recovery_code"
	MethodPasskey  = "passkey"
	MethodSSO      = "sso" // the identity provider said it did MFA
)

// Settings are an account's sign-in rules.
type Settings struct {
	RequireMFA bool
	// MFAGroupIDs are the security groups whose members must use MFA.
	MFAGroupIDs []int64
	// StepUpMinutes is how recent a second factor must be for a
	// sensitive permission.
	StepUpMinutes int
	// SessionIdleMinutes ends a sign-in unused that long;
	// SessionMaxHours ends any sign-in that old.
	SessionIdleMinutes int
	SessionMaxHours    int
	// SSOOnly forbids password sign-in to users linked to an identity
	// provider.
	SSOOnly   bool
	UpdatedAt time.Time
}

// Setting bounds.
const (
	DefaultStepUpMinutes      = 15
	DefaultSessionIdleMinutes = 120
	DefaultSessionMaxHours    = 12
	MaxStepUpMinutes          = 24 * 60
	MaxSessionIdleMinutes     = 30 * 24 * 60
	MaxSessionHours           = 30 * 24
)

// DefaultSettings are an account's settings until they are saved.
func DefaultSettings() Settings {
	return Settings{MFAGroupIDs: []int64{}, StepUpMinutes: DefaultStepUpMinutes,
		SessionIdleMinutes: DefaultSessionIdleMinutes, SessionMaxHours: DefaultSessionMaxHours}
}

// SettingsChange changes only the fields that are set.
type SettingsChange struct {
	RequireMFA         *bool
	MFAGroupIDs        *[]int64
	StepUpMinutes      *int
	SessionIdleMinutes *int
	SessionMaxHours    *int
	SSOOnly            *bool
}

// Apply copies the set fields onto s and validates the result, naming
// every field out of range.
func (f SettingsChange) Apply(s *Settings) error {
	if f.RequireMFA != nil {
		s.RequireMFA = *f.RequireMFA
	}
	if f.MFAGroupIDs != nil {
		s.MFAGroupIDs = DedupIDs(*f.MFAGroupIDs)
	}
	if f.StepUpMinutes != nil {
		s.StepUpMinutes = *f.StepUpMinutes
	}
	if f.SessionIdleMinutes != nil {
		s.SessionIdleMinutes = *f.SessionIdleMinutes
	}
	if f.SessionMaxHours != nil {
		s.SessionMaxHours = *f.SessionMaxHours
	}
	if f.SSOOnly != nil {
		s.SSOOnly = *f.SSOOnly
	}
	var errs Invalids
	if s.StepUpMinutes < 1 || s.StepUpMinutes > MaxStepUpMinutes {
		errs.Add(Invalid("step_up_minutes", "from 1 to %d minutes", MaxStepUpMinutes))
	}
	if s.SessionIdleMinutes < 5 || s.SessionIdleMinutes > MaxSessionIdleMinutes {
		errs.Add(Invalid("session_idle_minutes", "from 5 to %d minutes", MaxSessionIdleMinutes))
	}
	if s.SessionMaxHours < 1 || s.SessionMaxHours > MaxSessionHours {
		errs.Add(Invalid("session_max_hours", "from 1 to %d hours", MaxSessionHours))
	}
	return errs.Err()
}

// Passkey is a registered WebAuthn credential (a passkey or a security
// key), without its key material.
type Passkey struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Factors are a user's second factors.
type Factors struct {
	TOTP              bool
	TOTPSince         time.Time
	Passkeys          []Passkey
	RecoveryCodesLeft int
}

// Any reports whether the user has a second factor.
func (f Factors) Any() bool { return f.TOTP || len(f.Passkeys) > 0 }

// Challenge is a short-lived ceremony found by the hash of a random id:
// a sign-in waiting for its second factor, a WebAuthn challenge, an
// OpenID Connect state.
type Challenge struct {
	ID        int64
	Kind      string
	AccountID int64 // 0: not yet known (a passkey sign-in)
	UserID    int64
	Data      string
	Attempts  int
	ExpiresAt time.Time
}

// Challenge kinds.
const (
	ChallengeMFA             = "mfa"              // a sign-in waiting for its second factor
	ChallengeTOTPEnrol       = "totp_enrol"       // a TOTP secret not confirmed yet
	ChallengePasskeyRegister = "passkey_register" // a WebAuthn registration
	ChallengePasskeySignIn   = "passkey_sign_in"  // a passwordless WebAuthn sign-in
	ChallengePasskeyStepUp   = "passkey_step_up"  // a WebAuthn step-up
	ChallengeSSO             = "sso"              // an OpenID Connect authorization request
)

// Confinement ties a user to the one customer whose own identity
// provider vouches for them.
type Confinement struct {
	UserID     int64
	Email      string
	CustomerID int64
}

// SSOProvider is an OpenID Connect provider of an account, or of one of
// its customers.
type SSOProvider struct {
	ID        int64
	AccountID int64
	Name      string
	Issuer    string
	ClientID  string
	// ClientSecret is sealed by the vault; nil for a public client.
	ClientSecret   []byte
	AllowedDomains []string
	// CustomerID makes it a customer's own provider: its users are
	// confined to that customer. 0: the MSP's.
	CustomerID int64
	// Provision creates a user on a first sign-in no user matches.
	Provision   bool
	GroupsClaim string
	Mappings    []GroupMapping
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupMapping puts users whose groups claim holds Claim in the group.
type GroupMapping struct {
	Claim   string
	GroupID int64
}

// SSOProviderFields are a provider's editable fields; nil is unchanged.
// ClientSecret is plaintext here, sealed before it is stored.
type SSOProviderFields struct {
	Name           *string
	Issuer         *string
	ClientID       *string
	ClientSecret   *string
	AllowedDomains *[]string
	CustomerID     *int64
	Provision      *bool
	GroupsClaim    *string
	Mappings       *[]GroupMapping
	Enabled        *bool
}

// Apply copies the set fields other than the secret onto p, normalised,
// and validates them, naming every bad field.
func (f SSOProviderFields) Apply(p *SSOProvider) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&p.Name, f.Name)
	set(&p.Issuer, f.Issuer)
	set(&p.ClientID, f.ClientID)
	set(&p.GroupsClaim, f.GroupsClaim)
	p.Issuer = strings.TrimRight(p.Issuer, "/")
	if p.GroupsClaim == "" {
		p.GroupsClaim = "groups"
	}
	if f.AllowedDomains != nil {
		p.AllowedDomains = []string{}
		for _, d := range *f.AllowedDomains {
			d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
			if d != "" && !slices.Contains(p.AllowedDomains, d) {
				p.AllowedDomains = append(p.AllowedDomains, d)
			}
		}
	}
	if f.CustomerID != nil {
		p.CustomerID = *f.CustomerID
	}
	if f.Provision != nil {
		p.Provision = *f.Provision
	}
	if f.Enabled != nil {
		p.Enabled = *f.Enabled
	}
	if f.Mappings != nil {
		p.Mappings = p.Mappings[:0:0]
		for _, m := range *f.Mappings {
			m.Claim = strings.TrimSpace(m.Claim)
			if !slices.Contains(p.Mappings, m) {
				p.Mappings = append(p.Mappings, m)
			}
		}
	}
	return p.Validate()
}

// Validate names every invalid field of a provider.
func (p SSOProvider) Validate() error {
	var errs Invalids
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		errs.Add(Invalid("name", "a name of 1 to 100 characters is required"))
	}
	errs.Add(ValidIssuer(p.Issuer))
	if p.ClientID == "" || len(p.ClientID) > 500 {
		errs.Add(Invalid("client_id", "the client id the provider issued is required"))
	}
	for _, d := range p.AllowedDomains {
		if strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") || len(d) > 253 {
			errs.Add(Invalid("allowed_domains", "%q is not a domain name", d))
			break
		}
	}
	if p.CustomerID < 0 {
		errs.Add(Invalid("customer_id", "not a customer id"))
	}
	if len(p.GroupsClaim) > 100 {
		errs.Add(Invalid("groups_claim", "at most 100 characters"))
	}
	for _, m := range p.Mappings {
		if m.Claim == "" || utf8.RuneCountInString(m.Claim) > 200 || m.GroupID <= 0 {
			errs.Add(Invalid("group_mappings", "each mapping needs a claim value (1 to 200 characters) and a security group"))
			break
		}
	}
	return errs.Err()
}

// ValidIssuer checks an issuer URL: https, or http on a loopback host
// (a provider on the same machine, as in development).
func ValidIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	bad := Invalid("issuer", "an https URL such as https://login.example.com is required")
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return bad
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || h == "127.0.0.1" || h == "::1" {
			return nil
		}
	}
	return bad
}

// AllowsEmail reports whether an address is in one of the provider's
// allowed domains; an empty list allows every domain.
func (p SSOProvider) AllowsEmail(email string) bool {
	if len(p.AllowedDomains) == 0 {
		return true
	}
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	return ok && slices.Contains(p.AllowedDomains, domain)
}

// StoredPasskey is a passkey with what verifying it needs: the
// credential id, the user handle it was made for, and the verified
// credential as the WebAuthn library keeps it (JSON).
type StoredPasskey struct {
	Passkey
	AccountID    int64
	CredentialID []byte
	Handle       []byte
	Credential   string
}
