package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The content security policy is what keeps an injected script from
// running should a name ever slip through escaping. cspProblems parses
// the header and checks every directive that matters, so a policy that
// merely still contains "script-src 'self'" (next to 'unsafe-inline', say)
// fails.

// scriptSources may appear in script-src and style-src: the site's own
// files, 'none', nonces and hashes. Anything else — 'unsafe-inline',
// 'unsafe-eval', 'unsafe-hashes', 'strict-dynamic', wildcards, schemes,
// hosts — lets injected code or code from elsewhere run.
func scriptSource(src string) bool {
	return src == "'self'" || src == "'none'" || strings.HasPrefix(src, "'nonce-") ||
		strings.HasPrefix(src, "'sha256-") || strings.HasPrefix(src, "'sha384-") || strings.HasPrefix(src, "'sha512-")
}

func ownSource(src string) bool { return src == "'self'" || src == "'none'" }

// cspRules are the directives the policy must state, with the sources
// each may list. Fetch directives not named here (connect-src, font-src…)
// may only list the site itself.
var cspRules = []struct {
	directive string
	required  bool
	ok        func(string) bool
}{
	{"default-src", true, ownSource},
	{"script-src", true, scriptSource},
	{"script-src-elem", false, scriptSource},
	{"script-src-attr", false, func(s string) bool { return s == "'none'" }},
	{"style-src", true, scriptSource},
	{"style-src-elem", false, scriptSource},
	{"style-src-attr", false, func(s string) bool { return s == "'none'" }},
	{"img-src", false, func(s string) bool { return ownSource(s) || s == "data:" }},
	{"object-src", true, func(s string) bool { return s == "'none'" }},
	{"base-uri", true, ownSource},
	{"form-action", true, ownSource},
	{"frame-ancestors", true, func(s string) bool { return s == "'none'" }},
}

// parseCSP splits a policy into directives; a repeated directive is
// reported, since browsers silently use only its first occurrence.
func parseCSP(policy string) (map[string][]string, []string) {
	out := map[string][]string{}
	var problems []string
	for _, part := range strings.Split(policy, ";") {
		fields := strings.Fields(strings.ToLower(part))
		if len(fields) == 0 {
			continue
		}
		if _, dup := out[fields[0]]; dup {
			problems = append(problems, fields[0]+" appears twice")
			continue
		}
		out[fields[0]] = fields[1:]
	}
	return out, problems
}

// cspProblems lists what is wrong with a response's policy.
func cspProblems(h http.Header) []string {
	policies := h.Values("Content-Security-Policy")
	if len(policies) != 1 {
		return []string{"want exactly one Content-Security-Policy header, got " + strings.Join(policies, " | ")}
	}
	dirs, problems := parseCSP(policies[0])
	known := map[string]bool{}
	for _, r := range cspRules {
		known[r.directive] = true
		srcs, ok := dirs[r.directive]
		if !ok {
			if r.required {
				problems = append(problems, r.directive+" is missing")
			}
			continue
		}
		if len(srcs) == 0 {
			problems = append(problems, r.directive+" lists no source")
		}
		for _, s := range srcs {
			if !r.ok(s) {
				problems = append(problems, r.directive+" allows "+s)
			}
		}
	}
	for d, srcs := range dirs {
		if known[d] || !strings.HasSuffix(d, "-src") {
			continue
		}
		for _, s := range srcs {
			if !ownSource(s) {
				problems = append(problems, d+" allows "+s)
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// The checker itself must catch each way the policy could be weakened.
func TestTheCSPCheckCatchesAWeakenedPolicy(t *testing.T) {
	const good = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	header := func(policy string) http.Header {
		h := http.Header{}
		h.Set("Content-Security-Policy", policy)
		return h
	}
	if p := cspProblems(header(good)); len(p) != 0 {
		t.Fatalf("the intended policy fails the check: %v", p)
	}
	weakened := map[string]string{
		"inline scripts":                 strings.Replace(good, "script-src 'self'", "script-src 'self' 'unsafe-inline'", 1),
		"eval":                           strings.Replace(good, "script-src 'self'", "script-src 'self' 'unsafe-eval'", 1),
		"scripts from anywhere":          strings.Replace(good, "script-src 'self'", "script-src *", 1),
		"scripts over https":             strings.Replace(good, "script-src 'self'", "script-src 'self' https:", 1),
		"scripts from data URLs":         strings.Replace(good, "script-src 'self'", "script-src 'self' data:", 1),
		"scripts from another host":      strings.Replace(good, "script-src 'self'", "script-src 'self' cdn.example.com", 1),
		"inline event handlers":          good + "; script-src-attr 'unsafe-inline'",
		"no script-src":                  strings.Replace(good, "script-src 'self'; ", "", 1),
		"a default that allows anything": strings.Replace(good, "default-src 'self'", "default-src *", 1),
		"inline styles":                  strings.Replace(good, "style-src 'self'", "style-src 'self' 'unsafe-inline'", 1),
		"images from anywhere":           strings.Replace(good, "img-src 'self' data:", "img-src *", 1),
		"plugins":                        strings.Replace(good, "object-src 'none'", "object-src 'self'", 1),
		"no base-uri":                    strings.Replace(good, "base-uri 'none'; ", "", 1),
		"forms posting elsewhere":        strings.Replace(good, "form-action 'self'", "form-action *", 1),
		"framing":                        strings.Replace(good, "frame-ancestors 'none'", "frame-ancestors 'self'", 1),
		"a loosened repeat first":        "script-src 'self' 'unsafe-inline'; " + good,
		"connections anywhere":           good + "; connect-src *",
	}
	for name, policy := range weakened {
		if p := cspProblems(header(policy)); len(p) == 0 {
			t.Errorf("%s (%s) passes the check", name, policy)
		}
	}
	h := header(good)
	h.Add("Content-Security-Policy", "script-src *")
	if p := cspProblems(h); len(p) == 0 {
		t.Error("a second policy header passes the check")
	}
}
