package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func mustVault(t *testing.T) *Vault {
	t.Helper()
	v, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSealOpensOnlyWithTheSameRecordAndKey(t *testing.T) {
	v := mustVault(t)
	sealed, err := v.Seal([]byte("hunter2"), []byte("credential:1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := v.Open(sealed, []byte("credential:1"))
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := v.Open(sealed, []byte("credential:2")); err != ErrOpen {
		t.Fatalf("opened with another record's aad: %v", err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(sealed, []byte("credential:1")); err != ErrOpen {
		t.Fatalf("opened with another key: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := v.Open(sealed, []byte("credential:1")); err != ErrOpen {
		t.Fatalf("opened tampered data: %v", err)
	}
}

func TestSealUsesAFreshNonce(t *testing.T) {
	v := mustVault(t)
	a, _ := v.Seal([]byte("same"), nil)
	b, _ := v.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one plaintext are equal")
	}
}

func TestKeyFileIsCreatedOnceAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load gave another key (%v)", err)
	}
}

func TestParseKeyRejectsWrongLengths(t *testing.T) {
	if _, err := ParseKey("c2hvcnQ="); err == nil {
		t.Fatal("accepted a short key")
	}
	if _, err := ParseKey("not base64!"); err == nil {
		t.Fatal("accepted non-base64")
	}
	if _, err := ParseKey("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="); err != nil {
		t.Fatalf("rejected a 32-byte key: %v", err)
	}
}
