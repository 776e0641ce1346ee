package usecase

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// How long a sign-in waits for its second factor, and how many wrong
// answers it takes before it must start over.
const (
	mfaChallengeTTL = 5 * time.Minute
	mfaMaxAttempts  = 5
	enrolTTL        = 15 * time.Minute
)

// firstFactor says how a sign-in passed its first step: the session's
// name, and where from.
type firstFactor struct {
	name            string // "sign-in", "single sign-on: Entra", "passkey sign-in"
	addr, userAgent string
	// mfa is the second factor already presented (a passkey with user
	// verification, or one the identity provider vouches for).
	mfa string
}

// pendingSignIn is what a sign-in waiting for its second factor keeps.
type pendingSignIn struct {
	Name      string `json:"name"`
	Addr      string `json:"addr"`
	UserAgent string `json:"user_agent"`
	// Passkey is a WebAuthn assertion's session, once asked for.
	Passkey json.RawMessage `json:"passkey,omitempty"`
}

// firstFactorPassed opens the session — or, when the user has a second
// factor not yet presented, a challenge for it.
func (s *Service) firstFactorPassed(ctx context.Context, accountID int64, u gatehouse.User, first firstFactor) (SignInResult, error) {
	f, err := s.store.Factors(ctx, accountID, u.ID)
	if err != nil {
		return SignInResult{}, err
	}
	if f.Any() && first.mfa == "" {
		return s.mfaChallenge(ctx, accountID, u.ID, f, first)
	}
	required := false
	if !f.Any() {
		if required, err = s.mfaRequired(ctx, accountID, u.ID); err != nil {
			return SignInResult{}, err
		}
	}
	res, err := s.openSession(ctx, accountID, u.ID, first, first.mfa)
	res.MustEnrol = required
	return res, err
}

// mfaRequired reports whether the account, or one of the user's groups,
// requires a second factor of them.
func (s *Service) mfaRequired(ctx context.Context, accountID, userID int64) (bool, error) {
	st, err := s.store.Settings(ctx, accountID)
	if err != nil || st.RequireMFA {
		return st.RequireMFA, err
	}
	u, err := s.store.User(ctx, accountID, userID)
	if err != nil {
		return false, err
	}
	for _, g := range u.GroupIDs {
		if slices.Contains(st.MFAGroupIDs, g) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Service) mfaChallenge(ctx context.Context, accountID, userID int64, f gatehouse.Factors, first firstFactor) (SignInResult, error) {
	data, err := json.Marshal(pendingSignIn{Name: first.name, Addr: first.addr, UserAgent: first.userAgent})
	if err != nil {
		return SignInResult{}, err
	}
	id, hash, err := auth.NewChallengeID()
	if err != nil {
		return SignInResult{}, err
	}
	ch, err := s.store.CreateChallenge(ctx, hash, gatehouse.Challenge{Kind: gatehouse.ChallengeMFA, AccountID: accountID, UserID: userID,
		Data: string(data), ExpiresAt: s.now().Add(mfaChallengeTTL).UTC().Truncate(time.Millisecond)})
	if err != nil {
		return SignInResult{}, err
	}
	var methods []string
	if f.TOTP {
		methods = append(methods, gatehouse.MethodTOTP)
	}
	if len(f.Passkeys) > 0 && s.Passkeys != nil {
		methods = append(methods, gatehouse.MethodPasskey)
	}
	if f.RecoveryCodesLeft > 0 {
		methods = append(methods, gatehouse.MethodRecovery)
	}
	return SignInResult{Challenge: id, ChallengeExpires: ch.ExpiresAt, Methods: methods}, nil
}

// openSession issues the sign-in session, lasting as long as the
// account's settings allow.
func (s *Service) openSession(ctx context.Context, accountID, userID int64, first firstFactor, mfa string) (SignInResult, error) {
	st, err := s.store.Settings(ctx, accountID)
	if err != nil {
		return SignInResult{}, err
	}
	t := gatehouse.Token{AccountID: accountID, UserID: userID, Kind: gatehouse.TokenSession, Name: first.name,
		CreatedIP: first.addr, UserAgent: shorten(first.userAgent, 300), MFAMethod: mfa}
	if mfa != "" {
		t.MFAAt = s.now().UTC().Truncate(time.Millisecond)
	}
	ttl := min(time.Duration(st.SessionMaxHours)*time.Hour, s.SessionTTL)
	token, session, err := s.issue(ctx, t, ttl)
	return SignInResult{Token: token, Session: session}, err
}

// MFAProof is a second factor presented: a TOTP or recovery code, or a
// passkey's assertion (JSON) for the ceremony Challenge names.
type MFAProof struct {
	Code      string
	Passkey   []byte
	Challenge string
}

// CompleteMFA finishes a sign-in waiting for its second factor. Wrong
// answers are throttled like passwords, per user and per address, and
// five of them end the challenge.
func (s *Service) CompleteMFA(ctx context.Context, challenge string, proof MFAProof, addr string) (SignInResult, error) {
	gone := gatehouse.Errorf(gatehouse.EUnauthorized, "this sign-in has expired or is complete; sign in again")
	ch, err := s.store.Challenge(ctx, auth.HashToken(challenge), gatehouse.ChallengeMFA)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return SignInResult{}, gone
	}
	if err != nil {
		return SignInResult{}, err
	}
	var pending pendingSignIn
	if err := json.Unmarshal([]byte(ch.Data), &pending); err != nil {
		return SignInResult{}, err
	}
	u, err := s.store.User(ctx, ch.AccountID, ch.UserID)
	if err != nil || u.Disabled {
		return SignInResult{}, gone
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: addr})
	method, err := s.checkFactor(ctx, ch.AccountID, u, proof, pending.Passkey, addr)
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.EUnauthorized {
			if ferr := s.store.FailChallenge(ctx, ch.ID, mfaMaxAttempts); ferr != nil {
				return SignInResult{}, ferr
			}
		}
		return SignInResult{}, err
	}
	if ok, err := s.store.TakeChallenge(ctx, ch.ID); err != nil || !ok {
		return SignInResult{}, cmpErr(err, gone)
	}
	return s.openSession(ctx, ch.AccountID, u.ID, firstFactor{name: pending.Name, addr: pending.Addr, userAgent: pending.UserAgent}, method)
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// checkFactor verifies a second factor of u: a passkey's assertion
// against session, a six-digit TOTP code, or a recovery code. A wrong
// one counts against the throttle and is audited; a TOTP code is good
// once, and a recovery code too.
func (s *Service) checkFactor(ctx context.Context, accountID int64, u gatehouse.User, p MFAProof, session []byte, addr string) (string, error) {
	userKey := fmt.Sprintf("mfa:%d", u.ID)
	res, until, ok := s.codes.Reserve(userKey, "ip:"+addr)
	if !ok {
		return "", tooMany(until, s.now(), "too many wrong codes")
	}
	defer res.Cancel()
	var method string
	var good bool
	var err error
	switch {
	case p.Passkey != nil:
		method = gatehouse.MethodPasskey
		good, err = s.verifyPasskey(ctx, accountID, u, session, p.Passkey)
	case auth.LooksLikeTOTP(p.Code):
		method = gatehouse.MethodTOTP
		good, err = s.verifyTOTP(ctx, accountID, u.ID, p.Code)
	case p.Code != "":
		method = gatehouse.MethodRecovery
		good, err = s.store.UseRecoveryCode(ctx, accountID, u.ID, auth.HashRecoveryCode(p.Code))
	default:
		return "", gatehouse.Invalid("code", "enter the code from your authenticator app, or a recovery code")
	}
	if err != nil {
		return "", err
	}
	if !good {
		res.Fail()
		if err := s.store.RecordAudit(ctx, accountID, audit.Event{Action: "auth.mfa_failed", TargetType: "user", TargetID: u.ID,
			After: map[string]any{"method": method}}); err != nil {
			return "", err
		}
		if method == gatehouse.MethodPasskey {
			return "", gatehouse.Errorf(gatehouse.EUnauthorized, "the passkey was not accepted")
		}
		return "", &gatehouse.Error{Code: gatehouse.EUnauthorized, Field: "code", Message: "the code is wrong, or was used already"}
	}
	res.Succeed(userKey)
	return method, nil
}

// totpAAD binds a sealed TOTP secret to its user.
func totpAAD(accountID, userID int64) []byte {
	return fmt.Appendf(nil, "gatehouse totp secret %d/%d", accountID, userID)
}

// verifyTOTP accepts a code of the user's secret at most once: its time
// step must be later than the last one accepted.
func (s *Service) verifyTOTP(ctx context.Context, accountID, userID int64, code string) (bool, error) {
	sealed, err := s.store.TOTPSecret(ctx, accountID, userID)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	secret, err := s.openTOTP(accountID, userID, sealed)
	if err != nil {
		return false, err
	}
	step, ok := auth.MatchTOTP(secret, code, s.now())
	if !ok {
		return false, nil
	}
	return s.store.UseTOTPStep(ctx, accountID, userID, step)
}

func (s *Service) openTOTP(accountID, userID int64, sealed []byte) (string, error) {
	if s.Vault == nil {
		return "", noVault
	}
	plain, err := s.Vault.Open(sealed, totpAAD(accountID, userID))
	return string(plain), err
}

var noVault = gatehouse.Errorf(gatehouse.EConflict, "the server's vault has no key configured; authenticator apps cannot be used")

// StepUp records a second factor presented on the caller's session, so
// sensitive permissions open for the account's step-up window. It
// answers until when.
func (s *Service) StepUp(ctx context.Context, c *authz.Caller, proof MFAProof, addr string) (time.Time, error) {
	if c.TokenKind != gatehouse.TokenSession {
		return time.Time{}, gatehouse.Errorf(gatehouse.EConflict, "personal API tokens do not step up; sign in to step up")
	}
	u, err := s.store.User(ctx, c.AccountID, c.UserID)
	if err != nil {
		return time.Time{}, err
	}
	var session []byte
	if proof.Passkey != nil {
		raw, err := s.takeUserCeremony(ctx, c, proof.Challenge, gatehouse.ChallengePasskeyStepUp)
		if err != nil {
			return time.Time{}, err
		}
		var data ceremonyData
		if err := json.Unmarshal(raw, &data); err != nil {
			return time.Time{}, err
		}
		session = data.Session
	}
	method, err := s.checkFactor(ctx, c.AccountID, u, proof, session, addr)
	if err != nil {
		return time.Time{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.SetTokenMFA(ctx, c.TokenID, now, method); err != nil {
		return time.Time{}, err
	}
	if err := s.store.RecordAudit(ctx, c.AccountID, audit.Event{Action: "auth.step_up", TargetType: "user", TargetID: c.UserID,
		After: map[string]any{"method": method, "token_id": c.TokenID}}); err != nil {
		return time.Time{}, err
	}
	c.MFAAt, c.MFAMethod = now, method
	return now.Add(c.StepUp), nil
}

// takeUserCeremony consumes a ceremony of the caller's, returning its
// data; someone else's, or an expired one, is not found.
func (s *Service) takeUserCeremony(ctx context.Context, c *authz.Caller, id, kind string) ([]byte, error) {
	gone := gatehouse.Errorf(gatehouse.EUnauthorized, "this confirmation has expired; try again")
	ch, err := s.store.Challenge(ctx, auth.HashToken(id), kind)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound || (err == nil && (ch.AccountID != c.AccountID || ch.UserID != c.UserID)) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if ok, err := s.store.TakeChallenge(ctx, ch.ID); err != nil || !ok {
		return nil, cmpErr(err, gone)
	}
	return []byte(ch.Data), nil
}

// MFAStatus is a user's second factors and whether one is required.
type MFAStatus struct {
	gatehouse.Factors
	Required bool
}

// MyFactors reads the caller's second factors.
func (s *Service) MyFactors(ctx context.Context, c *authz.Caller) (MFAStatus, error) {
	return s.factorStatus(ctx, c.AccountID, c.UserID)
}

// UserFactors reads another user's second factors, for an admin.
func (s *Service) UserFactors(ctx context.Context, c *authz.Caller, userID int64) (MFAStatus, error) {
	if _, err := s.store.User(ctx, c.AccountID, userID); err != nil {
		return MFAStatus{}, err
	}
	return s.factorStatus(ctx, c.AccountID, userID)
}

func (s *Service) factorStatus(ctx context.Context, accountID, userID int64) (MFAStatus, error) {
	f, err := s.store.Factors(ctx, accountID, userID)
	if err != nil {
		return MFAStatus{}, err
	}
	req, err := s.mfaRequired(ctx, accountID, userID)
	return MFAStatus{Factors: f, Required: req}, err
}

// TOTPEnrolment is an authenticator-app secret waiting for its first
// code: the secret as text, as an otpauth:// URL and as a QR code.
type TOTPEnrolment struct {
	Challenge string
	auth.TOTPKey
	ExpiresAt time.Time
}

// BeginTOTP makes a new authenticator-app secret for the caller. It
// replaces their current one only once a code from it is confirmed.
func (s *Service) BeginTOTP(ctx context.Context, c *authz.Caller) (TOTPEnrolment, error) {
	if s.Vault == nil {
		return TOTPEnrolment{}, noVault
	}
	acct, err := s.store.Account(ctx, c.AccountID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	key, err := auth.NewTOTPKey("Gatehouse", c.Email+" ("+acct.Slug+")")
	if err != nil {
		return TOTPEnrolment{}, err
	}
	sealed, err := s.Vault.Seal([]byte(key.Secret), totpAAD(c.AccountID, c.UserID))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	id, hash, err := auth.NewChallengeID()
	if err != nil {
		return TOTPEnrolment{}, err
	}
	ch, err := s.store.CreateChallenge(ctx, hash, gatehouse.Challenge{Kind: gatehouse.ChallengeTOTPEnrol, AccountID: c.AccountID,
		UserID: c.UserID, Data: base64.StdEncoding.EncodeToString(sealed), ExpiresAt: s.now().Add(enrolTTL).UTC().Truncate(time.Millisecond)})
	return TOTPEnrolment{Challenge: id, TOTPKey: key, ExpiresAt: ch.ExpiresAt}, err
}

// ConfirmTOTP makes the enrolment's secret the caller's authenticator
// app once a code from it checks out. The first factor comes with ten
// recovery codes, returned once; the code counts as a second factor
// presented on this session.
func (s *Service) ConfirmTOTP(ctx context.Context, c *authz.Caller, challenge, code, addr string) ([]string, error) {
	gone := &gatehouse.Error{Code: gatehouse.EConflict, Field: "challenge_id", Message: "this enrolment has expired; start again"}
	ch, err := s.store.Challenge(ctx, auth.HashToken(challenge), gatehouse.ChallengeTOTPEnrol)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound || (err == nil && (ch.AccountID != c.AccountID || ch.UserID != c.UserID)) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	sealed, err := base64.StdEncoding.DecodeString(ch.Data)
	if err != nil {
		return nil, err
	}
	secret, err := s.openTOTP(c.AccountID, c.UserID, sealed)
	if err != nil {
		return nil, err
	}
	res, until, ok := s.codes.Reserve(fmt.Sprintf("mfa:%d", c.UserID), "ip:"+addr)
	if !ok {
		return nil, tooMany(until, s.now(), "too many wrong codes")
	}
	defer res.Cancel()
	step, ok := auth.MatchTOTP(secret, code, s.now())
	if !ok {
		res.Fail()
		if err := s.store.FailChallenge(ctx, ch.ID, mfaMaxAttempts); err != nil {
			return nil, err
		}
		return nil, gatehouse.Invalid("code", "that is not the app's current code; check the device's clock and try the next one")
	}
	res.Succeed()
	if ok, err := s.store.TakeChallenge(ctx, ch.ID); err != nil || !ok {
		return nil, cmpErr(err, gone)
	}
	var codes []string
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveTOTP(ctx, c.AccountID, c.UserID, sealed, step); err != nil {
			return err
		}
		codes, err = s.recoveryCodesIfNone(ctx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, s.presented(ctx, c, gatehouse.MethodTOTP)
}

// presented records a factor the caller just proved on this session.
func (s *Service) presented(ctx context.Context, c *authz.Caller, method string) error {
	if c.TokenKind != gatehouse.TokenSession {
		return nil
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c.MFAAt, c.MFAMethod = now, method
	return s.store.SetTokenMFA(ctx, c.TokenID, now, method)
}

// recoveryCodesIfNone gives a user their recovery codes when they have
// none left: with their first factor.
func (s *Service) recoveryCodesIfNone(ctx context.Context, c *authz.Caller) ([]string, error) {
	f, err := s.store.Factors(ctx, c.AccountID, c.UserID)
	if err != nil || f.RecoveryCodesLeft > 0 {
		return nil, err
	}
	return s.newRecoveryCodes(ctx, c.AccountID, c.UserID)
}

func (s *Service) newRecoveryCodes(ctx context.Context, accountID, userID int64) ([]string, error) {
	codes, err := auth.NewRecoveryCodes(auth.RecoveryCodeCount)
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(codes))
	for i, code := range codes {
		hashes[i] = auth.HashRecoveryCode(code)
	}
	return codes, s.store.ReplaceRecoveryCodes(ctx, accountID, userID, hashes)
}

// RegenerateRecoveryCodes replaces the caller's recovery codes with ten
// new ones, returned once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, c *authz.Caller) ([]string, error) {
	f, err := s.store.Factors(ctx, c.AccountID, c.UserID)
	if err != nil {
		return nil, err
	}
	if !f.Any() {
		return nil, gatehouse.Errorf(gatehouse.EConflict, "recovery codes come with a second factor: add an authenticator app or a passkey first")
	}
	return s.newRecoveryCodes(ctx, c.AccountID, c.UserID)
}

// DisableTOTP removes the caller's authenticator app; not their last
// factor while one is required of them.
func (s *Service) DisableTOTP(ctx context.Context, c *authz.Caller) error {
	return s.removeFactor(ctx, c, func(f gatehouse.Factors) bool { return len(f.Passkeys) > 0 }, func(ctx context.Context) error {
		return s.store.DeleteTOTP(ctx, c.AccountID, c.UserID)
	})
}

// RemovePasskey removes one of the caller's passkeys, under the same rule.
func (s *Service) RemovePasskey(ctx context.Context, c *authz.Caller, id int64) error {
	return s.removeFactor(ctx, c, func(f gatehouse.Factors) bool { return f.TOTP || len(f.Passkeys) > 1 }, func(ctx context.Context) error {
		return s.store.DeletePasskey(ctx, c.AccountID, c.UserID, id)
	})
}

// removeFactor runs remove unless it takes away the last factor of a
// user who must have one; the last factor takes the recovery codes with
// it.
func (s *Service) removeFactor(ctx context.Context, c *authz.Caller, othersLeft func(gatehouse.Factors) bool, remove func(ctx context.Context) error) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		f, err := s.store.Factors(ctx, c.AccountID, c.UserID)
		if err != nil {
			return err
		}
		last := !othersLeft(f)
		if last {
			req, err := s.mfaRequired(ctx, c.AccountID, c.UserID)
			if err != nil {
				return err
			}
			if req {
				return gatehouse.Errorf(gatehouse.EConflict, "a second factor is required of you: add another before removing this one")
			}
		}
		if err := remove(ctx); err != nil {
			return err
		}
		if last {
			return s.store.ReplaceRecoveryCodes(ctx, c.AccountID, c.UserID, nil)
		}
		return nil
	})
}

// ResetMFA removes every second factor of a user, for a holder of
// users.manage over them (the same delegation rule as changing them): a
// user who lost their device enrols again at their next sign-in.
func (s *Service) ResetMFA(ctx context.Context, c *authz.Caller, userID int64) error {
	if err := s.canManageUser(ctx, c, userID); err != nil {
		return err
	}
	return s.store.ResetFactors(ctx, c.AccountID, userID)
}

// canManageUser is the rule for acting on another user's sign-in:
// users.manage over all customers, and covering everything they hold.
func (s *Service) canManageUser(ctx context.Context, c *authz.Caller, userID int64) error {
	if _, err := s.store.User(ctx, c.AccountID, userID); err != nil {
		return err
	}
	if !c.Grants.HoldsAll(permUsersManage) {
		return gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", "users.manage")
	}
	return s.canManage(ctx, c, userID)
}
