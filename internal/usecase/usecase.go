// Package usecase runs Gatehouse's security-relevant use cases — security
// groups, users, a customer's groups, API tokens, sign-in, credential
// reveals, script runs, policy assignment — in one place below every
// surface. The JSON API, the web admin and the decision API only decode
// input and render results; each use case here takes the caller, opens one
// store transaction, normalises the input first, validates it, asks the
// pure decision engine (package access), writes, and lets the store append
// the audit entry — in that order. A surface cannot sequence the rules
// differently because it never sequences them at all.
package usecase

import (
	"context"
	"errors"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/passkey"
	"gatehouse/internal/records"
	"gatehouse/internal/sso"
	"gatehouse/internal/throttle"
)

// Store is the storage the use cases read and write. Every method called
// with the context Atomic hands its function joins that transaction.
type Store interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	LockAccount(ctx context.Context, accountID int64) error

	Account(ctx context.Context, id int64) (gatehouse.Account, error)
	AccountBySlug(ctx context.Context, slug string) (gatehouse.Account, error)
	SoleAccount(ctx context.Context) (gatehouse.Account, error)
	Subject(ctx context.Context, accountID, userID int64) (access.Subject, int64, error)
	AccountSubjects(ctx context.Context, accountID int64) ([]gatehouse.AccountSubject, error)
	RecordAudit(ctx context.Context, accountID int64, ev audit.Event) error
	ListAudit(ctx context.Context, accountID int64, scope access.Scope, accountLevel bool, f audit.Filter) (gatehouse.Page[audit.Entry], error)

	ListGroups(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.SecurityGroup], error)
	Group(ctx context.Context, accountID, id int64) (gatehouse.SecurityGroup, error)
	DefaultGroupIDs(ctx context.Context, accountID int64) ([]int64, error)
	CreateGroup(ctx context.Context, accountID int64, g gatehouse.SecurityGroup) (gatehouse.SecurityGroup, error)
	UpdateGroup(ctx context.Context, accountID int64, g gatehouse.SecurityGroup) (gatehouse.SecurityGroup, error)
	DeleteGroup(ctx context.Context, accountID, id int64) error

	User(ctx context.Context, accountID, id int64) (gatehouse.User, error)
	UserByEmail(ctx context.Context, accountID int64, email string) (gatehouse.User, error)
	CreateUser(ctx context.Context, accountID int64, u gatehouse.UserCreate) (gatehouse.User, error)
	UpdateUser(ctx context.Context, accountID, id int64, upd gatehouse.UserUpdate) (gatehouse.User, error)
	DeleteUser(ctx context.Context, accountID, id int64) error

	Customer(ctx context.Context, accountID int64, scope access.Scope, id int64) (gatehouse.Customer, error)
	ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error)
	CreateCustomer(ctx context.Context, accountID int64, f gatehouse.CustomerFields) (gatehouse.Customer, error)
	UpdateCustomer(ctx context.Context, accountID int64, scope access.Scope, id int64, f gatehouse.CustomerFields) (gatehouse.Customer, error)
	DeleteCustomer(ctx context.Context, accountID int64, scope access.Scope, id int64) error
	SetCustomerArchived(ctx context.Context, accountID int64, scope access.Scope, id int64, archived bool) (gatehouse.Customer, error)
	CustomerRecordCounts(ctx context.Context, accountID, id int64) (map[string]int, error)
	CustomerGroupIDs(ctx context.Context, accountID int64, scope access.Scope, customerID int64) ([]int64, error)
	CustomerGroupDiff(ctx context.Context, accountID int64, scope access.Scope, customerID int64, groupIDs []int64) (added, removed []gatehouse.SecurityGroup, err error)
	SetCustomerGroups(ctx context.Context, accountID int64, scope access.Scope, customerID int64, groupIDs []int64) ([]int64, error)

	CreateToken(ctx context.Context, t gatehouse.Token) (gatehouse.Token, error)
	DeleteToken(ctx context.Context, accountID, userID, tokenID int64) error
	ListTokens(ctx context.Context, accountID, userID int64) ([]gatehouse.Token, error)

	CreateAPIClient(ctx context.Context, c gatehouse.APIClient) (gatehouse.APIClient, error)
	APIClients(ctx context.Context, accountID int64) ([]gatehouse.APIClient, error)
	DeleteAPIClient(ctx context.Context, accountID, id int64) error

	CreateRecord(ctx context.Context, accountID int64, m *records.Module, allow records.Reach, in records.Input) (records.Record, error)
	UpdateRecord(ctx context.Context, accountID int64, m *records.Module, id int64, in records.Input, reaches ...records.Reach) (records.Record, error)
	DeleteRecord(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) error
	ScriptRunOutput(ctx context.Context, accountID, id int64, reach records.Reach) (records.Record, string, error)
	AddNote(ctx context.Context, accountID int64, kind records.NoteKind, parentID, authorID int64, body string, reaches ...records.Reach) (records.Note, error)
	CampaignRecipients(ctx context.Context, accountID, id int64, audience func(campaignCustomer int64) access.Scope, reaches ...records.Reach) ([]records.Recipient, error)
	SendCampaign(ctx context.Context, accountID, id int64, audience func(campaignCustomer int64) access.Scope, reaches ...records.Reach) (records.Record, error)
	PolicyCustomers(ctx context.Context, accountID, policyID int64, reach records.Reach, shown access.Scope) ([]int64, error)
	ClearAlert(ctx context.Context, accountID, id, userID int64, reaches ...records.Reach) (records.Record, error)
	ConvertEstimate(ctx context.Context, accountID, id int64, number, issuedOn string, allow records.Reach, decide func(customer int64) error, reaches ...records.Reach) (records.Record, error)
	SealedSecret(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, []byte, error)
	CreateScriptRun(ctx context.Context, accountID, scriptID, assetID, requestedBy int64, scriptReach, assetReach records.Reach, decide func(scriptCustomer, assetCustomer int64) error) (records.Record, error)
	SetAssetPolicy(ctx context.Context, accountID, assetID, policyID int64, assetReaches []records.Reach, policyReach records.Reach, decide func(policyCustomer, assetCustomer int64) error) (records.Record, error)
	AssignPolicy(ctx context.Context, accountID, policyID, customerID int64, assign bool, reach records.Reach, decide func(policyCustomer, customer int64) error) error
	ConvertLead(ctx context.Context, accountID, id int64, decide func(leadCustomer int64) error, shown access.Scope, reaches ...records.Reach) (records.Record, gatehouse.Customer, error)

	IdentityStore
}

// Sealer encrypts credential secrets at rest.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Service runs the use cases over one store.
type Service struct {
	store     Store
	passwords *auth.Hasher
	signIns   *throttle.Limiter
	now       func() time.Time

	// SessionTTL caps how long a sign-in lasts, whatever the account's
	// settings allow.
	SessionTTL time.Duration
	// Vault seals credential secrets; without one, secrets can be
	// neither stored nor revealed.
	Vault Sealer
	// MailQueued, when set, is told that the outbox has new mail.
	MailQueued func()
	// Passkeys is the WebAuthn relying party; nil: passkeys are off.
	Passkeys *passkey.RP
	// SSO talks to OpenID Connect providers; nil: single sign-on is off.
	SSO *sso.Client

	// codes slows guessing of second-factor codes, like signIns does
	// passwords; ceremonies bounds how many passwordless and single
	// sign-on ceremonies (rows kept until they expire) one address may
	// open without signing in.
	codes      *throttle.Limiter
	ceremonies *throttle.Limiter
}

// Config tunes a Service.
type Config struct {
	Password auth.Params // argon2id cost of new hashes
	// HashSlots is how many password hashes run at once (the cores);
	// HashWait how long a sign-in queues for one before "busy".
	HashSlots int
	HashWait  time.Duration
	Now       func() time.Time
}

// New returns the use cases over store.
func New(store Store, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HashWait == 0 {
		cfg.HashWait = 10 * time.Second
	}
	return &Service{
		store:      store,
		passwords:  auth.NewHasher(cfg.Password, cfg.HashSlots, cfg.HashWait),
		signIns:    throttle.New(10, 15*time.Minute),
		codes:      throttle.New(5, 15*time.Minute),
		ceremonies: throttle.New(60, 10*time.Minute),
		now:        cfg.Now,
		SessionTTL: gatehouse.MaxSessionHours * time.Hour,
	}
}

var (
	permCustomersView   = catalog.MustLookup("customers.view")
	permCustomersCreate = catalog.MustLookup("customers.create")
	permCustomersEdit   = catalog.MustLookup("customers.edit")
	permCustomersDelete = catalog.MustLookup("customers.delete")
	permGroupsView      = catalog.MustLookup("security_groups.view")
	permUsersManage     = catalog.MustLookup("users.manage")
	permTokensManage    = catalog.MustLookup("api_tokens.manage")
	permAuditView       = catalog.MustLookup("audit_log.view")
	permSettingsManage  = catalog.MustLookup("settings.manage")
)

// Mode says how an access change applies.
type Mode struct {
	kind   uint8
	expect string // Confirmed: the digest of the impact the caller saw
}

const (
	apply uint8 = iota
	preview
	report
)

var (
	// Apply writes the change.
	Apply = Mode{kind: apply}
	// Preview reports who gains and who loses what, and writes nothing.
	Preview = Mode{kind: preview}
	// ApplyAndReport writes the change and reports its impact.
	ApplyAndReport = Mode{kind: report}
)

// Confirmed writes the change only if its impact is still the one a
// preview showed (Impact.Digest); otherwise nothing is written and the
// error says the access has changed since.
func Confirmed(digest string) Mode { return Mode{kind: report, expect: digest} }

func (m Mode) reports() bool { return m.kind != apply }

// errPreview rolls back a change whose caller only wanted its impact.
var errPreview = errors.New("preview")

// ErrImpactChanged refuses a confirmed change whose impact moved since
// its preview: the caller must look again.
var ErrImpactChanged = &gatehouse.Error{Code: gatehouse.EConflict, Field: "confirm",
	Message: "access changed since the preview was made; review the change again"}

// change runs write as one security change of the caller's account: in
// one transaction, with the account locked so security changes of one
// account apply one at a time. When the mode reports, it compares every
// user's effective access before and after; a preview then rolls the
// change back. The preview is the change itself, so the two cannot
// disagree.
func (s *Service) change(ctx context.Context, c *authz.Caller, mode Mode, write func(ctx context.Context) error) (Impact, error) {
	var imp Impact
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, c.AccountID); err != nil {
			return err
		}
		var before []gatehouse.AccountSubject
		if mode.reports() {
			var err error
			if before, err = s.store.AccountSubjects(ctx, c.AccountID); err != nil {
				return err
			}
		}
		if err := write(ctx); err != nil || !mode.reports() {
			return err
		}
		after, err := s.store.AccountSubjects(ctx, c.AccountID)
		if err != nil {
			return err
		}
		imp = diffAccess(c, before, after, s.now())
		switch {
		case mode == Preview:
			return errPreview
		case mode.expect != "" && mode.expect != imp.Digest():
			return ErrImpactChanged
		}
		return nil
	})
	if errors.Is(err, errPreview) {
		err = nil
	}
	return imp, err
}
