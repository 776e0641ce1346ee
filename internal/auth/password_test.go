package auth

import (
	"bytes"
	"strings"
	"testing"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := CheckPassword(tc.password, h)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
	}
}

func TestSaltMakesHashesDiffer(t *testing.T) {
	a, _ := HashPassword("same", fast)
	b, _ := HashPassword("same", fast)
	if a == b {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestMalformedHashNeverMatches(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA"} {
		if ok, _ := CheckPassword("x", h); ok {
			t.Errorf("hash %q matched", h)
		}
	}
}

func TestTokensAreRandomAndHashed(t *testing.T) {
	a, ha, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := NewToken()
	if a == b || bytes.Equal(ha, hb) {
		t.Fatal("tokens repeat")
	}
	if !bytes.Equal(HashToken(a), ha) || bytes.Contains(ha, []byte(a)) {
		t.Fatal("stored hash does not match the token, or contains it")
	}
}
