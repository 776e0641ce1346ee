package auth

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"
)

func TestTOTPCodesMatchTheirStepWithinOneStepOfDrift(t *testing.T) {
	key, err := NewTOTPKey("Gatehouse", "tech@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.URL, "otpauth://totp/Gatehouse:") || !strings.Contains(key.URL, "secret="+key.Secret) {
		t.Fatalf("otpauth URL %q", key.URL)
	}
	img, err := png.Decode(bytes.NewReader(key.QRPNG))
	if err != nil || img.Bounds().Dx() != 240 {
		t.Fatalf("the QR code is not a 240px PNG: %v", err)
	}
	now := time.Unix(1_900_000_000, 0)
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		code, _ := TOTPCode(key.Secret, now.Add(d))
		step, ok := MatchTOTP(key.Secret, code[:3]+" "+code[3:], now)
		if !ok || step != TOTPStep(now.Add(d)) {
			t.Errorf("a code %v away: step %d ok %v", d, step, ok)
		}
	}
	for _, d := range []time.Duration{-90 * time.Second, 90 * time.Second} {
		code, _ := TOTPCode(key.Secret, now.Add(d))
		if _, ok := MatchTOTP(key.Secret, code, now); ok {
			t.Errorf("a code %v away was accepted", d)
		}
	}
	if _, ok := MatchTOTP(key.Secret, "12345", now); ok {
		t.Error("five digits accepted")
	}
}

func TestRecoveryCodesAreRandomAndHashedNormalised(t *testing.T) {
	codes, err := NewRecoveryCodes(RecoveryCodeCount)
	if err != nil || len(codes) != 10 {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] || LooksLikeTOTP(c) {
			t.Errorf("recovery code %q", c)
		}
		seen[c] = true
	}
	if !bytes.Equal(HashRecoveryCode(codes[0]), HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(codes[0], "-", ""))+" ")) {
		t.Error("typing a code in capitals or without its dash changes its hash")
	}
	if bytes.Equal(HashRecoveryCode(codes[0]), HashRecoveryCode(codes[1])) {
		t.Error("two codes hash alike")
	}
}
