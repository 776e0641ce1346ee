package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
	"gatehouse/internal/usecase"
)

// clock is the use cases' clock in these tests: a TOTP code is good once
// per 30-second step, so a test that presents several moves it on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// step moves the clock to the next TOTP step.
func (c *clock) step() {
	c.mu.Lock()
	c.t = c.t.Add(auth.TOTPPeriod * time.Second)
	c.mu.Unlock()
}

// newClockWorld is a world whose use cases read clk.
func newClockWorld(t *testing.T, db *sqldb.DB) (*world, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: fastHash, HashSlots: 4, Now: clk.Now})
	uc.Vault = testVault
	api := httpapi.New(db, uc, gate, slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	api.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	w := &world{t: t, db: db, srv: srv, clk: clk}
	w.acct = w.account("Test MSP")
	w.admin = w.login(w.newUser(w.acct.ID, "admin@test.example", true))
	return w, clk
}

func eachClockBackend(t *testing.T, fn func(t *testing.T, w *world, clk *clock)) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			w, clk := newClockWorld(t, b.Open(t))
			fn(t, w, clk)
		})
	}
}

// totpAt is an authenticator app's code at t.
func totpAt(secret string, t time.Time) string {
	code, err := auth.TOTPCode(secret, t)
	if err != nil {
		panic(err)
	}
	return code
}

// code is the app's code now, by the world's clock.
func (w *world) code(secret string) string {
	if w.clk != nil {
		return totpAt(secret, w.clk.Now())
	}
	return totpAt(secret, time.Now())
}

// enrolTOTP sets up an authenticator app for the token's user through
// the API, and returns its secret.
func (w *world) enrolTOTP(tok string) string {
	w.t.Helper()
	var e struct {
		ChallengeID string `json:"challenge_id"`
		Secret      string
		QRCodePNG   string `json:"qr_code_png"`
		OTPAuthURL  string `json:"otpauth_url"`
	}
	w.want(201, tok, "POST", "/api/v1/me/mfa/totp", nil, &e)
	if !strings.HasPrefix(e.OTPAuthURL, "otpauth://totp/") || e.QRCodePNG == "" {
		w.t.Fatalf("enrolment without a QR code or otpauth URL: %+v", e)
	}
	var codes struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	w.want(200, tok, "POST", "/api/v1/me/mfa/totp/confirm", map[string]any{"challenge_id": e.ChallengeID, "code": w.code(e.Secret)}, &codes)
	w.lastCodes = codes.RecoveryCodes
	return e.Secret
}

type loginAnswer struct {
	Token                string
	ExpiresAt            time.Time `json:"expires_at"`
	MFARequired          bool      `json:"mfa_required"`
	ChallengeID          string    `json:"challenge_id"`
	Methods              []string
	MFAEnrolmentRequired bool `json:"mfa_enrolment_required"`
}

func (w *world) loginAnswer(email string) loginAnswer {
	w.t.Helper()
	var a loginAnswer
	w.want(200, "", "POST", "/api/v1/auth/login", w.creds(email, testPassword), &a)
	return a
}

// loginMFA signs in with a password and the app's current code.
func (w *world) loginMFA(email, secret string) string {
	w.t.Helper()
	a := w.loginAnswer(email)
	if !a.MFARequired || a.Token != "" {
		w.t.Fatalf("sign-in of a user with a factor answered %+v", a)
	}
	var done loginAnswer
	w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": w.code(secret)}, &done)
	return done.Token
}

func (w *world) userID(email string) int64 {
	w.t.Helper()
	u, err := w.db.UserByEmail(context.Background(), w.acct.ID, email)
	if err != nil {
		w.t.Fatal(err)
	}
	return u.ID
}

// auditActions lists the actions of the account's audit log.
func (w *world) auditActions() []audit.Entry {
	w.t.Helper()
	page, err := w.db.ListAudit(context.Background(), w.acct.ID, access.All(), true, audit.Filter{Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	return page.Items
}

func (w *world) audited(action string, userID int64) []audit.Entry {
	var out []audit.Entry
	for _, e := range w.auditActions() {
		if e.Action == action && (userID == 0 || e.TargetID == userID) {
			out = append(out, e)
		}
	}
	return out
}

func problemCode(raw []byte) string {
	var p httpapi.Problem
	json.Unmarshal(raw, &p)
	return p.Code
}

func TestSignInAsksForTheSecondFactorAndOnlyTheRightCodeCompletesIt(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		secret := w.enrolTOTP(tok)
		if len(w.lastCodes) != 10 {
			t.Fatalf("a first factor came with %d recovery codes, want 10", len(w.lastCodes))
		}
		clk.step()
		a := w.loginAnswer("tech@test.example")
		if !a.MFARequired || a.Token != "" || a.ChallengeID == "" || !a.ExpiresAt.After(time.Now()) || a.ExpiresAt.After(time.Now().Add(10*time.Minute)) {
			t.Fatalf("a user with a factor got %+v, want mfa_required with a short-lived challenge", a)
		}
		if strings.Join(a.Methods, ",") != "totp,recovery_code" {
			t.Errorf("methods %v", a.Methods)
		}
		wrong := totpAt(secret, clk.Now().Add(-10*time.Minute))
		status, raw, _ := w.do("", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": wrong})
		if status != 401 || problemCode(raw) != gatehouse.EUnauthorized {
			t.Fatalf("a wrong code: %d %s", status, raw)
		}
		w.wantRefused(t, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": "gh_" + a.ChallengeID[3:10] + "x", "code": w.code(secret)},
			refusal{status: 401, says: []string{"sign in again"}})
		var done loginAnswer
		w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": w.code(secret)}, &done)
		if done.Token == "" || done.MFARequired {
			t.Fatalf("the right code answered %+v", done)
		}
		w.want(200, done.Token, "GET", "/api/v1/me", nil, nil)
		clk.step()
		w.wantRefused(t, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": w.code(secret)},
			refusal{status: 401, says: []string{"sign in again"}})
		if len(w.audited("auth.mfa_failed", w.userID("tech@test.example"))) != 1 {
			t.Error("the wrong code was not audited")
		}
		if len(w.audited("mfa.totp.enrol", w.userID("tech@test.example"))) != 1 {
			t.Error("the enrolment was not audited")
		}
	})
}

func TestAUsedTOTPCodeIsRefusedASecondTime(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		secret := w.enrolTOTP(tok)
		clk.step()
		code := w.code(secret)
		first := w.loginAnswer("tech@test.example")
		w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": first.ChallengeID, "code": code}, nil)
		second := w.loginAnswer("tech@test.example")
		status, raw, _ := w.do("", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": second.ChallengeID, "code": code})
		if status != 401 {
			t.Fatalf("the same code twice: %d %s", status, raw)
		}
		// Nor as a step-up, nor an earlier step's code.
		w.wantRefused(t, tok, "POST", "/api/v1/auth/step-up", map[string]any{"code": code}, refusal{status: 401, field: "code"})
		w.wantRefused(t, tok, "POST", "/api/v1/auth/step-up", map[string]any{"code": totpAt(secret, clk.Now().Add(-30*time.Second))}, refusal{status: 401, field: "code"})
		clk.step()
		w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": second.ChallengeID, "code": w.code(secret)}, nil)
	})
}

func TestRecoveryCodesAreSingleUse(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		w.enrolTOTP(tok)
		code := w.lastCodes[3]
		a := w.loginAnswer("tech@test.example")
		var done loginAnswer
		w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": strings.ToUpper(code)}, &done)
		var st struct {
			RecoveryCodesLeft int `json:"recovery_codes_left"`
		}
		w.want(200, done.Token, "GET", "/api/v1/me/mfa", nil, &st)
		if st.RecoveryCodesLeft != 9 {
			t.Errorf("%d recovery codes left, want 9", st.RecoveryCodesLeft)
		}
		b := w.loginAnswer("tech@test.example")
		w.wantRefused(t, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": b.ChallengeID, "code": code}, refusal{status: 401, field: "code"})
		w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": b.ChallengeID, "code": w.lastCodes[4]}, nil)
		// New codes replace the old ones.
		clk.step()
		var fresh struct {
			RecoveryCodes []string `json:"recovery_codes"`
		}
		w.want(200, done.Token, "POST", "/api/v1/me/mfa/recovery-codes", nil, &fresh)
		c := w.loginAnswer("tech@test.example")
		w.wantRefused(t, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": c.ChallengeID, "code": w.lastCodes[5]}, refusal{status: 401, field: "code"})
		w.want(200, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": c.ChallengeID, "code": fresh.RecoveryCodes[0]}, nil)
	})
}

func TestWrongCodesAreThrottledLikePasswords(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		secret := w.enrolTOTP(tok)
		clk.step()
		// Five wrong codes end a challenge; more challenges keep counting.
		var last int
		for i := range 7 {
			a := w.loginAnswer("tech@test.example")
			last, _, _ = w.do("", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": fmt.Sprintf("%06d", i)})
		}
		if last != 429 {
			t.Fatalf("the seventh wrong code: %d, want 429", last)
		}
		a := w.loginAnswer("tech@test.example")
		status, raw, hdr := w.do("", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": w.code(secret)})
		if status != 429 || hdr.Get("Retry-After") == "" {
			t.Fatalf("even the right code is held back while throttled: got %d %s", status, raw)
		}
	})
}

func TestFiveWrongAnswersEndAChallenge(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		secret := w.enrolTOTP(tok)
		clk.step()
		a := w.loginAnswer("tech@test.example")
		for i := range 4 {
			w.do("", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": fmt.Sprintf("%06d", i)})
		}
		// the fifth wrong answer, from a recovery-code guess
		w.do("", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": "aaaaa-bbbbb"})
		w.wantRefused(t, "", "POST", "/api/v1/auth/mfa", map[string]any{"challenge_id": a.ChallengeID, "code": w.code(secret)},
			refusal{status: 401, says: []string{"sign in again"}})
	})
}

// stale makes a session's last second factor older than the window.
func (w *world) stale(token string) {
	w.t.Helper()
	if _, err := w.db.SQL().Exec(`UPDATE tokens SET mfa_at = $1 WHERE token_hash = $2`, time.Now().Add(-2*time.Hour).UnixMilli(), auth.HashToken(token)); err != nil {
		w.t.Fatal(err)
	}
}

func TestEverySensitiveRouteAsksForAFreshSecondFactor(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		w.newUser(w.acct.ID, "boss@test.example", true)
		tok := w.login("boss@test.example")
		secret := w.enrolTOTP(tok)
		clk.step()
		tok = w.loginMFA("boss@test.example", secret)
		target := w.userID("admin@test.example")
		w.want(200, tok, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", target), nil, nil) // fresh from sign-in
		w.stale(tok)
		routes := httpapi.New(nil, nil, nil, nil).Routes()
		n := 0
		for _, rt := range routes {
			if !rt.Need.NeedsStepUp() {
				continue
			}
			method, pattern, _ := strings.Cut(rt.Pattern, " ")
			path := strings.NewReplacer("{id}", id(target), "{customer_id}", "1", "{token_id}", "1").Replace(pattern)
			status, raw, hdr := w.do(tok, method, path, nil)
			var p httpapi.Problem
			json.Unmarshal(raw, &p)
			if status != 401 || p.Code != gatehouse.EStepUp || p.Type != "urn:gatehouse:problem:step_up_required" || hdr.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s with a stale second factor: %d %s", rt.Pattern, status, raw)
			}
			n++
		}
		// Every sensitive permission of the catalog guards some route.
		for _, want := range []string{"credentials.reveal", "scripts.run", "scripts.create", "scripts.edit", "users.manage",
			"security_groups.manage", "api_tokens.manage", "settings.manage", "customers.delete", "assets.delete"} {
			found := false
			for _, rt := range routes {
				found = found || (rt.Need.Permission == want && rt.Need.NeedsStepUp())
			}
			if !found {
				t.Errorf("no route needing %s asks for a step-up", want)
			}
		}
		if n < 40 {
			t.Errorf("only %d routes ask for a step-up", n)
		}
		t.Logf("%d sensitive routes answered step_up_required", n)
		// Non-sensitive routes go on.
		w.want(200, tok, "GET", "/api/v1/customers", nil, nil)
		// Stepping up opens them again, and is audited.
		clk.step()
		var up struct {
			ValidUntil time.Time `json:"valid_until"`
			Method     string
		}
		w.want(200, tok, "POST", "/api/v1/auth/step-up", map[string]any{"code": w.code(secret)}, &up)
		if up.Method != "totp" || up.ValidUntil.Before(time.Now().Add(10*time.Minute)) {
			t.Errorf("step-up answered %+v", up)
		}
		w.want(200, tok, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", target), nil, nil)
		if len(w.audited("auth.step_up", w.userID("boss@test.example"))) != 1 {
			t.Error("the step-up was not audited")
		}
	})
}

func TestUsersWithoutAFactorAreNotBlockedButTheirRevealsAreMarked(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		cu := w.customer(w.acct.ID, "Acme")
		var cred struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(cu), "name": "router", "secret": "s3cr3t"}, &cred)
		w.want(200, w.admin, "GET", "/api/v1/credentials/"+cred.ID+"/secret", nil, nil)
		entries, err := w.db.ListAudit(context.Background(), w.acct.ID, access.All(), true, audit.Filter{Action: "credential.reveal"})
		if err != nil || len(entries.Items) != 1 {
			t.Fatalf("reveals audited: %v %v", entries.Items, err)
		}
		var after map[string]any
		json.Unmarshal(entries.Items[0].After, &after)
		if after["mfa"] != "none" {
			t.Errorf("a reveal without a second factor is not marked: %s", entries.Items[0].After)
		}
	})
}

func TestPersonalAPITokensDoNotStepUp(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		w.newUser(w.acct.ID, "boss@test.example", true)
		secret := w.enrolTOTP(w.login("boss@test.example"))
		clk.step()
		tok := w.loginMFA("boss@test.example", secret)
		var api struct{ Token string }
		w.want(201, tok, "POST", "/api/v1/me/tokens", map[string]any{"name": "sync"}, &api)
		w.stale(tok)
		w.want(200, api.Token, "GET", "/api/v1/users", nil, nil)
		w.want(200, api.Token, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", w.userID("admin@test.example")), nil, nil)
		w.wantRefused(t, tok, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", w.userID("admin@test.example")), nil, refusal{status: 401})
	})
}

func TestARequiredSecondFactorMustBeEnrolledBeforeAnythingElse(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		w.customer(w.acct.ID, "Acme")
		w.want(200, w.admin, "PATCH", "/api/v1/settings", map[string]any{"require_mfa": true}, nil)
		tech := w.newUser(w.acct.ID, "tech@test.example", false, w.group("techs", gatehouse.AllCustomers, nil, "customers.view"))
		a := w.loginAnswer(tech)
		if a.Token == "" || !a.MFAEnrolmentRequired {
			t.Fatalf("a required user without a factor got %+v", a)
		}
		status, raw, _ := w.do(a.Token, "GET", "/api/v1/customers", nil)
		if status != 403 || problemCode(raw) != gatehouse.EEnrol {
			t.Fatalf("before enrolling: %d %s", status, raw)
		}
		// Their API tokens are held back too.
		w.wantRefused(t, a.Token, "POST", "/api/v1/me/tokens", map[string]any{"name": "x"}, refusal{status: 403})
		w.want(200, a.Token, "GET", "/api/v1/me", nil, nil)
		w.want(200, a.Token, "GET", "/api/v1/me/mfa", nil, nil)
		w.enrolTOTP(a.Token)
		w.want(200, a.Token, "GET", "/api/v1/customers", nil, nil)
		// The last factor of a required user stays.
		clk.step()
		w.wantRefused(t, a.Token, "DELETE", "/api/v1/me/mfa/totp", nil, refusal{status: 409, says: []string{"required"}})
		// The global admin who turned it on is held to it too.
		status, raw, _ = w.do(w.admin, "GET", "/api/v1/customers", nil)
		if status != 403 || problemCode(raw) != gatehouse.EEnrol {
			t.Fatalf("the admin without a factor: %d %s", status, raw)
		}
	})
}

func TestAGroupCanRequireASecondFactorOfItsMembers(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		strict := w.group("strict", gatehouse.AllCustomers, nil, "customers.view")
		loose := w.group("loose", gatehouse.AllCustomers, nil, "customers.view")
		w.want(200, w.admin, "PATCH", "/api/v1/settings", map[string]any{"mfa_security_group_ids": []string{id(strict)}}, nil)
		in := w.loginAnswer(w.newUser(w.acct.ID, "in@test.example", false, strict))
		out := w.loginAnswer(w.newUser(w.acct.ID, "out@test.example", false, loose))
		if !in.MFAEnrolmentRequired || out.MFAEnrolmentRequired {
			t.Fatalf("member %+v, non-member %+v", in, out)
		}
		w.wantRefused(t, in.Token, "GET", "/api/v1/customers", nil, refusal{status: 403})
		w.want(200, out.Token, "GET", "/api/v1/customers", nil, nil)
		w.wantRefused(t, w.admin, "PATCH", "/api/v1/settings", map[string]any{"mfa_security_group_ids": []string{"999999"}},
			refusal{status: 400, field: "mfa_security_group_ids"})
	})
}

func TestSettingsRefuseOutOfRangeValuesNamingEachField(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		status, raw, _ := w.do(w.admin, "PATCH", "/api/v1/settings", map[string]any{"step_up_minutes": 0, "session_max_hours": 100000})
		var p httpapi.Problem
		json.Unmarshal(raw, &p)
		if status != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "step_up_minutes" || p.Errors[1].Field != "session_max_hours" {
			t.Fatalf("%d %s", status, raw)
		}
		var st struct {
			StepUpMinutes int `json:"step_up_minutes"`
		}
		w.want(200, w.admin, "GET", "/api/v1/settings", nil, &st)
		if st.StepUpMinutes != 15 {
			t.Errorf("a refused change changed the step-up window to %d", st.StepUpMinutes)
		}
		tech := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		w.wantRefused(t, tech, "GET", "/api/v1/settings", nil, refusal{status: 403})
	})
}

func TestAnAdminResetsAUsersFactorsUnderTheDelegationRule(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		cu := w.customer(w.acct.ID, "Acme")
		techTok := w.login(w.newUser(w.acct.ID, "tech@test.example", false, w.group("techs", gatehouse.AllCustomers, nil, "customers.view", "assets.view")))
		secret := w.enrolTOTP(techTok)
		tech := w.userID("tech@test.example")
		// A delegated manager who does not hold what the tech holds
		// cannot reset them.
		mgr := w.login(w.newUser(w.acct.ID, "mgr@test.example", false, w.group("managers", gatehouse.AllCustomers, nil, "users.view", "users.manage", "customers.view")))
		w.wantRefused(t, mgr, "DELETE", fmt.Sprintf("/api/v1/users/%d/mfa", tech), nil, forbidden(saysHoldsMore))
		w.wantRefused(t, mgr, "DELETE", fmt.Sprintf("/api/v1/users/%d/sessions", tech), nil, forbidden(saysHoldsMore))
		_ = cu
		var st struct{ TOTP bool }
		w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/users/%d/mfa", tech), nil, &st)
		if !st.TOTP {
			t.Fatal("the tech's app does not show")
		}
		w.want(204, w.admin, "DELETE", fmt.Sprintf("/api/v1/users/%d/mfa", tech), nil, nil)
		w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/users/%d/mfa", tech), nil, &st)
		if st.TOTP {
			t.Error("the reset left the app")
		}
		if a := w.loginAnswer("tech@test.example"); a.MFARequired {
			t.Error("after a reset, sign-in still asks for the old factor")
		}
		if len(w.audited("mfa.reset", tech)) != 1 {
			t.Error("the reset was not audited")
		}
		_ = secret
		// Ending all of a user's sessions.
		var ended struct{ Ended int }
		w.want(200, w.admin, "DELETE", fmt.Sprintf("/api/v1/users/%d/sessions", tech), nil, &ended)
		if ended.Ended < 2 {
			t.Errorf("ended %d sessions, want the tech's two", ended.Ended)
		}
		w.want(401, techTok, "GET", "/api/v1/me", nil, nil)
	})
}

func TestUsersSeeAndEndTheirSessionsAndTokens(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		w.newUser(w.acct.ID, "tech@test.example", false, w.group("tokens", gatehouse.AllCustomers, nil, "api_tokens.manage"))
		one, two := w.login("tech@test.example"), w.login("tech@test.example")
		w.want(201, one, "POST", "/api/v1/me/tokens", map[string]any{"name": "script"}, nil)
		var list struct {
			Items []struct {
				ID, Kind, Name, MFA string
				CreatedIP           string `json:"created_ip"`
				UserAgent           string `json:"user_agent"`
				Current             bool
			}
		}
		w.want(200, one, "GET", "/api/v1/me/sessions", nil, &list)
		if len(list.Items) != 3 {
			t.Fatalf("sessions %+v", list.Items)
		}
		current := 0
		for _, s := range list.Items {
			if s.CreatedIP != "127.0.0.1" || s.MFA != "none" || (s.Kind == "session" && s.UserAgent == "") {
				t.Errorf("session without where it came from: %+v", s)
			}
			if s.Current {
				current++
			}
		}
		if current != 1 {
			t.Errorf("%d sessions marked current", current)
		}
		// Another user's session is not found.
		other := w.login(w.newUser(w.acct.ID, "other@test.example", false))
		for _, s := range list.Items {
			w.wantRefused(t, other, "DELETE", "/api/v1/me/sessions/"+s.ID, nil, refusal{status: 404})
		}
		for _, s := range list.Items {
			if !s.Current && s.Kind == "session" {
				w.want(204, one, "DELETE", "/api/v1/me/sessions/"+s.ID, nil, nil)
			}
		}
		w.want(401, two, "GET", "/api/v1/me", nil, nil)
		w.want(200, one, "GET", "/api/v1/me", nil, nil)
		if len(w.audited("auth.sign_out", w.userID("tech@test.example"))) != 1 {
			t.Error("ending a session was not audited")
		}
	})
}

func TestSessionsEndWhenIdleOrTooOld(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		w.want(200, w.admin, "PATCH", "/api/v1/settings", map[string]any{"session_idle_minutes": 30, "session_max_hours": 8}, nil)
		idle, old, fine := w.login("admin@test.example"), w.login("admin@test.example"), w.login("admin@test.example")
		w.db.SQL().Exec(`UPDATE tokens SET created_at = $1, last_used_at = $1 WHERE token_hash = $2`, time.Now().Add(-40*time.Minute).UnixMilli(), auth.HashToken(idle))
		w.db.SQL().Exec(`UPDATE tokens SET created_at = $1, last_used_at = $2 WHERE token_hash = $3`, time.Now().Add(-9*time.Hour).UnixMilli(), time.Now().UnixMilli(), auth.HashToken(old))
		w.wantRefused(t, idle, "GET", "/api/v1/me", nil, refusal{status: 401, says: []string{"session has ended"}})
		w.wantRefused(t, old, "GET", "/api/v1/me", nil, refusal{status: 401, says: []string{"session has ended"}})
		w.want(200, fine, "GET", "/api/v1/me", nil, nil)
		var a loginAnswer
		w.want(200, "", "POST", "/api/v1/auth/login", w.creds("admin@test.example", testPassword), &a)
		if a.ExpiresAt.After(time.Now().Add(8*time.Hour + time.Minute)) {
			t.Errorf("a new session lasts until %v, beyond the 8 hours allowed", a.ExpiresAt)
		}
	})
}

func TestEnrolmentRemovalAndResetsAreAudited(t *testing.T) {
	eachClockBackend(t, func(t *testing.T, w *world, clk *clock) {
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false))
		w.enrolTOTP(tok)
		tech := w.userID("tech@test.example")
		clk.step()
		// Moving the app to a new device is a reset, and needs the new code.
		var e struct {
			ChallengeID string `json:"challenge_id"`
			Secret      string
		}
		w.want(201, tok, "POST", "/api/v1/me/mfa/totp", nil, &e)
		w.wantRefused(t, tok, "POST", "/api/v1/me/mfa/totp/confirm", map[string]any{"challenge_id": e.ChallengeID, "code": "000000"}, refusal{status: 400, field: "code"})
		var codes struct {
			RecoveryCodes []string `json:"recovery_codes"`
		}
		w.want(200, tok, "POST", "/api/v1/me/mfa/totp/confirm", map[string]any{"challenge_id": e.ChallengeID, "code": w.code(e.Secret)}, &codes)
		if len(codes.RecoveryCodes) != 0 {
			t.Error("moving the app replaced the recovery codes")
		}
		clk.step()
		w.want(204, tok, "DELETE", "/api/v1/me/mfa/totp", nil, nil)
		for _, action := range []string{"mfa.totp.enrol", "mfa.totp.reset", "mfa.totp.remove", "mfa.recovery_codes.generate"} {
			if len(w.audited(action, tech)) == 0 {
				t.Errorf("%s was not audited", action)
			}
		}
		var st struct {
			TOTP              bool
			RecoveryCodesLeft int `json:"recovery_codes_left"`
		}
		w.want(200, tok, "GET", "/api/v1/me/mfa", nil, &st)
		if st.TOTP || st.RecoveryCodesLeft != 0 {
			t.Errorf("after removing the only factor: %+v", st)
		}
	})
}
