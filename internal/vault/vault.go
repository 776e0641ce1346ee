// Package vault encrypts credential secrets at rest with AES-256-GCM. The
// key comes from configuration or from a key file kept beside the SQLite
// database — never from the database itself.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the key length: AES-256.
const KeySize = 32

// version prefixes every sealed value so the format can change later.
const version byte = 1

// Vault seals and opens secrets. It is safe for concurrent use.
type Vault struct {
	aead cipher.AEAD
}

// New returns a vault over a 32-byte key.
func New(key []byte) (*Vault, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("vault key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Vault{aead: aead}, nil
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not)
// 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("vault key must decode to %d bytes, got %d", KeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("vault key must be base64")
}

// LoadOrCreateKeyFile reads the base64 key in path, or creates the file
// with a new random key, readable by its owner only.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read vault key file: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKeyFile(path) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("create vault key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write vault key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return key, nil
}

// Seal encrypts plaintext bound to aad (which record it belongs to): a
// sealed value moved to another record does not open.
func (v *Vault) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, v.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{version}, nonce...)
	return v.aead.Seal(out, nonce, plaintext, aad), nil
}

// ErrOpen is any failure to open a sealed value: wrong key, wrong record,
// or tampered data.
var ErrOpen = errors.New("vault: the secret cannot be decrypted")

// Open decrypts a value made by Seal with the same aad.
func (v *Vault) Open(sealed, aad []byte) ([]byte, error) {
	n := v.aead.NonceSize()
	if len(sealed) < 1+n+v.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := v.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
