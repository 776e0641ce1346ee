package clientip

import (
	"net/http/httptest"
	"testing"
)

func TestForwardedAddressesAreBelievedOnlyFromTrustedProxies(t *testing.T) {
	r, err := New([]string{"10.0.0.0/8", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer, xff, want string
	}{
		{"no proxy configured answers the peer", "198.51.100.4:5000", "", "198.51.100.4"},
		{"an untrusted peer's header is ignored", "198.51.100.4:5000", "203.0.113.9", "198.51.100.4"},
		{"a trusted proxy's client is believed", "10.1.2.3:443", "203.0.113.9", "203.0.113.9"},
		{"a spoofed left-most hop is ignored", "10.1.2.3:443", "1.1.1.1, 203.0.113.9", "203.0.113.9"},
		{"trusted hops are skipped", "10.1.2.3:443", "203.0.113.9, 192.0.2.7, 10.9.9.9", "203.0.113.9"},
		{"a malformed hop stops the walk", "10.1.2.3:443", "203.0.113.9, not-an-ip", "10.1.2.3"},
		{"ipv6 peers work", "[2001:db8::1]:443", "203.0.113.9", "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.peer
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := r.Addr(req); got != tc.want {
				t.Fatalf("Addr = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := New([]string{"not a cidr"}); err == nil {
		t.Fatal("a bad CIDR was accepted")
	}
	var none *Resolver
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:1"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if none.Addr(req) != "10.1.2.3" {
		t.Fatal("a nil resolver trusted a header")
	}
}
