// Package throttle slows password guessing: after too many failures for
// one key (an email, an address) within a window, attempts are refused
// until the window has passed. An attempt is reserved before the password
// is checked, so parallel requests cannot all slip past the limit while
// the first ones are still being evaluated. State is per instance, in
// memory.
package throttle

import (
	"sync"
	"time"
)

// Limiter counts failures, and attempts still being evaluated, per key.
type Limiter struct {
	Max    int           // failures allowed within Window
	Window time.Duration // how long a failure counts
	Now    func() time.Time

	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	fails   []time.Time
	pending int
}

// maxKeys bounds memory under a spray of keys.
const maxKeys = 100_000

// New returns a limiter allowing max failures per window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, keys: map[string]*entry{}}
}

// Reservation is one attempt in flight; end it with Fail, Succeed or
// Cancel.
type Reservation struct {
	l    *Limiter
	keys []string
	done bool
}

// Reserve claims an attempt on every key at once, or reports until when
// they are blocked: a key is blocked while its failures plus the attempts
// still in flight reach Max. So at most Max guesses per key are ever
// evaluated within a window, however many arrive together.
func (l *Limiter) Reserve(keys ...string) (*Reservation, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range keys {
		e := l.prune(k, now)
		if e != nil && len(e.fails)+e.pending >= l.Max {
			until := now.Add(time.Second) // attempts in flight end soon
			if len(e.fails) >= l.Max {
				until = e.fails[0].Add(l.Window) // the oldest failure frees a place
			}
			return nil, until, false
		}
	}
	if len(l.keys) > maxKeys {
		l.keys = map[string]*entry{}
	}
	for _, k := range keys {
		e := l.keys[k]
		if e == nil {
			e = &entry{}
			l.keys[k] = e
		}
		e.pending++
	}
	return &Reservation{l: l, keys: keys}, time.Time{}, true
}

// Fail ends the attempt as a failure on every key.
func (r *Reservation) Fail() {
	r.end(func(e *entry, now time.Time) { e.fails = append(e.fails, now) })
}

// Succeed ends the attempt and forgets the failures of the given keys
// (the account's email after a right password; not the shared address).
func (r *Reservation) Succeed(forget ...string) {
	r.end(func(*entry, time.Time) {})
	r.l.mu.Lock()
	for _, k := range forget {
		if e := r.l.keys[k]; e != nil && e.pending == 0 {
			delete(r.l.keys, k)
		} else if e != nil {
			e.fails = nil
		}
	}
	r.l.mu.Unlock()
}

// Cancel ends an attempt that was never evaluated.
func (r *Reservation) Cancel() { r.end(func(*entry, time.Time) {}) }

func (r *Reservation) end(record func(*entry, time.Time)) {
	if r == nil || r.done {
		return
	}
	r.done = true
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range r.keys {
		e := l.keys[k]
		if e == nil {
			e = &entry{pending: 1}
			l.keys[k] = e
		}
		e.pending--
		record(e, now)
		if e.pending == 0 && len(e.fails) == 0 {
			delete(l.keys, k)
		}
	}
}

// prune drops failures older than the window and returns the key's entry.
func (l *Limiter) prune(k string, now time.Time) *entry {
	e := l.keys[k]
	if e == nil {
		return nil
	}
	i := 0
	for i < len(e.fails) && now.Sub(e.fails[i]) >= l.Window {
		i++
	}
	e.fails = e.fails[i:]
	if len(e.fails) == 0 && e.pending == 0 {
		delete(l.keys, k)
		return nil
	}
	return e
}
