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
}

// SignIn checks credentials and opens a session. Every failure reads the
// same. The attempt is reserved against the throttle before the password
// is checked, so parallel guesses cannot outrun the limit, and password
// checks run a bounded number at a time, so a burst cannot exhaust memory.
func (s *Service) SignIn(ctx context.Context, in Credentials) (string, gatehouse.Token, error) {
	bad := gatehouse.Errorf(gatehouse.EUnauthorized, "invalid account, email or password")
	email := strings.ToLower(strings.TrimSpace(in.Email))
	acct, err := s.signInAccount(ctx, in.Account)
	if err != nil {
		return "", gatehouse.Token{}, err
	}
	if acct.ID == 0 {
		// An unknown account costs the same as a wrong password.
		s.passwords.Check(ctx, in.Password, "")
		return "", gatehouse.Token{}, bad
	}
	res, until, ok := s.signIns.Reserve("email:"+acct.Slug+":"+email, "ip:"+in.Addr)
	if !ok {
		wait := max(until.Sub(s.now()), time.Second)
		return "", gatehouse.Token{}, &gatehouse.Error{Code: gatehouse.ETooMany, RetryAfter: wait,
			Message: "too many failed sign-ins; try again after " + until.UTC().Format(time.RFC3339)}
	}
	defer res.Cancel() // a no-op once Fail or Succeed ended it
	u, err := s.store.UserByEmail(ctx, acct.ID, email)
	if err != nil && gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		return "", gatehouse.Token{}, err
	}
	match, err := s.passwords.Check(ctx, in.Password, u.PasswordHash)
	if err != nil {
		return "", gatehouse.Token{}, busy(err)
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
		ev := audit.Event{Action: "auth.sign_in_failed", TargetType: "user", TargetID: u.ID,
			After: map[string]any{"email": email, "reason": reason}}
		if err := s.store.RecordAudit(ctx, acct.ID, ev); err != nil {
			return "", gatehouse.Token{}, err
		}
		return "", gatehouse.Token{}, bad
	}
	res.Succeed("email:" + acct.Slug + ":" + email)
	ctx = audit.WithActor(ctx, audit.Actor{UserID: u.ID, Email: u.Email, IP: in.Addr})
	return s.issue(ctx, gatehouse.Token{AccountID: acct.ID, UserID: u.ID, Kind: gatehouse.TokenSession, Name: "sign-in"}, s.SessionTTL)
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
