package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/passkey"
)

// usePasskeys serves the env at http://localhost:<port> — a WebAuthn
// relying party needs a host name, and the browser a secure context —
// with passkeys on for that origin.
func (e *env) usePasskeys() {
	e.t.Helper()
	e.url = strings.Replace(e.url, "127.0.0.1", "localhost", 1)
	rp, err := passkey.New(e.url, "Gatehouse")
	if err != nil {
		e.t.Fatal(err)
	}
	e.uc.Passkeys = rp
}

// virtualAuthenticator gives the browser a platform authenticator that
// keeps discoverable credentials and verifies its user (Chromium's
// DevTools WebAuthn domain), as a laptop's fingerprint reader would.
func (b *browser) virtualAuthenticator() webauthn.AuthenticatorID {
	b.t.Helper()
	var id webauthn.AuthenticatorID
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		id = res.AuthenticatorID
		return err
	}))
	return id
}

// typeCode types the authenticator app's code for the clock's next step.
func (b *browser) typeCode(sel, secret string) {
	b.t.Helper()
	b.e.clock.step()
	code, err := auth.TOTPCode(secret, b.e.clock.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.SendKeys(chromedp.CSS(sel), code))
}

// enrolTOTP sets up an authenticator app on the security page, as a
// person with a phone would: reads the key the page shows, types the
// app's code. It returns the key.
func (b *browser) enrolTOTP() string {
	b.t.Helper()
	b.open("/account/security")
	b.submit("#totp-add")
	b.waitFor("the QR code", `(() => { const i = document.querySelector('#totp-qr'); return !!i && i.complete && i.naturalWidth === 240 && i.src.startsWith('data:image/png;base64,'); })()`)
	secret := b.text("#totp-secret")
	if len(secret) != 32 {
		b.t.Fatalf("the page shows the key %q", secret)
	}
	b.typeCode("#f-code", secret)
	b.submit("#totp-confirm button[type=submit]")
	if n := eval[int](b, `document.querySelectorAll('#recovery-codes li').length`); n != 10 {
		b.t.Fatalf("%d recovery codes shown after enrolling: %s", n, b.text("main"))
	}
	return secret
}

func TestBrowserTOTPEnrolmentAndSignIn(t *testing.T) {
	e := newEnv(t)
	e.user("tech@test.example", false)
	b := newBrowser(t, e)
	b.signIn("tech@test.example")
	secret := b.enrolTOTP()
	if !strings.Contains(b.text("#totp"), "Set up on") {
		t.Fatalf("the security page after enrolling: %s", b.text("#totp"))
	}
	b.signOut()

	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), "tech@test.example"), chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	b.submit("form[action='/signin'] button[type=submit]")
	if p := b.path(); p != "/signin/mfa" {
		t.Fatalf("a user with an app was not asked for a code: at %s", p)
	}
	// A wrong code keeps them out.
	b.do(chromedp.SendKeys(chromedp.CSS("#f-code"), "000000"))
	b.submit("#mfa-form button[type=submit]")
	if !strings.Contains(b.text("#mfa-error"), "wrong") {
		t.Fatalf("a wrong code: %s", b.text("main"))
	}
	b.typeCode("#f-code", secret)
	b.submit("#mfa-form button[type=submit]")
	if p := b.path(); p != "/" {
		t.Fatalf("after the right code at %s: %s", p, b.text("main"))
	}
	u, _ := e.db.UserByEmail(e.ctx, e.account, "tech@test.example")
	sessions, _ := e.db.ListSessions(e.ctx, e.account, u.ID)
	if len(sessions) != 1 || sessions[0].MFAMethod != gatehouse.MethodTOTP {
		t.Fatalf("the session does not record its second factor: %+v", sessions)
	}
}

func TestBrowserPasskeyRegistrationAndSignIn(t *testing.T) {
	e := newEnv(t)
	e.usePasskeys()
	e.user("tech@test.example", false)
	b := newBrowser(t, e)
	b.virtualAuthenticator()
	b.signIn("tech@test.example")
	b.open("/account/security")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-passkey-name"), "Laptop"))
	b.do(chromedp.Click(chromedp.CSS("#passkey-add-button")))
	b.waitFor("the recovery codes that come with a first factor", `!!document.querySelector('#recovery-codes')`)
	if !strings.Contains(b.text("#passkey-list"), "Laptop") {
		t.Fatalf("the passkey is not listed: %s", b.text("main"))
	}
	b.signOut()

	// Passwordless: the passkey alone.
	b.open("/signin")
	b.submit("#passkey-button")
	b.waitFor("the home page", `location.pathname === '/'`)
	if got := b.text(".who span"); !strings.Contains(got, "tech@test.example") {
		t.Fatalf("signed in as %q", got)
	}
	b.signOut()

	// As the second factor after a password.
	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), "tech@test.example"), chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	b.submit("form[action='/signin'] button[type=submit]")
	if p := b.path(); p != "/signin/mfa" {
		t.Fatalf("a user with a passkey was not asked for it: at %s", p)
	}
	b.submit("#mfa-passkey")
	b.waitFor("the home page", `location.pathname === '/'`)

	u, _ := e.db.UserByEmail(e.ctx, e.account, "tech@test.example")
	keys, err := e.db.Passkeys(e.ctx, e.account, u.ID)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt.IsZero() {
		t.Fatalf("passkeys %+v %v", keys, err)
	}
	for _, action := range []string{"mfa.passkey.add", "auth.sign_in"} {
		entries, _ := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: action})
		if len(entries.Items) == 0 {
			t.Errorf("%s was not audited", action)
		}
	}
	// Named and removable; removing needs a recent second factor. With
	// the last one 20 minutes old, the page asks for the passkey, then
	// carries on with the removal.
	if _, err := e.db.SQL().Exec(`UPDATE tokens SET mfa_at = ? WHERE user_id = ?`, time.Now().Add(-20*time.Minute).UnixMilli(), u.ID); err != nil {
		t.Fatal(err)
	}
	b.open("/account/security")
	b.submit("#passkey-list button[type=submit]")
	if !strings.Contains(b.text("h1"), "Confirm it’s you") {
		t.Fatalf("removing a passkey did not ask for a second factor: %s", b.text("main"))
	}
	b.do(chromedp.Click(chromedp.CSS("#stepup-passkey")))
	b.waitFor("the removal", `(document.querySelector('.flash') || {textContent: ''}).textContent.includes('Removed the passkey')`)
	if keys, _ := e.db.Passkeys(e.ctx, e.account, u.ID); len(keys) != 0 {
		t.Fatalf("the passkey is still there: %+v", keys)
	}
	steps, _ := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "auth.step_up"})
	if len(steps.Items) != 1 || !strings.Contains(string(steps.Items[0].After), `"method":"passkey"`) {
		t.Fatalf("the step-up was audited as %v", steps.Items)
	}
}

func TestBrowserRequiredMFAUserIsTakenToEnrol(t *testing.T) {
	e := newEnv(t)
	acme := e.customer("Acme Dental")
	g := e.group(gatehouse.SecurityGroup{Name: "Techs", AccessType: gatehouse.AllCustomers, Permissions: []string{"customers.view"}})
	e.user("tech@test.example", false, g)
	st := gatehouse.DefaultSettings()
	st.RequireMFA = true
	if _, err := e.db.SaveSettings(e.ctx, e.account, st); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.signIn("tech@test.example")
	if p := b.path(); p != "/account/security" || !strings.Contains(b.text("#enrol-required"), "requires a second factor") {
		t.Fatalf("not taken to enrolment: at %s: %s", p, b.text("main"))
	}
	if nav := b.navLabels(); len(nav) != 0 {
		t.Errorf("the navigation offers %v before enrolment", nav)
	}
	b.open("/customers")
	if p := b.path(); p != "/account/security" {
		t.Fatalf("opened %s before enrolling", p)
	}
	b.enrolTOTP()
	b.open(fmt.Sprintf("/customers/%d", acme))
	if p := b.path(); p != fmt.Sprintf("/customers/%d", acme) || !strings.Contains(b.text("h1"), "Acme Dental") {
		t.Fatalf("after enrolling: at %s: %s", p, b.text("main"))
	}
}

func TestBrowserStepUpBeforeRevealingACredentialResumesTheReveal(t *testing.T) {
	e, _, _, _ := coManagedModules(t)
	b := newBrowser(t, e)
	b.signIn("it@acme.example")
	secret := b.enrolTOTP()
	b.open("/credentials/new")
	b.choose("#f-customer_id", "Acme Dental")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Firewall admin"), chromedp.SendKeys(chromedp.CSS("#f-secret"), "c0rrect-H0rse!"))
	b.submit("#record-form button[type=submit]")
	credentialPage := b.path()
	// The second factor was presented 20 minutes ago: past the window.
	u, _ := e.db.UserByEmail(e.ctx, e.account, "it@acme.example")
	if _, err := e.db.SQL().Exec(`UPDATE tokens SET mfa_at = ? WHERE user_id = ?`, time.Now().Add(-20*time.Minute).UnixMilli(), u.ID); err != nil {
		t.Fatal(err)
	}
	b.open(credentialPage)
	b.submit("#reveal-form button[type=submit]")
	if !strings.Contains(b.text("h1"), "Confirm it’s you") || b.text("#secret") != "" {
		t.Fatalf("the reveal did not ask for the second factor: %s", b.text("main"))
	}
	b.typeCode("#f-stepup_code", secret)
	b.submit("#stepup-submit")
	if got := b.text("#secret"); got != "c0rrect-H0rse!" {
		t.Fatalf("the reveal did not resume after the step-up: %q %s", got, b.text("main"))
	}
	reveals, _ := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "credential.reveal"})
	steps, _ := e.db.ListAudit(e.ctx, e.account, access.All(), true, audit.Filter{Action: "auth.step_up"})
	if len(reveals.Items) != 1 || !strings.Contains(string(reveals.Items[0].After), `"mfa":"totp"`) || len(steps.Items) != 1 {
		t.Fatalf("audited reveals %v, step-ups %v", reveals.Items, steps.Items)
	}
}
