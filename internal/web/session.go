package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

const (
	mfaCookie     = "gatehouse_mfa" // a sign-in waiting for its second factor
	sessionCookie = "gatehouse_session"
	flashCookie   = "gatehouse_flash"
	csrfField     = "csrf"
)

// sessionToken is the bearer token the session cookie carries.
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// overTLS reports whether the visitor reached us over HTTPS, directly or
// through a proxy that says so.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setSession(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(sessionCookie); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
}

// csrfToken is derived from the session token, which the page's scripts
// cannot read (the cookie is HttpOnly) and another site cannot guess: a
// form from elsewhere cannot carry it, and it dies with the session.
func csrfToken(session string) string {
	if session == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("gatehouse web form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func validCSRF(session, got string) bool {
	want := csrfToken(session)
	return want != "" && hmac.Equal([]byte(want), []byte(got))
}

// setFlash leaves a one-line message for the next page.
func setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
}

// takeFlash reads and clears the message left by the previous request.
func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}

// localPath keeps a post-sign-in destination on this site: a path from
// the root, never "//host". Browsers drop tabs and newlines from a URL
// and read a backslash as a slash, so "/\t/evil.example" and
// "/\\evil.example" would leave the site; any control character or
// backslash sends the visitor home instead.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if next[i] < 0x20 || next[i] == 0x7f {
			return "/"
		}
	}
	return next
}

type signInPage struct {
	Account    string
	AskAccount bool // the server hosts several accounts
	Email      string
	Next       string
	Error      string
	// NoUsers: the database is fresh; the page says how to create the
	// first admin.
	NoUsers bool
	// Providers are the account's identity providers, one button each;
	// Passkeys offers a passwordless sign-in.
	Providers []usecase.SignInProvider
	Passkeys  bool
}

// accountCookie remembers which account this browser signs in to; it is
// no secret, only the account's sign-in name.
const accountCookie = "gatehouse_account"

// newSignInPage starts the page: the account named in ?account= (an
// account's own sign-in address) or remembered by this browser.
func (s *Server) newSignInPage(r *http.Request, account string) (signInPage, error) {
	if account == "" {
		if c, err := r.Cookie(accountCookie); err == nil {
			account = c.Value
		}
	}
	has, err := s.store.HasUsers(r.Context())
	if err != nil {
		return signInPage{}, err
	}
	providers, err := s.uc.SignInProviders(r.Context(), account)
	return signInPage{Account: account, AskAccount: s.uc.AccountNeededAtSignIn(r.Context()), NoUsers: !has,
		Providers: providers, Passkeys: s.uc.Passkeys != nil}, err
}

func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	if c, err := s.gate.Authenticate(r.Context(), sessionToken(r), s.gate.Addrs.Addr(r)); err == nil && c != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	page, err := s.newSignInPage(r, strings.TrimSpace(r.URL.Query().Get("account")))
	if err != nil {
		return err
	}
	page.Next = localPath(r.URL.Query().Get("next"))
	s.render(w, r, nil, http.StatusOK, "signin", "Sign in", page)
	return nil
}

// handleSignIn opens a session through the same sign-in as the API.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	page, err := s.newSignInPage(r, strings.TrimSpace(r.PostFormValue("account")))
	if err != nil {
		return err
	}
	page.Email, page.Next = email, localPath(r.PostFormValue("next"))
	if email == "" || password == "" {
		page.Error = "Enter your email and password."
		s.render(w, r, nil, http.StatusBadRequest, "signin", "Sign in", page)
		return nil
	}
	res, err := s.uc.SignIn(r.Context(), usecase.Credentials{Account: page.Account, Email: email, Password: password,
		Addr: s.gate.Addrs.Addr(r), UserAgent: r.UserAgent()})
	if err != nil {
		return s.signInRefused(w, r, page, err)
	}
	if page.Account != "" {
		http.SetCookie(w, &http.Cookie{Name: accountCookie, Value: page.Account, Path: "/", MaxAge: 400 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
	}
	s.signedIn(w, r, res, page.Next)
	return nil
}

// signInRefused shows the sign-in page again with why; every wrong
// credential reads the same.
func (s *Server) signInRefused(w http.ResponseWriter, r *http.Request, page signInPage, err error) error {
	switch gatehouse.ErrorCode(err) {
	case gatehouse.EUnauthorized:
		page.Error = "Invalid email or password."
		if page.AskAccount {
			page.Error = "Invalid account, email or password."
		}
	case gatehouse.EInvalid, gatehouse.ETooMany, gatehouse.EForbidden, gatehouse.EConflict:
		page.Error = domainMessage(err)
	default:
		return err
	}
	if d := gatehouse.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds()+0.5)))
	}
	s.render(w, r, nil, gatehouse.HTTPStatus(gatehouse.ErrorCode(err)), "signin", "Sign in", page)
	return nil
}

// signedIn carries a sign-in on: to the second-factor page while one is
// awaited, to enrolment when one is required and missing, else to where
// the visitor was going.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, res usecase.SignInResult, next string) {
	if !res.SignedIn() {
		http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: res.Challenge, Path: "/signin", Expires: res.ChallengeExpires,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
		http.Redirect(w, r, "/signin/mfa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	setSession(w, r, res.Token, res.Session.ExpiresAt)
	if res.MustEnrol {
		next = enrolPath
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleSignOut revokes the session's token, not just the cookie.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if err := s.uc.SignOut(r.Context(), c); err != nil && gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		return err
	}
	clearSession(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
