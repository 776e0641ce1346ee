package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) with the parameters every authenticator app reads:
// SHA-1, six digits, 30-second steps. A code is accepted one step either
// side of now, for clock drift; which step matched is returned, so the
// caller can refuse a code whose step was already used (RFC 6238 §5.2).
const (
	TOTPPeriod = 30
	totpSkew   = 1
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPKey is a new secret with what an authenticator app needs to add it.
type TOTPKey struct {
	Secret string // base32, as typed into an app by hand
	URL    string // otpauth://totp/…, what the QR code holds
	QRPNG  []byte // the QR code, drawn here: no outside service sees the secret
}

// NewTOTPKey makes a 160-bit secret labelled with issuer and account.
func NewTOTPKey(issuer, account string) (TOTPKey, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: TOTPPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPKey{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPKey{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPKey{}, err
	}
	return TOTPKey{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// TOTPStep is the time step a moment falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// MatchTOTP returns the newest time step within the allowed drift of now
// at which code is the secret's code. Every candidate step is computed
// and compared in constant time.
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = NormalizeCode(code)
	if len(code) != 6 {
		return 0, false
	}
	for skew := -totpSkew; skew <= totpSkew; skew++ {
		t := now.Add(time.Duration(skew*TOTPPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = TOTPStep(t), true
		}
	}
	return step, ok
}

// TOTPCode is the secret's code at t, for tests and tools that play
// the authenticator.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// NormalizeCode drops the spaces and dashes people type into codes, and
// lower-cases them.
func NormalizeCode(code string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code))
}

// LooksLikeTOTP reports whether a typed code is a six-digit TOTP code
// rather than a recovery code.
func LooksLikeTOTP(code string) bool {
	code = NormalizeCode(code)
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RecoveryCodeCount is how many recovery codes a user gets at once.
const RecoveryCodeCount = 10

var recoveryAlphabet = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// NewRecoveryCodes makes n one-time codes of 50 random bits each,
// written "xxxxx-xxxxx" without look-alike characters.
func NewRecoveryCodes(n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		s := recoveryAlphabet.EncodeToString(b)[:10]
		out[i] = s[:5] + "-" + s[5:]
	}
	return out, nil
}

// HashRecoveryCode is what is stored of a recovery code: SHA-256 of its
// normalised form. Fifty random bits per code, and the throttle on
// wrong codes, make a slow hash unnecessary.
func HashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte("gatehouse recovery code:" + NormalizeCode(code)))
	return sum[:]
}

// NewChallengeID makes a random id for a short-lived ceremony and the
// hash it is stored under.
func NewChallengeID() (id string, hash []byte, err error) {
	return NewToken()
}
