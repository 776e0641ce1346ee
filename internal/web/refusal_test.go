package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// The key phrases of the delegation refusals: the stable part of each
// reason, asserted instead of the bare status so that one refusal cannot
// mask another. The API's tests hold the same phrases; a rewording
// changes both lists.
const (
	saysGlobalAdmin = "global admin" // only a global admin makes, changes or removes one
	saysCannotGrant = "cannot grant" // nobody hands out what they do not hold
	saysHoldsMore   = "holds access" // nobody manages a user who holds more than they do
)

var (
	formErrorRE = regexp.MustCompile(`(?s)<div class="error-summary" role="alert"[^>]*>(.*?)</div>`)
	errorPageRE = regexp.MustCompile(`(?s)<p class="status-code">[^<]*</p>\s*<p>(.*?)</p>`)
	tagRE       = regexp.MustCompile(`<[^>]*>`)
)

// reasonOf is the message a refused form or an error page shows: the
// form's error summary or the error page's message, as plain text, so a
// permission key elsewhere on the page (a checkbox) does not count.
func reasonOf(body string) string {
	m := formErrorRE.FindStringSubmatch(body)
	if m == nil {
		m = errorPageRE.FindStringSubmatch(body)
	}
	if m == nil {
		return ""
	}
	return html.UnescapeString(tagRE.ReplaceAllString(m[1], ""))
}

// wantRefused asserts a page answered status and that its reason says
// each phrase.
func wantRefused(t *testing.T, res response, status int, says ...string) {
	t.Helper()
	reason := reasonOf(res.body)
	if res.status != status {
		t.Fatalf("status %d (%q), want %d", res.status, reason, status)
	}
	for _, s := range says {
		if !strings.Contains(strings.ToLower(reason), strings.ToLower(s)) {
			t.Fatalf("the reason %q does not say %q", reason, s)
		}
	}
}
