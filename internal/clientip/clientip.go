// Package clientip tells which address a request came from. Forwarded
// headers are believed only from proxies the configuration trusts:
// anyone can send them, and the sign-in throttle and the audit log key on
// the answer.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver answers a request's client address.
type Resolver struct {
	trusted []netip.Prefix
}

// New trusts X-Forwarded-For from peers in the given CIDRs (a bare
// address is a /32 or /128). With none, the peer is the client.
func New(cidrs []string) (*Resolver, error) {
	r := &Resolver{}
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !strings.Contains(c, "/") {
			a, err := netip.ParseAddr(c)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", c, err)
			}
			r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", c, err)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// Addr is the client's address: the peer's, or — when the peer is a
// trusted proxy — the nearest address in X-Forwarded-For that is not
// itself a trusted proxy. Addresses further left were written by whoever
// sent the request and prove nothing.
func (r *Resolver) Addr(req *http.Request) string {
	peer := hostOf(req.RemoteAddr)
	if r == nil || !r.trusts(peer) {
		return peer
	}
	hops := req.Header.Values("X-Forwarded-For")
	var all []string
	for _, h := range hops {
		all = append(all, strings.Split(h, ",")...)
	}
	for i := len(all) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(all[i])
		a, err := netip.ParseAddr(hostOf(hop))
		if err != nil {
			return peer // a malformed hop: stop at what we know
		}
		if !r.trusts(a.String()) {
			return a.Unmap().String()
		}
	}
	return peer
}

// Trusts reports whether addr is a trusted proxy's.
func (r *Resolver) Trusts(addr string) bool { return r != nil && r.trusts(addr) }

func (r *Resolver) trusts(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hostOf strips a port, if any.
func hostOf(s string) string {
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return strings.Trim(s, "[]")
}
