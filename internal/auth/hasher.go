package auth

import (
	"context"
	"errors"
	"time"
)

// ErrBusy says every password-hashing slot stayed taken for as long as a
// caller may wait: the server is under a burst of sign-ins.
var ErrBusy = errors.New("auth: too many password checks at once")

// Hasher runs argon2id hashes and checks a bounded number at a time. Each
// one takes Params.Memory of RAM, so an unbounded burst of sign-ins would
// be an unbounded burst of memory; with slots sized to the cores, the
// CPU is as busy as it can usefully be and memory stays flat.
type Hasher struct {
	params Params
	slots  chan struct{}
	wait   time.Duration
	dummy  string
}

// NewHasher allows slots hashes at once; a caller queues at most wait
// for one before ErrBusy.
func NewHasher(p Params, slots int, wait time.Duration) *Hasher {
	if slots < 1 {
		slots = 1
	}
	dummy, _ := HashPassword("gatehouse-timing-equaliser", p)
	return &Hasher{params: p, slots: make(chan struct{}, slots), wait: wait, dummy: dummy}
}

// Hash hashes a new password with the hasher's parameters.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return HashPassword(password, h.params)
}

// Check reports whether password matches hash. An empty or malformed
// hash matches nothing but costs the same time, so the answer never tells
// a missing user from a wrong password.
func (h *Hasher) Check(ctx context.Context, password, hash string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	ok, err := CheckPassword(password, hash)
	if err != nil {
		CheckPassword(password, h.dummy)
		return false, nil
	}
	return ok, nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }
