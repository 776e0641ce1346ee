package usecase

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/webauthn"

	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/passkey"
)

// passkeyTTL is how long a WebAuthn ceremony may take.
const passkeyTTL = 5 * time.Minute

var noPasskeys = gatehouse.Errorf(gatehouse.EConflict, "passkeys are not configured on this server (it needs its public URL)")

// PasskeyCeremony is the first half of a WebAuthn ceremony: the options
// for navigator.credentials, and the id the second half names.
type PasskeyCeremony struct {
	Challenge string
	Options   json.RawMessage
}

// passkeyUser is the WebAuthn view of a user: their handle (made on
// their first passkey) and their credentials.
func (s *Service) passkeyUser(ctx context.Context, accountID int64, u gatehouse.User) (passkey.User, []gatehouse.StoredPasskey, error) {
	keys, err := s.store.Passkeys(ctx, accountID, u.ID)
	if err != nil {
		return passkey.User{}, nil, err
	}
	pu := passkey.User{Name: u.Email, DisplayName: u.Name}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &cred); err != nil {
			return pu, nil, err
		}
		pu.Handle = k.Handle
		pu.Credentials = append(pu.Credentials, cred)
	}
	if pu.Handle == nil {
		pu.Handle = make([]byte, 32)
		if _, err := rand.Read(pu.Handle); err != nil {
			return pu, nil, err
		}
	}
	return pu, keys, nil
}

// openCeremony counts a ceremony opened before sign-in against the
// address: each keeps a row until it expires, so one address may not
// open them without end.
func (s *Service) openCeremony(addr string) error {
	res, until, ok := s.ceremonies.Reserve("ip:" + addr)
	if !ok {
		return tooMany(until, s.now(), "too many sign-ins started")
	}
	res.Fail() // every ceremony counts, finished or not
	return nil
}

// ceremonyData is what a WebAuthn ceremony keeps server-side.
type ceremonyData struct {
	Handle  []byte          `json:"handle,omitempty"`
	Session json.RawMessage `json:"session"`
}

func (s *Service) storeCeremony(ctx context.Context, kind string, accountID, userID int64, data ceremonyData, options []byte) (PasskeyCeremony, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	id, hash, err := auth.NewChallengeID()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	_, err = s.store.CreateChallenge(ctx, hash, gatehouse.Challenge{Kind: kind, AccountID: accountID, UserID: userID,
		Data: string(raw), ExpiresAt: s.now().Add(passkeyTTL).UTC().Truncate(time.Millisecond)})
	return PasskeyCeremony{Challenge: id, Options: options}, err
}

// BeginPasskeyRegistration starts adding a passkey (or security key) to
// the caller.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, c *authz.Caller) (PasskeyCeremony, error) {
	if s.Passkeys == nil {
		return PasskeyCeremony{}, noPasskeys
	}
	u, err := s.store.User(ctx, c.AccountID, c.UserID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	pu, _, err := s.passkeyUser(ctx, c.AccountID, u)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	cer, err := s.Passkeys.BeginRegistration(pu)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	return s.storeCeremony(ctx, gatehouse.ChallengePasskeyRegister, c.AccountID, c.UserID, ceremonyData{Handle: pu.Handle, Session: cer.Session}, cer.Options)
}

// FinishPasskeyRegistration verifies the browser's new credential and
// keeps it under name. A first factor comes with recovery codes,
// returned once; the registration counts as a factor presented.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, c *authz.Caller, challenge, name string, response []byte) (gatehouse.Passkey, []string, error) {
	if s.Passkeys == nil {
		return gatehouse.Passkey{}, nil, noPasskeys
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if utf8.RuneCountInString(name) > 100 {
		return gatehouse.Passkey{}, nil, gatehouse.Invalid("name", "at most 100 characters")
	}
	raw, err := s.takeUserCeremony(ctx, c, challenge, gatehouse.ChallengePasskeyRegister)
	if err != nil {
		return gatehouse.Passkey{}, nil, err
	}
	var data ceremonyData
	if err := json.Unmarshal(raw, &data); err != nil {
		return gatehouse.Passkey{}, nil, err
	}
	u, err := s.store.User(ctx, c.AccountID, c.UserID)
	if err != nil {
		return gatehouse.Passkey{}, nil, err
	}
	pu, _, err := s.passkeyUser(ctx, c.AccountID, u)
	if err != nil {
		return gatehouse.Passkey{}, nil, err
	}
	pu.Handle = data.Handle
	cred, err := s.Passkeys.FinishRegistration(pu, data.Session, response)
	if errors.Is(err, passkey.ErrRefused) {
		return gatehouse.Passkey{}, nil, gatehouse.Invalid("credential", "the passkey could not be verified; try again")
	}
	if err != nil {
		return gatehouse.Passkey{}, nil, err
	}
	credJSON, err := json.Marshal(cred)
	if err != nil {
		return gatehouse.Passkey{}, nil, err
	}
	var out gatehouse.Passkey
	var codes []string
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.store.AddPasskey(ctx, gatehouse.StoredPasskey{Passkey: gatehouse.Passkey{UserID: c.UserID, Name: name},
			AccountID: c.AccountID, CredentialID: cred.ID, Handle: data.Handle, Credential: string(credJSON)})
		if err != nil {
			return err
		}
		codes, err = s.recoveryCodesIfNone(ctx, c)
		return err
	})
	if err != nil {
		return out, nil, err
	}
	return out, codes, s.presented(ctx, c, gatehouse.MethodPasskey)
}

// verifyPasskey checks an assertion by one of u's passkeys against the
// ceremony's session, and keeps the passkey's new signature count.
func (s *Service) verifyPasskey(ctx context.Context, accountID int64, u gatehouse.User, session, response []byte) (bool, error) {
	if s.Passkeys == nil {
		return false, noPasskeys
	}
	if session == nil {
		return false, nil
	}
	pu, keys, err := s.passkeyUser(ctx, accountID, u)
	if err != nil || len(keys) == 0 {
		return false, err
	}
	cred, err := s.Passkeys.FinishLogin(pu, session, response)
	if errors.Is(err, passkey.ErrRefused) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, s.keepPasskeyState(ctx, keys, cred)
}

func (s *Service) keepPasskeyState(ctx context.Context, keys []gatehouse.StoredPasskey, cred *webauthn.Credential) error {
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if string(k.CredentialID) == string(cred.ID) {
			return s.store.UsePasskey(ctx, k.AccountID, k.ID, string(raw), s.now())
		}
	}
	return nil
}

// BeginMFAPasskey asks for a passkey to complete a sign-in waiting for
// its second factor.
func (s *Service) BeginMFAPasskey(ctx context.Context, challenge string) (json.RawMessage, error) {
	if s.Passkeys == nil {
		return nil, noPasskeys
	}
	gone := gatehouse.Errorf(gatehouse.EUnauthorized, "this sign-in has expired or is complete; sign in again")
	ch, err := s.store.Challenge(ctx, auth.HashToken(challenge), gatehouse.ChallengeMFA)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, ch.AccountID, ch.UserID)
	if err != nil {
		return nil, gone
	}
	pu, keys, err := s.passkeyUser(ctx, ch.AccountID, u)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, gatehouse.Errorf(gatehouse.EConflict, "you have no passkey; use your authenticator app or a recovery code")
	}
	cer, err := s.Passkeys.BeginLogin(pu)
	if err != nil {
		return nil, err
	}
	var pending pendingSignIn
	if err := json.Unmarshal([]byte(ch.Data), &pending); err != nil {
		return nil, err
	}
	pending.Passkey = cer.Session
	data, err := json.Marshal(pending)
	if err != nil {
		return nil, err
	}
	return cer.Options, s.store.SetChallengeData(ctx, ch.ID, string(data))
}

// BeginStepUpPasskey asks for one of the caller's passkeys to step up.
func (s *Service) BeginStepUpPasskey(ctx context.Context, c *authz.Caller) (PasskeyCeremony, error) {
	if s.Passkeys == nil {
		return PasskeyCeremony{}, noPasskeys
	}
	u, err := s.store.User(ctx, c.AccountID, c.UserID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	pu, keys, err := s.passkeyUser(ctx, c.AccountID, u)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	if len(keys) == 0 {
		return PasskeyCeremony{}, gatehouse.Errorf(gatehouse.EConflict, "you have no passkey; use your authenticator app or a recovery code")
	}
	cer, err := s.Passkeys.BeginLogin(pu)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	raw := json.RawMessage(cer.Session)
	return s.storeCeremony(ctx, gatehouse.ChallengePasskeyStepUp, c.AccountID, c.UserID, ceremonyData{Session: raw}, cer.Options)
}

// BeginPasskeySignIn starts a passwordless sign-in: any passkey of this
// site, with user verification.
func (s *Service) BeginPasskeySignIn(ctx context.Context, addr string) (PasskeyCeremony, error) {
	if s.Passkeys == nil {
		return PasskeyCeremony{}, noPasskeys
	}
	if err := s.openCeremony(addr); err != nil {
		return PasskeyCeremony{}, err
	}
	cer, err := s.Passkeys.BeginPasswordless()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	return s.storeCeremony(ctx, gatehouse.ChallengePasskeySignIn, 0, 0, ceremonyData{Session: cer.Session}, cer.Options)
}

// FinishPasskeySignIn signs in with a passkey alone: the credential's
// user handle names the user (and so the account), the authenticator's
// user verification is the second factor. Failures are throttled per
// address and read the same.
func (s *Service) FinishPasskeySignIn(ctx context.Context, challenge string, response []byte, addr, userAgent string) (SignInResult, error) {
	if s.Passkeys == nil {
		return SignInResult{}, noPasskeys
	}
	bad := gatehouse.Errorf(gatehouse.EUnauthorized, "the passkey was not accepted; try again, or sign in with your password")
	res, until, ok := s.signIns.Reserve("ip:" + addr)
	if !ok {
		return SignInResult{}, tooMany(until, s.now(), "too many failed sign-ins")
	}
	defer res.Cancel()
	ch, err := s.store.Challenge(ctx, auth.HashToken(challenge), gatehouse.ChallengePasskeySignIn)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return SignInResult{}, bad
	}
	if err != nil {
		return SignInResult{}, err
	}
	if ok, err := s.store.TakeChallenge(ctx, ch.ID); err != nil || !ok {
		return SignInResult{}, cmpErr(err, bad)
	}
	var data ceremonyData
	if err := json.Unmarshal([]byte(ch.Data), &data); err != nil {
		return SignInResult{}, err
	}
	var user gatehouse.User
	var keys []gatehouse.StoredPasskey
	_, cred, err := s.Passkeys.FinishPasswordless(func(credID, handle []byte) (passkey.User, error) {
		found, err := s.store.PasskeysByHandle(ctx, handle)
		if err != nil || len(found) == 0 {
			return passkey.User{}, errors.Join(err, errors.New("unknown user handle"))
		}
		if user, err = s.store.User(ctx, found[0].AccountID, found[0].UserID); err != nil {
			return passkey.User{}, err
		}
		pu, stored, err := s.passkeyUser(ctx, found[0].AccountID, user)
		keys = stored
		return pu, err
	}, data.Session, response)
	if errors.Is(err, passkey.ErrRefused) || (err == nil && user.Disabled) {
		res.Fail()
		return SignInResult{}, bad
	}
	if err != nil {
		return SignInResult{}, err
	}
	res.Succeed()
	if err := s.keepPasskeyState(ctx, keys, cred); err != nil {
		return SignInResult{}, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: user.ID, Email: user.Email, IP: addr})
	return s.firstFactorPassed(ctx, user.AccountID, user, firstFactor{name: "passkey sign-in", addr: addr, userAgent: userAgent,
		mfa: gatehouse.MethodPasskey})
}
