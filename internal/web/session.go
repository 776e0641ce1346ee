package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

const (
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
	Email string
	Next  string
	Error string
	// NoUsers: the database is fresh; the page says how to create the
	// first admin.
	NoUsers bool
}

func (s *Server) handleSignInForm(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	if c, err := s.gate.Authenticate(r.Context(), sessionToken(r)); err == nil && c != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	has, err := s.store.HasUsers(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, nil, http.StatusOK, "signin", "Sign in", signInPage{Next: localPath(r.URL.Query().Get("next")), NoUsers: !has})
	return nil
}

// handleSignIn opens a session through the same sign-in as the API.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	page := signInPage{Email: email, Next: localPath(r.PostFormValue("next"))}
	if email == "" || password == "" {
		page.Error = "Enter your email and password."
		s.render(w, r, nil, http.StatusBadRequest, "signin", "Sign in", page)
		return nil
	}
	token, t, err := s.api.SignIn(r, email, password)
	if err != nil {
		if gatehouse.ErrorCode(err) != gatehouse.EUnauthorized {
			return err
		}
		page.Error = "Invalid email or password."
		s.render(w, r, nil, http.StatusUnauthorized, "signin", "Sign in", page)
		return nil
	}
	setSession(w, r, token, t.ExpiresAt)
	http.Redirect(w, r, page.Next, http.StatusSeeOther)
	return nil
}

// handleSignOut revokes the session's token, not just the cookie.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if err := s.store.DeleteToken(r.Context(), c.AccountID, c.UserID, c.TokenID); err != nil && gatehouse.ErrorCode(err) != gatehouse.ENotFound {
		return err
	}
	clearSession(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	s.render(w, r, c, http.StatusOK, "home", "Home", nil)
	return nil
}
