package usecase

import (
	"context"
	"strings"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

// Credentials are what a person signs in with. Account is the account's
// slug; it may be left out on a server hosting a single account.
type Credentials struct {
	Account, Email, Password string
	Addr                     string // the client's address, for the throttle
	UserAgent                string // shown in the user's list of sessions
}

// SignInResult is where a sign-in stands: signed in (Token), or waiting
// for a second factor (Challenge, completed by CompleteMFA).
type SignInResult struct {
	Token   string
	Session gatehouse.Token
	// Challenge is the id of the sign-in waiting for its second factor,
	// until ChallengeExpires; Methods are the factors the user has.
	Challenge        string
	ChallengeExpires time.Time
	Methods          []string
	// MustEnrol: signed in, but a second factor is required of the user
	// and they have none; the session opens enrolment only.
	MustEnrol bool
}

// SignedIn reports whether the sign-in is complete.
func (r SignInResult) SignedIn() bool { return r.Token != "" }

// SignIn checks credentials and opens a session, or, for a user with a
// second factor, a short-lived challenge the factor completes. Every
// failure reads the same. The attempt is reserved against the throttle
// before the password is checked, so parallel guesses cannot outrun the
// limit, and password checks run a bounded number at a time, so a burst
// cannot exhaust memory.
func (s *Service) SignIn(ctx context.Context, in Credentials) (SignInResult, error) {
	bad := gatehouse.Errorf(gatehouse.EUnauthorized, "invalid account, email or password")
	email := strings.ToLower(strings.TrimSpace(in.Email))
	acct, err := s.signInAccount(ctx, in.Account)
	if err != nil {
		return SignInResult{}, err
	}
	if acct.ID == 0 {
		// An unknown account costs the same as a wrong password.
		s.passwords.Check(ctx, in.Password, "")
		return SignInResult{}, bad
	}
	res, until, ok := s.signIns.Reserve("email:"+acct.Slug+":"+email, "ip:"+in.Addr)
	if !ok {
		return SignInResult{}, tooMany(until, s.now(), "too many failed sign-ins")
	}
	defer res.Cancel() // a no-op once Fail or Succeed ended it
	u, err := s.store.UserByEmail(ctx, acct.ID, email)
	if err != nil && gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		return SignInResult{}, err
	}
	match, err := s.passwords.Check(ctx, in.Password, u.PasswordHash)
	if err != nil {
		return SignInResult{}, busy(err)
	}
	if !match || u.ID == 0 || u.Disabled {
		res.Fail()
		reason := "wrong password"
		switch {
		case u.ID == 0:
			reason = "unknown email"
		case u.Disabled && match:
			reason = "user disabled"
		}
		if err := s.signInFailed(ctx, acct.ID, u.ID, email, reason); err != nil {
			return SignInResult{}, err
		}
		return SignInResult{}, bad
	}
	res.Succeed("email:" + acct.Slug + ":" + email)
	ctx = audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: in.Addr})
	if err := s.passwordAllowed(ctx, acct.ID, u); err != nil {
		return SignInResult{}, err
	}
	return s.firstFactorPassed(ctx, acct.ID, u, firstFactor{name: "sign-in", addr: in.Addr, userAgent: in.UserAgent})
}

func (s *Service) signInFailed(ctx context.Context, accountID, userID int64, email, reason string) error {
	return s.store.RecordAudit(ctx, accountID, audit.Event{Action: "auth.sign_in_failed", TargetType: "user", TargetID: userID,
		After: map[string]any{"email": email, "reason": reason}})
}

// passwordAllowed refuses a password sign-in of a user linked to an
// identity provider when the account says such users sign in there.
func (s *Service) passwordAllowed(ctx context.Context, accountID int64, u gatehouse.User) error {
	st, err := s.store.Settings(ctx, accountID)
	if err != nil || !st.SSOOnly {
		return err
	}
	linked, err := s.store.HasSSOIdentity(ctx, accountID, u.ID)
	if err != nil || !linked {
		return err
	}
	if err := s.signInFailed(ctx, accountID, u.ID, u.Email, "password sign-in is off for single sign-on users"); err != nil {
		return err
	}
	return gatehouse.Errorf(gatehouse.EForbidden, "this account signs you in through your identity provider: use its sign-in button")
}

// tooMany is the answer of a throttled attempt.
func tooMany(until, now time.Time, what string) error {
	wait := max(until.Sub(now), time.Second)
	return &gatehouse.Error{Code: gatehouse.ETooMany, RetryAfter: wait,
		Message: what + "; try again after " + until.UTC().Format(time.RFC3339)}
}

// signInAccount finds the account a sign-in names; an unknown slug is the
// zero account, answered like a wrong password.
func (s *Service) signInAccount(ctx context.Context, slug string) (gatehouse.Account, error) {
	if strings.TrimSpace(slug) == "" {
		a, err := s.store.SoleAccount(ctx)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			return a, gatehouse.Invalid("account", "this server hosts several accounts: name yours")
		}
		return a, err
	}
	a, err := s.store.AccountBySlug(ctx, slug)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return gatehouse.Account{}, nil
	}
	return a, err
}

// AccountNeededAtSignIn reports whether a sign-in must name its account:
// when the server hosts more than one.
func (s *Service) AccountNeededAtSignIn(ctx context.Context) bool {
	_, err := s.store.SoleAccount(ctx)
	return err != nil
}
