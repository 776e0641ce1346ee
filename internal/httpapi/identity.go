package httpapi

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// enrol is a route a user who must enrol a second factor may still use.
func enrol(perm string) authz.Requirement {
	return authz.Requirement{Permission: perm, Enrolment: true}
}

// fresh is a route that needs a second factor presented recently even
// though its permission is not a sensitive one.
func fresh(r authz.Requirement) authz.Requirement {
	r.StepUp = true
	return r
}

// identityRoutes are second factors, step-up, sessions, the account's
// sign-in settings and its identity providers.
func (s *Server) identityRoutes() []Route {
	return []Route{
		{"POST /api/v1/auth/mfa", need(authz.Public), s.completeMFA, Doc{
			Summary: "Complete a sign-in that answered mfa_required, with a TOTP or recovery code",
			Body:    mfaRequest{}, Reply: loginResponse{}, SignIn: true}},
		{"POST /api/v1/auth/step-up", need(authz.SignedIn), s.stepUp, Doc{
			Summary: "Present a second factor again, for routes that answer step_up_required",
			Body:    stepUpRequest{}, Reply: stepUpJSON{}, SignIn: true}},

		{"GET /api/v1/me/mfa", enrol(authz.SignedIn), s.myMFA, Doc{Summary: "The caller's second factors", Reply: mfaJSON{}}},
		{"POST /api/v1/me/mfa/totp", fresh(enrol(authz.SignedIn)), s.beginTOTP, Doc{
			Summary: "Start adding an authenticator app (TOTP): a new secret, as text, otpauth URL and QR code", Reply: totpEnrolmentJSON{}, Created: true}},
		{"POST /api/v1/me/mfa/totp/confirm", fresh(enrol(authz.SignedIn)), s.confirmTOTP, Doc{
			Summary: "Confirm the authenticator app with its current code; a first factor answers ten recovery codes, shown once",
			Body:    confirmTOTPRequest{}, Reply: recoveryCodesJSON{}}},
		{"DELETE /api/v1/me/mfa/totp", fresh(need(authz.SignedIn)), s.disableTOTP, Doc{Summary: "Remove the caller's authenticator app"}},
		{"POST /api/v1/me/mfa/recovery-codes", fresh(need(authz.SignedIn)), s.newRecoveryCodes, Doc{
			Summary: "Replace the caller's recovery codes with ten new ones, shown once", Reply: recoveryCodesJSON{}}},
		{"DELETE /api/v1/me/passkeys/{id}", fresh(need(authz.SignedIn)), s.removePasskey, Doc{Summary: "Remove one of the caller's passkeys"}},
		{"GET /api/v1/me/sessions", need(authz.SignedIn), s.mySessions, Doc{
			Summary: "The caller's open sessions and API tokens: created, last used, from where", Reply: list[sessionJSON]{}}},
		{"DELETE /api/v1/me/sessions/{id}", need(authz.SignedIn), s.endMySession, Doc{Summary: "End one of the caller's sessions or tokens"}},

		{"GET /api/v1/users/{id}/mfa", need("users.view"), s.userMFA, Doc{Summary: "A user's second factors", Reply: mfaJSON{}}},
		{"DELETE /api/v1/users/{id}/mfa", need("users.manage"), s.resetUserMFA, Doc{
			Summary: "Reset a user's second factors (app, recovery codes, passkeys): they enrol again"}},
		{"GET /api/v1/users/{id}/sessions", need("users.manage"), s.userSessions, Doc{
			Summary: "A user's open sessions and API tokens, for a holder of users.manage over them", Reply: list[sessionJSON]{}}},
		{"DELETE /api/v1/users/{id}/sessions", need("users.manage"), s.endUserSessions, Doc{
			Summary: "End every sign-in session of a user", Reply: endedJSON{}}},

		{"GET /api/v1/settings", need("settings.manage"), s.getSettings, Doc{Summary: "The account's sign-in settings", Reply: settingsJSON{}}},
		{"PATCH /api/v1/settings", need("settings.manage"), s.updateSettings, Doc{
			Summary: "Change the account's sign-in settings: only the members sent change", Body: settingsRequest{}, Reply: settingsJSON{}}},
		{"GET /api/v1/sso-providers", need("settings.manage"), s.listSSOProviders, Doc{
			Summary: "The account's OpenID Connect providers (never their secrets)", Reply: list[ssoProviderJSON]{}}},
		{"POST /api/v1/sso-providers", need("settings.manage"), s.createSSOProvider, Doc{
			Summary: "Add an OpenID Connect provider; with customer_id, a customer's own provider whose users stay within that customer",
			Body:    requires(ssoProviderRequest{}, "SSOProviderCreate", "name", "issuer", "client_id"), Reply: ssoProviderJSON{}, Created: true}},
		{"GET /api/v1/sso-providers/{id}", need("settings.manage"), s.getSSOProvider, Doc{Summary: "Get an OpenID Connect provider", Reply: ssoProviderJSON{}}},
		{"PATCH /api/v1/sso-providers/{id}", need("settings.manage"), s.updateSSOProvider, Doc{
			Summary: "Change an OpenID Connect provider: only the members sent change", Body: ssoProviderRequest{}, Reply: ssoProviderJSON{}}},
		{"DELETE /api/v1/sso-providers/{id}", need("settings.manage"), s.deleteSSOProvider, Doc{
			Summary: "Remove an OpenID Connect provider and the identities it linked; its users stay"}},
	}
}

type loginResponse struct {
	Token     string    `json:"token,omitempty" doc:"send as Authorization: Bearer <token>; absent while mfa_required" example:"gh_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`
	ExpiresAt time.Time `json:"expires_at" doc:"when the token, or the MFA challenge, expires"`
	// The second step of a sign-in whose user has a second factor.
	MFARequired bool     `json:"mfa_required,omitempty" doc:"true: no token yet; send a code to POST /api/v1/auth/mfa with challenge_id" example:"true"`
	ChallengeID string   `json:"challenge_id,omitempty" doc:"the sign-in waiting for its second factor; valid until expires_at" example:"gh_Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg"`
	Methods     []string `json:"methods,omitempty" enum:"totp,recovery_code,passkey" doc:"the second factors the user has"`
	// MFAEnrolmentRequired: the token opens enrolment only.
	MFAEnrolmentRequired bool `json:"mfa_enrolment_required,omitempty" doc:"true: a second factor is required and the user has none; the token only enrols one (POST /api/v1/me/mfa/totp)" example:"true"`
}

func toLoginResponse(res usecase.SignInResult) loginResponse {
	if !res.SignedIn() {
		return loginResponse{ExpiresAt: res.ChallengeExpires, MFARequired: true, ChallengeID: res.Challenge, Methods: res.Methods}
	}
	return loginResponse{Token: res.Token, ExpiresAt: res.Session.ExpiresAt, MFAEnrolmentRequired: res.MustEnrol}
}

type mfaRequest struct {
	ChallengeID string `json:"challenge_id" required:"true" doc:"from the sign-in's answer" example:"gh_Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg"`
	Code        string `json:"code" required:"true" maxLength:"40" doc:"the authenticator app's six digits, or a recovery code" example:"492039"`
}

func (s *Server) completeMFA(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	var req mfaRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var errs gatehouse.Invalids
	if req.ChallengeID == "" {
		errs.Add(gatehouse.Invalid("challenge_id", "challenge_id is required"))
	}
	if strings.TrimSpace(req.Code) == "" || len(req.Code) > 40 {
		errs.Add(gatehouse.Invalid("code", "a code is required"))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := s.uc.CompleteMFA(r.Context(), req.ChallengeID, usecase.MFAProof{Code: req.Code}, s.gate.Addrs.Addr(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toLoginResponse(res))
}

type stepUpRequest struct {
	Code string `json:"code" required:"true" maxLength:"40" doc:"the authenticator app's six digits, or a recovery code" example:"492039"`
}

type stepUpJSON struct {
	ValidUntil time.Time `json:"valid_until" doc:"sensitive routes open until then"`
	Method     string    `json:"method" enum:"totp,recovery_code,passkey" example:"totp"`
}

func (s *Server) stepUp(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req stepUpRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Code) == "" || len(req.Code) > 40 {
		return gatehouse.Invalid("code", "a code is required")
	}
	until, err := s.uc.StepUp(r.Context(), c, usecase.MFAProof{Code: req.Code}, s.gate.Addrs.Addr(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, stepUpJSON{ValidUntil: until, Method: c.MFAMethod})
}

type passkeyJSON struct {
	ID         ID         `json:"id"`
	Name       string     `json:"name" example:"YubiKey 5"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

type mfaJSON struct {
	TOTP              bool          `json:"totp" doc:"an authenticator app is set up" example:"true"`
	Passkeys          []passkeyJSON `json:"passkeys"`
	RecoveryCodesLeft int           `json:"recovery_codes_left" example:"10"`
	Required          bool          `json:"required" doc:"the account or one of the user's groups requires a second factor" example:"true"`
}

func toMFAJSON(st usecase.MFAStatus) mfaJSON {
	out := mfaJSON{TOTP: st.TOTP, Passkeys: []passkeyJSON{}, RecoveryCodesLeft: st.RecoveryCodesLeft, Required: st.Required}
	for _, k := range st.Passkeys {
		p := passkeyJSON{ID: ID(k.ID), Name: k.Name, CreatedAt: k.CreatedAt}
		if !k.LastUsedAt.IsZero() {
			p.LastUsedAt = &k.LastUsedAt
		}
		out.Passkeys = append(out.Passkeys, p)
	}
	return out
}

func (s *Server) myMFA(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	st, err := s.uc.MyFactors(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toMFAJSON(st))
}

type totpEnrolmentJSON struct {
	ChallengeID string    `json:"challenge_id" doc:"send with the app's first code to POST /api/v1/me/mfa/totp/confirm" example:"gh_Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg"`
	Secret      string    `json:"secret" doc:"base32, to type into the app by hand" example:"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"`
	OTPAuthURL  string    `json:"otpauth_url" doc:"what the QR code holds" example:"otpauth://totp/Gatehouse:owner@example.com?issuer=Gatehouse&secret=JBSWY3DPEHPK3PXP"`
	QRCodePNG   string    `json:"qr_code_png" doc:"the QR code as a base64 PNG image, drawn by the server" example:"iVBORw0KGgo="`
	ExpiresAt   time.Time `json:"expires_at" doc:"confirm before then"`
}

func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	e, err := s.uc.BeginTOTP(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, totpEnrolmentJSON{ChallengeID: e.Challenge, Secret: e.Secret, OTPAuthURL: e.URL,
		QRCodePNG: base64.StdEncoding.EncodeToString(e.QRPNG), ExpiresAt: e.ExpiresAt})
}

type confirmTOTPRequest struct {
	ChallengeID string `json:"challenge_id" required:"true" example:"gh_Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg"`
	Code        string `json:"code" required:"true" maxLength:"40" doc:"the app's current six digits" example:"492039"`
}

type recoveryCodesJSON struct {
	RecoveryCodes []string `json:"recovery_codes" doc:"each good once; shown only now. Empty when the user kept the ones they had" example:"k7m2p-9xq4d"`
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req confirmTOTPRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	var errs gatehouse.Invalids
	if req.ChallengeID == "" {
		errs.Add(gatehouse.Invalid("challenge_id", "challenge_id is required"))
	}
	if strings.TrimSpace(req.Code) == "" || len(req.Code) > 40 {
		errs.Add(gatehouse.Invalid("code", "a code is required"))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	codes, err := s.uc.ConfirmTOTP(r.Context(), c, req.ChallengeID, req.Code, s.gate.Addrs.Addr(r))
	if err != nil {
		return err
	}
	if codes == nil {
		codes = []string{}
	}
	return writeJSON(w, http.StatusOK, recoveryCodesJSON{RecoveryCodes: codes})
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if err := s.uc.DisableTOTP(r.Context(), c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) newRecoveryCodes(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	codes, err := s.uc.RegenerateRecoveryCodes(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recoveryCodesJSON{RecoveryCodes: codes})
}

func (s *Server) removePasskey(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "passkey")
	if err != nil {
		return err
	}
	if err := s.uc.RemovePasskey(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type sessionJSON struct {
	ID         ID         `json:"id"`
	Kind       string     `json:"kind" enum:"session,api" example:"session"`
	Name       string     `json:"name" example:"sign-in"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedIP  string     `json:"created_ip" doc:"the client address it was opened from" example:"203.0.113.7"`
	LastUsedIP string     `json:"last_used_ip" doc:"the client address it was last used from; empty before its first use" example:"198.51.100.23"`
	UserAgent  string     `json:"user_agent" example:"Mozilla/5.0 (X11; Linux x86_64)"`
	MFA        string     `json:"mfa" doc:"the second factor last presented on it, or none" example:"totp"`
	Current    bool       `json:"current" doc:"the session or token of this request" example:"true"`
}

func sessionList(ts []gatehouse.Token, current int64) list[sessionJSON] {
	return newList(gatehouse.Page[gatehouse.Token]{Items: ts}, func(t gatehouse.Token) sessionJSON {
		out := sessionJSON{ID: ID(t.ID), Kind: t.Kind, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
			CreatedIP: t.CreatedIP, LastUsedIP: t.LastUsedIP, UserAgent: t.UserAgent, MFA: t.MFAMethod, Current: t.ID == current}
		if out.MFA == "" {
			out.MFA = "none"
		}
		if !t.LastUsedAt.IsZero() {
			out.LastUsedAt = &t.LastUsedAt
		}
		return out
	})
}

func (s *Server) mySessions(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	ts, err := s.uc.Sessions(r.Context(), c, c.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionList(ts, c.TokenID))
}

func (s *Server) endMySession(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "session")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeToken(r.Context(), c, c.UserID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) userMFA(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	st, err := s.uc.UserFactors(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toMFAJSON(st))
}

func (s *Server) resetUserMFA(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := s.uc.ResetMFA(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) userSessions(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	ts, err := s.uc.Sessions(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sessionList(ts, c.TokenID))
}

type endedJSON struct {
	Ended int `json:"ended" doc:"how many sessions ended" example:"3"`
}

func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	n, err := s.uc.EndSessions(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, endedJSON{Ended: n})
}
