// Package connlimit caps how many connections one client address may
// hold open at once, so that one client cannot take every connection the
// server can hold (a thousand idle keep-alives, a slow-body flood).
package connlimit

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Listener accepts at most Max open connections per client address;
// over the cap, a connection is answered 503 and closed.
type Listener struct {
	net.Listener
	max    int
	exempt func(addr string) bool

	mu   sync.Mutex
	open map[string]int

	// Refused counts the connections turned away.
	Refused atomic.Int64
}

// New wraps ln; max <= 0 leaves connections uncapped. Addresses exempt
// reports are not capped: a trusted reverse proxy carries every client's
// connections, and capping it would cap the whole site.
func New(ln net.Listener, max int, exempt func(addr string) bool) *Listener {
	if exempt == nil {
		exempt = func(string) bool { return false }
	}
	return &Listener{Listener: ln, max: max, exempt: exempt, open: map[string]int{}}
}

// Accept returns the next connection whose address is under the cap.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := host(c.RemoteAddr())
		if l.take(addr) {
			return &conn{Conn: c, release: func() { l.give(addr) }}, nil
		}
		l.Refused.Add(1)
		go refuse(c)
	}
}

// Open is how many connections addr holds now.
func (l *Listener) Open(addr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[addr]
}

func (l *Listener) take(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.open[addr] >= l.max && !l.exempt(addr) {
		return false
	}
	l.open[addr]++
	return true
}

func (l *Listener) give(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

const busyBody = "too many connections from your address\n"

var busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n" +
	"Connection: close\r\nContent-Length: " + strconv.Itoa(len(busyBody)) + "\r\n\r\n" + busyBody

// refuse answers a connection over the cap and closes it, without
// waiting on a client that does not read.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write([]byte(busy))
	c.Close()
}

func host(a net.Addr) string {
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// conn gives its place back once, however often it is closed.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
