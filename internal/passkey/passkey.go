// Package passkey runs WebAuthn ceremonies (passkeys and security keys)
// for one relying party: the options a browser's navigator.credentials
// call takes, and the verification of what it answers. It keeps no
// state: the caller stores each ceremony's session between its two
// halves, and the credentials.
package passkey

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// RP is the relying party: this server, at its public address.
type RP struct {
	wa *webauthn.WebAuthn
}

// New configures the relying party for the server's public URL: its
// host is the RP ID, and the URL's origin the only origin accepted, so
// an assertion made for another site (a phishing proxy) is refused.
func New(publicURL, displayName string) (*RP, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("passkeys: %q is not the server's public URL", publicURL)
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: displayName,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return &RP{wa: wa}, nil
}

// User is who a ceremony is for: a random handle (never an email or an
// id), names for the authenticator's account picker, and their
// credentials.
type User struct {
	Handle      []byte
	Name        string
	DisplayName string
	Credentials []webauthn.Credential
}

func (u User) WebAuthnID() []byte                         { return u.Handle }
func (u User) WebAuthnName() string                       { return u.Name }
func (u User) WebAuthnDisplayName() string                { return u.DisplayName }
func (u User) WebAuthnCredentials() []webauthn.Credential { return u.Credentials }

// ErrRefused is a response that does not verify: wrong origin, wrong
// challenge, unknown credential, bad signature.
var ErrRefused = errors.New("passkey: the response does not verify")

// Ceremony is the first half of a ceremony: the options for the
// browser, and the session the second half needs (to be stored
// server-side, never handed to the client).
type Ceremony struct {
	Options []byte // JSON: {"publicKey": {…}}
	Session []byte // JSON of the library's session data
}

func ceremony(options any, session *webauthn.SessionData) (Ceremony, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return Ceremony{}, err
	}
	s, err := json.Marshal(session)
	return Ceremony{Options: o, Session: s}, err
}

func session(raw []byte) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("passkey session: %w", err)
	}
	return s, nil
}

// BeginRegistration asks the browser for a new credential of u,
// excluding the ones u has, as a discoverable credential if the
// authenticator can (so it also signs in without a password).
func (rp *RP) BeginRegistration(u User) (Ceremony, error) {
	exclude := make([]protocol.CredentialDescriptor, 0, len(u.Credentials))
	for _, c := range u.Credentials {
		exclude = append(exclude, c.Descriptor())
	}
	opts, s, err := rp.wa.BeginRegistration(u, webauthn.WithExclusions(exclude))
	if err != nil {
		return Ceremony{}, err
	}
	return ceremony(opts, s)
}

// FinishRegistration verifies the browser's answer to BeginRegistration.
func (rp *RP) FinishRegistration(u User, rawSession, response []byte) (*webauthn.Credential, error) {
	s, err := session(rawSession)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	cred, err := rp.wa.CreateCredential(u, s, parsed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return cred, nil
}

// BeginLogin asks for an assertion by one of u's credentials: a second
// factor after a password.
func (rp *RP) BeginLogin(u User) (Ceremony, error) {
	opts, s, err := rp.wa.BeginLogin(u)
	if err != nil {
		return Ceremony{}, err
	}
	return ceremony(opts, s)
}

// FinishLogin verifies an assertion for BeginLogin and returns the
// credential with its new signature count.
func (rp *RP) FinishLogin(u User, rawSession, response []byte) (*webauthn.Credential, error) {
	s, err := session(rawSession)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	cred, err := rp.wa.ValidateLogin(u, s, parsed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return cred, nil
}

// BeginPasswordless asks for an assertion by any discoverable credential
// of this site, with user verification required: the authenticator's
// PIN or biometric is the second factor, so the passkey alone signs in.
func (rp *RP) BeginPasswordless() (Ceremony, error) {
	opts, s, err := rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return Ceremony{}, err
	}
	return ceremony(opts, s)
}

// FinishPasswordless verifies an assertion for BeginPasswordless; lookup
// finds the user a credential id and user handle belong to.
func (rp *RP) FinishPasswordless(lookup func(credentialID, handle []byte) (User, error), rawSession, response []byte) (User, *webauthn.Credential, error) {
	s, err := session(rawSession)
	if err != nil {
		return User{}, nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return User{}, nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	var found User
	_, cred, err := rp.wa.ValidatePasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
		u, err := lookup(rawID, handle)
		found = u
		return u, err
	}, s, parsed)
	if err != nil {
		return User{}, nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return found, cred, nil
}
