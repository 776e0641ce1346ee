package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"sync"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// A page that posts a form on — the access-change review, the step-up
// prompt — never writes the form's secrets (a new user's password, a
// credential's secret, a provider's client secret) into its HTML. Each is
// held in memory under a random handle bound to the session, for a few
// minutes and one use; the page carries the handle, and the form gets
// its value back when it is posted on, before any handler reads it.

// heldField carries the handles of a re-posted form's secrets.
const heldField = "held_secret"

// secretFields are the form fields whose values are secrets.
var secretFields = []string{"password", "secret", "client_secret"}

// heldFor is how long a held secret waits for its form to come back.
const heldFor = 15 * time.Minute

type heldSecret struct {
	token   int64 // the session that may take it back
	name    string
	value   string
	expires time.Time
}

// heldSecrets are the secrets waiting for their forms.
type heldSecrets struct {
	mu sync.Mutex
	m  map[string]heldSecret
}

// hold keeps value for the session and returns its handle.
func (h *heldSecrets) hold(token int64, name, value string) string {
	var b [18]byte
	rand.Read(b[:])
	handle := base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]heldSecret{}
	}
	for k, s := range h.m {
		if now.After(s.expires) {
			delete(h.m, k)
		}
	}
	h.m[handle] = heldSecret{token: token, name: name, value: value, expires: now.Add(heldFor)}
	return handle
}

// take returns the secret held under handle for the session, once.
func (h *heldSecrets) take(token int64, handle string) (heldSecret, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.m[handle]
	if !ok || s.token != token || time.Now().After(s.expires) {
		return heldSecret{}, false
	}
	delete(h.m, handle)
	return s, true
}

// formFields are the posted form's fields for a page to post on, but
// those skip names; secrets are replaced by handles.
func (s *Server) formFields(r *http.Request, c *authz.Caller, skip func(name string) bool) []hiddenField {
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if !skip(k) && k != heldField {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []hiddenField
	for _, k := range keys {
		for _, v := range r.PostForm[k] {
			if slices.Contains(secretFields, k) && v != "" {
				out = append(out, hiddenField{Name: heldField, Value: s.held.hold(c.TokenID, k, v)})
				continue
			}
			out = append(out, hiddenField{Name: k, Value: v})
		}
	}
	return out
}

// restoreHeld gives a re-posted form its held secrets back. A secret no
// longer held (expired, used, another session's) refuses the form: going
// on without it would, say, save a user's groups but not their new
// password, and say "Saved".
func (s *Server) restoreHeld(r *http.Request, c *authz.Caller) error {
	handles := r.PostForm[heldField]
	if len(handles) == 0 {
		return nil
	}
	delete(r.PostForm, heldField)
	delete(r.Form, heldField)
	for _, h := range handles {
		sec, ok := s.held.take(c.TokenID, h)
		if !ok || !slices.Contains(secretFields, sec.name) {
			return gatehouse.Errorf(gatehouse.EConflict, "the form's secret is no longer kept (it is kept %d minutes, once); go back and enter it again", int(heldFor/time.Minute))
		}
		r.PostForm[sec.name] = append(r.PostForm[sec.name], sec.value)
		r.Form[sec.name] = append(r.Form[sec.name], sec.value)
	}
	return nil
}
