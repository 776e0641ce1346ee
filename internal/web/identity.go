package web

import (
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// enrolPath is where a user who must enrol a second factor is sent.
const enrolPath = "/account/security"

// enrol is a page a user who must enrol a second factor may still use.
func enrol(perm string) authz.Requirement {
	return authz.Requirement{Permission: perm, Enrolment: true}
}

// fresh asks for a recent second factor on a route whose permission is
// not a sensitive one (removing one's own factors).
func fresh(r authz.Requirement) authz.Requirement {
	r.StepUp = true
	return r
}

// identityRoutes are sign-in's second step, passkeys, single sign-on,
// the user's own security page, step-up, and the account's settings.
func (s *Server) identityRoutes() []Route {
	signedIn := need(authz.SignedIn)
	return []Route{
		{Pattern: "GET /signin/mfa", Need: need(authz.Public), handle: s.handleMFAForm},
		{Pattern: "POST /signin/mfa", Need: need(authz.Public), handle: s.handleMFA},
		{Pattern: "POST /signin/mfa/passkey/options", Need: need(authz.Public), handle: s.handleMFAPasskeyOptions},
		{Pattern: "POST /signin/passkey/options", Need: need(authz.Public), handle: s.handlePasskeySignInOptions},
		{Pattern: "POST /signin/passkey", Need: need(authz.Public), handle: s.handlePasskeySignIn},
		{Pattern: "GET /sso/{id}/start", Need: need(authz.Public), handle: s.handleSSOStart},
		{Pattern: "GET /sso/callback", Need: need(authz.Public), handle: s.handleSSOCallback},

		{Pattern: "GET /account/security", Need: enrol(authz.SignedIn), handle: s.handleSecurity},
		{Pattern: "POST /account/totp", Need: fresh(enrol(authz.SignedIn)), handle: s.handleTOTPBegin},
		{Pattern: "POST /account/totp/confirm", Need: fresh(enrol(authz.SignedIn)), handle: s.handleTOTPConfirm},
		{Pattern: "POST /account/totp/delete", Need: fresh(signedIn), handle: s.handleTOTPDelete},
		{Pattern: "POST /account/recovery-codes", Need: fresh(signedIn), handle: s.handleRecoveryCodes},
		{Pattern: "POST /account/passkeys/options", Need: fresh(enrol(authz.SignedIn)), handle: s.handlePasskeyOptions},
		{Pattern: "POST /account/passkeys", Need: fresh(enrol(authz.SignedIn)), handle: s.handlePasskeyAdd},
		{Pattern: "POST /account/passkeys/{id}/delete", Need: fresh(signedIn), handle: s.handlePasskeyDelete},
		{Pattern: "POST /account/sessions/{id}/end", Need: signedIn, handle: s.handleSessionEnd},
		{Pattern: "POST /account/sessions/end-others", Need: signedIn, handle: s.handleOtherSessionsEnd},
		{Pattern: "POST /step-up", Need: signedIn, handle: s.handleStepUp},
		{Pattern: "POST /step-up/passkey/options", Need: signedIn, handle: s.handleStepUpPasskeyOptions},

		{Pattern: "POST /users/{id}/mfa/reset", Need: need("users.manage"), handle: s.handleUserMFAReset},
		{Pattern: "POST /users/{id}/sessions/end", Need: need("users.manage"), handle: s.handleUserSessionsEnd},

		{Pattern: "GET /settings", Need: need("settings.manage"), handle: s.handleSettings},
		{Pattern: "POST /settings", Need: need("settings.manage"), handle: s.handleSettingsUpdate},
		{Pattern: "GET /settings/sso", Need: need("settings.manage"), handle: s.handleSSOList},
		{Pattern: "GET /settings/sso/new", Need: need("settings.manage"), handle: s.handleSSONew},
		{Pattern: "POST /settings/sso", Need: need("settings.manage"), handle: s.handleSSOCreate},
		{Pattern: "GET /settings/sso/{id}", Need: need("settings.manage"), handle: s.handleSSOEdit},
		{Pattern: "POST /settings/sso/{id}", Need: need("settings.manage"), handle: s.handleSSOUpdate},
		{Pattern: "POST /settings/sso/{id}/delete", Need: need("settings.manage"), handle: s.handleSSODelete},
	}
}

// writeJSON answers the page's script (the options of a WebAuthn call).
func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(v)
}

// ceremonyJSON is what the page's script reads to call the browser's
// WebAuthn API.
type ceremonyJSON struct {
	Challenge string          `json:"challenge"`
	Options   json.RawMessage `json:"options"`
}

// mfaPage asks for the second factor of a sign-in.
type mfaPage struct {
	Next    string
	Passkey bool
	Error   string
}

func (s *Server) mfaChallenge(r *http.Request) string {
	if c, err := r.Cookie(mfaCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) handleMFAForm(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	if s.mfaChallenge(r) == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, nil, http.StatusOK, "signin_mfa", "Second factor", mfaPage{Next: localPath(r.URL.Query().Get("next")), Passkey: s.uc.Passkeys != nil})
	return nil
}

// handleMFA completes the sign-in with a code or a passkey's assertion.
func (s *Server) handleMFA(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	page := mfaPage{Next: localPath(r.PostFormValue("next")), Passkey: s.uc.Passkeys != nil}
	proof := usecase.MFAProof{Code: strings.TrimSpace(r.PostFormValue("code"))}
	if resp := r.PostFormValue("passkey_response"); resp != "" {
		proof = usecase.MFAProof{Passkey: []byte(resp)}
	}
	if proof.Code == "" && proof.Passkey == nil {
		page.Error = "Enter the code from your authenticator app, or a recovery code."
		s.render(w, r, nil, http.StatusBadRequest, "signin_mfa", "Second factor", page)
		return nil
	}
	res, err := s.uc.CompleteMFA(r.Context(), s.mfaChallenge(r), proof, s.gate.Addrs.Addr(r))
	if err != nil {
		switch gatehouse.ErrorCode(err) {
		case gatehouse.EUnauthorized, gatehouse.ETooMany, gatehouse.EInvalid, gatehouse.EConflict:
			page.Error = domainMessage(err)
		default:
			return err
		}
		s.render(w, r, nil, gatehouse.HTTPStatus(gatehouse.ErrorCode(err)), "signin_mfa", "Second factor", page)
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: "", Path: "/signin", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
	s.signedIn(w, r, res, page.Next)
	return nil
}

func (s *Server) handleMFAPasskeyOptions(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	opts, err := s.uc.BeginMFAPasskey(r.Context(), s.mfaChallenge(r))
	if err != nil {
		return err
	}
	return writeJSON(w, ceremonyJSON{Options: opts})
}

func (s *Server) handlePasskeySignInOptions(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	cer, err := s.uc.BeginPasskeySignIn(r.Context(), s.gate.Addrs.Addr(r))
	if err != nil {
		return err
	}
	return writeJSON(w, ceremonyJSON{Challenge: cer.Challenge, Options: cer.Options})
}

// handlePasskeySignIn signs in with a passkey alone.
func (s *Server) handlePasskeySignIn(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	page, err := s.newSignInPage(r, strings.TrimSpace(r.PostFormValue("account")))
	if err != nil {
		return err
	}
	page.Next = localPath(r.PostFormValue("next"))
	res, err := s.uc.FinishPasskeySignIn(r.Context(), r.PostFormValue("passkey_challenge"), []byte(r.PostFormValue("passkey_response")),
		s.gate.Addrs.Addr(r), r.UserAgent())
	if err != nil {
		if gatehouse.ErrorCode(err) == gatehouse.EUnauthorized {
			page.Error = domainMessage(err)
			s.render(w, r, nil, http.StatusUnauthorized, "signin", "Sign in", page)
			return nil
		}
		return s.signInRefused(w, r, page, err)
	}
	s.signedIn(w, r, res, page.Next)
	return nil
}

// ssoCookie binds a sign-in at a provider to the browser that started
// it: the callback must come back to the same browser.
const ssoCookie = "gatehouse_sso"

func (s *Server) handleSSOStart(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	state, to, err := s.uc.StartSSO(r.Context(), id, localPath(r.URL.Query().Get("next")), s.gate.Addrs.Addr(r))
	if err != nil {
		return err
	}
	// Lax: the provider sends the browser back with a top-level GET.
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: state, Path: "/sso", MaxAge: 600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) handleSSOCallback(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	q := r.URL.Query()
	cookie := ""
	if c, err := r.Cookie(ssoCookie); err == nil {
		cookie = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/sso", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(r)})
	page, err := s.newSignInPage(r, "")
	if err != nil {
		return err
	}
	if e := q.Get("error"); e != "" {
		page.Error = "The identity provider did not sign you in (" + shortText(e, 60) + ")."
		s.render(w, r, nil, http.StatusUnauthorized, "signin", "Sign in", page)
		return nil
	}
	res, next, err := s.uc.FinishSSO(r.Context(), usecase.SSOCallback{State: q.Get("state"), Code: q.Get("code"), CookieState: cookie,
		Addr: s.gate.Addrs.Addr(r), UserAgent: r.UserAgent()})
	if err != nil {
		switch code := gatehouse.ErrorCode(err); code {
		case gatehouse.EUnauthorized, gatehouse.EForbidden, gatehouse.EConflict, gatehouse.ETooMany:
			// Not a password: say what the provider's sign-in came to.
			page.Error = domainMessage(err)
			s.render(w, r, nil, gatehouse.HTTPStatus(code), "signin", "Sign in", page)
			return nil
		}
		return err
	}
	s.signedIn(w, r, res, localPath(next))
	return nil
}

func shortText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// securityPage is the user's own sign-in security: second factors,
// recovery codes, and open sessions.
type securityPage struct {
	Status    usecase.MFAStatus
	MustEnrol bool
	Passkeys  bool // the server offers passkeys
	Sessions  []gatehouse.Token
	Current   int64
	// Enrolling shows a new authenticator-app secret to confirm.
	Enrolling *totpEnrolment
	// Codes are new recovery codes, shown once.
	Codes []string
	Err   *formError
}

type totpEnrolment struct {
	Challenge, Secret, URL string
	QR                     template.URL
}

func (s *Server) handleSecurity(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.renderSecurity(w, r, c, securityPage{})
}

func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, c *authz.Caller, p securityPage) error {
	var err error
	if p.Status, err = s.uc.MyFactors(r.Context(), c); err != nil {
		return err
	}
	if p.Sessions, err = s.uc.Sessions(r.Context(), c, c.UserID); err != nil {
		return err
	}
	p.MustEnrol, p.Passkeys, p.Current = c.MustEnrol(), s.uc.Passkeys != nil, c.TokenID
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	if p.Codes != nil || p.Enrolling != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, c, status, "security", "Sign-in security", p)
	return nil
}

// handleTOTPBegin shows a new secret as a QR code drawn here, and as
// text, with a field for the app's first code.
func (s *Server) handleTOTPBegin(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	e, err := s.uc.BeginTOTP(r.Context(), c)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		return s.renderSecurity(w, r, c, securityPage{Err: fe})
	}
	return s.renderSecurity(w, r, c, securityPage{Enrolling: &totpEnrolment{Challenge: e.Challenge, Secret: e.Secret, URL: e.URL,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG))}})
}

func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	codes, err := s.uc.ConfirmTOTP(r.Context(), c, r.PostFormValue("challenge"), r.PostFormValue("code"), s.gate.Addrs.Addr(r))
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		p := securityPage{Err: fe}
		if fe.Field == "code" {
			// Same secret, another try: the QR code stays.
			p.Enrolling = &totpEnrolment{Challenge: r.PostFormValue("challenge")}
		}
		return s.renderSecurity(w, r, c, p)
	}
	if codes == nil {
		redirect(w, r, enrolPath, "Your authenticator app is set up.")
		return nil
	}
	setFlash(w, r, "Your authenticator app is set up. Keep these recovery codes somewhere safe.")
	return s.renderSecurity(w, r, c, securityPage{Codes: codes})
}

func (s *Server) handleTOTPDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if err := s.uc.DisableTOTP(r.Context(), c); err != nil {
		return s.securityRefused(w, r, c, err)
	}
	redirect(w, r, enrolPath, "Removed your authenticator app.")
	return nil
}

func (s *Server) securityRefused(w http.ResponseWriter, r *http.Request, c *authz.Caller, err error) error {
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	return s.renderSecurity(w, r, c, securityPage{Err: fe})
}

func (s *Server) handleRecoveryCodes(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	codes, err := s.uc.RegenerateRecoveryCodes(r.Context(), c)
	if err != nil {
		return s.securityRefused(w, r, c, err)
	}
	return s.renderSecurity(w, r, c, securityPage{Codes: codes})
}

func (s *Server) handlePasskeyOptions(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	cer, err := s.uc.BeginPasskeyRegistration(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, ceremonyJSON{Challenge: cer.Challenge, Options: cer.Options})
}

// handlePasskeyAdd keeps a passkey the browser made. Sent without one,
// it is the form resuming after a step-up: the page asks again.
func (s *Server) handlePasskeyAdd(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	resp := r.PostFormValue("passkey_response")
	if resp == "" {
		redirect(w, r, enrolPath, "Confirmed. Now add your passkey.")
		return nil
	}
	k, codes, err := s.uc.FinishPasskeyRegistration(r.Context(), c, r.PostFormValue("passkey_challenge"), r.PostFormValue("name"), []byte(resp))
	if err != nil {
		return s.securityRefused(w, r, c, err)
	}
	if codes == nil {
		redirect(w, r, enrolPath, "Added the passkey “"+k.Name+"”.")
		return nil
	}
	setFlash(w, r, "Added the passkey “"+k.Name+"”. Keep these recovery codes somewhere safe.")
	return s.renderSecurity(w, r, c, securityPage{Codes: codes})
}

func (s *Server) handlePasskeyDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "passkey")
	if err != nil {
		return err
	}
	if err := s.uc.RemovePasskey(r.Context(), c, id); err != nil {
		return s.securityRefused(w, r, c, err)
	}
	redirect(w, r, enrolPath, "Removed the passkey.")
	return nil
}

func (s *Server) handleSessionEnd(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "session")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeToken(r.Context(), c, c.UserID, id); err != nil {
		return err
	}
	if id == c.TokenID {
		clearSession(w, r)
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	redirect(w, r, enrolPath, "Ended the session.")
	return nil
}

func (s *Server) handleOtherSessionsEnd(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if _, err := s.uc.EndSessions(r.Context(), c, c.UserID); err != nil {
		return err
	}
	redirect(w, r, enrolPath, "Signed out everywhere else.")
	return nil
}

// stepUpPage asks for a second factor before an action goes on. For a
// form, it posts the form's own values back to where they were going,
// with the factor: the action resumes as sent. For a page, it posts to
// /step-up and comes back.
type stepUpPage struct {
	Action  string
	Hidden  []hiddenField
	Next    string
	TOTP    bool // the user has an authenticator app (or recovery codes)
	Passkey bool
	Error   string
}

// stepUpFields are the form fields the step-up itself adds.
func stepUpField(name string) bool {
	return name == csrfField || strings.HasPrefix(name, "stepup_")
}

func (s *Server) renderStepUp(w http.ResponseWriter, r *http.Request, c *authz.Caller, failed error) {
	p := stepUpPage{Action: r.URL.Path, Error: domainMessage(failed)}
	if safeMethod(r.Method) {
		p.Action, p.Next = "/step-up", r.URL.RequestURI()
	} else {
		if q := r.URL.RawQuery; q != "" {
			p.Action += "?" + q
		}
		p.Hidden = s.formFields(r, c, stepUpField)
	}
	if st, err := s.uc.MyFactors(r.Context(), c); err == nil {
		p.TOTP = st.TOTP || st.RecoveryCodesLeft > 0
		p.Passkey = len(st.Passkeys) > 0 && s.uc.Passkeys != nil
	}
	status := http.StatusUnauthorized
	if failed != nil && gatehouse.ErrorCode(failed) == gatehouse.ETooMany {
		status = http.StatusTooManyRequests
	}
	s.render(w, r, c, status, "stepup", "Confirm it’s you", p)
}

// stepUpProof reads a second factor a form carries, if any.
func stepUpProof(r *http.Request) (usecase.MFAProof, bool) {
	if a := r.PostFormValue("stepup_assertion"); a != "" {
		return usecase.MFAProof{Passkey: []byte(a), Challenge: r.PostFormValue("stepup_challenge")}, true
	}
	code := strings.TrimSpace(r.PostFormValue("stepup_code"))
	return usecase.MFAProof{Code: code}, code != ""
}

// handleStepUp steps up for a page (a GET) and goes back to it.
func (s *Server) handleStepUp(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	next := localPath(r.PostFormValue("next"))
	proof, ok := stepUpProof(r)
	var err error
	if !ok {
		err = gatehouse.Invalid("stepup_code", "enter the code from your authenticator app")
	} else if _, err = s.uc.StepUp(r.Context(), c, proof, s.gate.Addrs.Addr(r)); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	switch gatehouse.ErrorCode(err) {
	case gatehouse.EUnauthorized, gatehouse.EInvalid, gatehouse.ETooMany, gatehouse.EConflict:
	default:
		return err
	}
	u, _ := url.Parse(next)
	r2 := r.Clone(r.Context())
	r2.Method, r2.URL = http.MethodGet, u
	s.renderStepUp(w, r2, c, err)
	return nil
}

func (s *Server) handleStepUpPasskeyOptions(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	cer, err := s.uc.BeginStepUpPasskey(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, ceremonyJSON{Challenge: cer.Challenge, Options: cer.Options})
}
