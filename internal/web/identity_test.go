package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A passwordless sign-in keeps a ceremony row until it expires; one
// address cannot open them without end.
func TestStartingPasswordlessSignInsIsBounded(t *testing.T) {
	e := newEnv(t)
	e.usePasskeys()
	c := e.client()
	for i := range 60 {
		if res := c.post("/signin/passkey/options", url.Values{}); res.status != http.StatusOK || !strings.Contains(res.body, `"publicKey"`) {
			t.Fatalf("ceremony %d: %d %s", i, res.status, res.body)
		}
	}
	if res := c.post("/signin/passkey/options", url.Values{}); res.status != http.StatusTooManyRequests {
		t.Fatalf("the 61st ceremony in ten minutes: %d", res.status)
	}
}

// The second step of a sign-in needs its challenge: without one the
// page sends the visitor back to the first step, and a made-up one is
// refused.
func TestTheSecondFactorPageNeedsASignInWaitingForIt(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if res := c.get("/signin/mfa"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/signin" {
		t.Fatalf("without a sign-in: %d %s", res.status, res.header.Get("Location"))
	}
	u, _ := url.Parse(e.url)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_mfa", Value: "gh_madeup", Path: "/signin"}})
	if res := c.post("/signin/mfa", url.Values{"code": {"123456"}}); res.status != http.StatusUnauthorized || !strings.Contains(res.body, "sign in again") {
		t.Fatalf("a made-up challenge: %d %s", res.status, res.body)
	}
}
