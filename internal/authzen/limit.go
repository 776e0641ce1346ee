package authzen

import (
	"sync"
	"time"

	"gatehouse/internal/gatehouse"
)

// limiter holds each API client to its rate limit: a token bucket per
// client holding up to one second of requests.
type limiter struct {
	mu      sync.Mutex
	buckets map[int64]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
	rate   int
}

func (l *limiter) init() { l.buckets = map[int64]*bucket{}; l.now = time.Now }

// allow takes one request from the client's bucket, or refuses with 429
// and when to try again.
func (l *limiter) allow(c gatehouse.APIClient) error {
	now := l.now()
	rate := float64(max(c.RateLimit, 1))
	l.mu.Lock()
	b := l.buckets[c.ID]
	if b == nil || b.rate != c.RateLimit {
		b = &bucket{tokens: rate, at: now, rate: c.RateLimit}
		l.buckets[c.ID] = b
	}
	b.tokens = min(rate, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
	l.mu.Unlock()
	if ok {
		return nil
	}
	return &gatehouse.Error{Code: gatehouse.ETooMany, Message: "this API client is over its rate limit; slow down",
		RetryAfter: max(wait, time.Second)}
}
