// Package throttle slows password guessing: after too many failures for
// one key (an email, an address) within a window, attempts are refused
// until the window has passed. State is per instance, in memory.
package throttle

import (
	"sync"
	"time"
)

// Limiter counts failures per key.
type Limiter struct {
	Max    int           // failures allowed within Window
	Window time.Duration // how long a failure counts
	Now    func() time.Time

	mu   sync.Mutex
	fail map[string][]time.Time
}

// New returns a limiter allowing max failures per window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, fail: map[string][]time.Time{}}
}

// Blocked reports whether any key is over its limit, and until when.
func (l *Limiter) Blocked(keys ...string) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range keys {
		recent := l.prune(k, now)
		if len(recent) >= l.Max {
			return true, recent[0].Add(l.Window)
		}
	}
	return false, time.Time{}
}

// Fail records a failure for every key.
func (l *Limiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range keys {
		l.fail[k] = append(l.prune(k, now), now)
	}
	if len(l.fail) > 100_000 { // bound memory under a spray of keys
		l.fail = map[string][]time.Time{}
	}
}

// Reset forgets a key's failures (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.fail, key)
	l.mu.Unlock()
}

func (l *Limiter) prune(k string, now time.Time) []time.Time {
	ts := l.fail[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.Window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fail, k)
		return nil
	}
	l.fail[k] = ts
	return ts
}
