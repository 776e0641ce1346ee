// Package sso signs users in through OpenID Connect providers: the
// authorization code flow with PKCE, a nonce and a state, and an ID
// token verified against the provider's published keys (issuer,
// audience, expiry, signature, nonce). It keeps no state of its own
// beyond each provider's discovery document and keys.
package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Provider is one configured provider, with its secret opened.
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string // empty: a public client, PKCE only
	GroupsClaim  string
}

// Claims are what a verified sign-in tells about the person.
type Claims struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
	// MFA: the provider says it checked a second factor (amr).
	MFA bool
}

// Request is one authorization request's secrets, kept server-side
// between the redirect to the provider and its answer.
type Request struct {
	State    string `json:"-"` // its hash finds the request; never stored
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// NewRequest makes the random state, nonce and PKCE verifier.
func NewRequest() (Request, error) {
	var r Request
	for _, p := range []*string{&r.State, &r.Nonce} {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return r, err
		}
		*p = base64.RawURLEncoding.EncodeToString(b)
	}
	r.Verifier = oauth2.GenerateVerifier()
	return r, nil
}

// ErrRefused is a sign-in the provider's answer does not support: a
// token with the wrong issuer, audience or nonce, expired, or not signed
// by the provider's keys; a code the provider would not exchange.
var ErrRefused = errors.New("sso: the identity provider's answer was refused")

// Client talks to providers.
type Client struct {
	// RedirectURL is this server's callback, registered at each provider.
	RedirectURL string
	HTTP        *http.Client
	Now         func() time.Time

	mu        sync.Mutex
	providers map[string]cachedProvider // by issuer
}

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
}

// discoveryTTL is how long a provider's discovery document is trusted
// before it is fetched again; its keys refresh on their own when a token
// names a key not seen yet.
const discoveryTTL = time.Hour

// New returns a client whose callback is redirectURL.
func New(redirectURL string) *Client {
	return &Client{RedirectURL: redirectURL, HTTP: &http.Client{Timeout: 10 * time.Second}, Now: time.Now,
		providers: map[string]cachedProvider{}}
}

// provider fetches (or reuses) the issuer's discovery document. The
// document must name exactly the configured issuer.
func (c *Client) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	c.mu.Lock()
	cp, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && c.Now().Sub(cp.fetched) < discoveryTTL {
		return cp.p, nil
	}
	// Keys are fetched later with the context given here: not the
	// request's, which ends with the request.
	bg := oidc.ClientContext(context.WithoutCancel(ctx), c.HTTP)
	p, err := oidc.NewProvider(bg, issuer)
	if err != nil {
		return nil, fmt.Errorf("sso: discovery of %s: %w", issuer, err)
	}
	c.mu.Lock()
	c.providers[issuer] = cachedProvider{p: p, fetched: c.Now()}
	c.mu.Unlock()
	return p, nil
}

func (c *Client) config(p *oidc.Provider, pr Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: pr.ClientID, ClientSecret: pr.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// AuthURL is where to send the browser: the provider's authorization
// endpoint with the request's state, nonce and PKCE challenge.
func (c *Client) AuthURL(ctx context.Context, pr Provider, r Request) (string, error) {
	p, err := c.provider(ctx, pr.Issuer)
	if err != nil {
		return "", err
	}
	return c.config(p, pr).AuthCodeURL(r.State, oidc.Nonce(r.Nonce), oauth2.S256ChallengeOption(r.Verifier)), nil
}

// Exchange trades the code for tokens and verifies the ID token: the
// provider's signature, its issuer, this client as audience (and as the
// authorized party when there are several), expiry, and the request's
// nonce. Claims the ID token leaves out (email, groups) are read from
// the userinfo endpoint, for the same subject only.
func (c *Client) Exchange(ctx context.Context, pr Provider, r Request, code string) (Claims, error) {
	p, err := c.provider(ctx, pr.Issuer)
	if err != nil {
		return Claims{}, err
	}
	ctx = oidc.ClientContext(ctx, c.HTTP)
	conf := c.config(p, pr)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(r.Verifier))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: code exchange: %v", ErrRefused, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Claims{}, fmt.Errorf("%w: no id_token in the token response", ErrRefused)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: pr.ClientID, Now: c.Now}).Verify(ctx, raw)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if idt.Nonce != r.Nonce {
		return Claims{}, fmt.Errorf("%w: the ID token's nonce is not this sign-in's", ErrRefused)
	}
	all := map[string]any{}
	if err := idt.Claims(&all); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if len(idt.Audience) > 1 {
		if azp, _ := all["azp"].(string); azp != pr.ClientID {
			return Claims{}, fmt.Errorf("%w: the ID token is for several clients and not authorized for this one", ErrRefused)
		}
	}
	out := claimsFrom(all, pr.GroupsClaim)
	out.Subject = idt.Subject
	if (out.Email == "" || !hasClaim(all, pr.GroupsClaim)) && p.UserInfoEndpoint() != "" {
		if err := c.addUserInfo(ctx, p, tok, pr.GroupsClaim, &out); err != nil {
			return Claims{}, err
		}
	}
	return out, nil
}

// addUserInfo fills what the ID token left out from the userinfo
// endpoint, refusing an answer about another subject.
func (c *Client) addUserInfo(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, groupsClaim string, out *Claims) error {
	ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("%w: userinfo: %v", ErrRefused, err)
	}
	if ui.Subject != out.Subject {
		return fmt.Errorf("%w: userinfo is about another subject", ErrRefused)
	}
	all := map[string]any{}
	if err := ui.Claims(&all); err != nil {
		return fmt.Errorf("%w: userinfo: %v", ErrRefused, err)
	}
	more := claimsFrom(all, groupsClaim)
	if out.Email == "" {
		out.Email, out.EmailVerified = more.Email, more.EmailVerified
	}
	if out.Name == "" {
		out.Name = more.Name
	}
	if out.Groups == nil {
		out.Groups = more.Groups
	}
	return nil
}

func hasClaim(all map[string]any, name string) bool {
	_, ok := all[name]
	return ok
}

// claimsFrom reads the standard claims, and groups from the named claim
// (a string or a list of strings).
func claimsFrom(all map[string]any, groupsClaim string) Claims {
	var out Claims
	out.Email, _ = all["email"].(string)
	switch v := all["email_verified"].(type) {
	case bool:
		out.EmailVerified = v
	case string: // some providers send "true"
		out.EmailVerified = v == "true"
	}
	out.Name, _ = all["name"].(string)
	switch v := all[groupsClaim].(type) {
	case string:
		out.Groups = []string{v}
	case []any:
		for _, g := range v {
			if s, ok := g.(string); ok {
				out.Groups = append(out.Groups, s)
			}
		}
	}
	if amr, ok := all["amr"].([]any); ok {
		out.MFA = slices.ContainsFunc(amr, func(a any) bool {
			s, _ := a.(string)
			return s == "mfa" || s == "otp" || s == "hwk" || s == "swk" || s == "fido"
		})
	}
	return out
}
