// Package versions keeps each account's latest known security version in
// memory, so that a decision can be answered without asking the database
// whether anything changed. The store tells it of every security change
// this instance commits (before the change's request returns), PostgreSQL
// notifications of other instances' changes, and a poll catches anything
// either missed. Readers that need a version at least as fresh as one
// they were given load it from the store. Subscribers are woken when an
// account's version moves.
package versions

import (
	"context"
	"sync"
	"time"
)

// Loader reads an account's current security version from the store.
type Loader func(ctx context.Context, accountID int64) (int64, error)

// Watcher is the in-memory table of versions. It is safe for concurrent
// use.
type Watcher struct {
	load Loader

	mu    sync.RWMutex
	known map[int64]int64
	subs  map[int64]map[chan struct{}]struct{}
}

// New returns a watcher that loads unknown accounts with load.
func New(load Loader) *Watcher {
	return &Watcher{load: load, known: map[int64]int64{}, subs: map[int64]map[chan struct{}]struct{}{}}
}

// Observe records that the account reached version; versions only move
// forward, so a late or repeated report changes nothing. Subscribers are
// woken when the version moves.
func (w *Watcher) Observe(accountID, version int64) {
	w.mu.Lock()
	cur, ok := w.known[accountID]
	if ok && cur >= version {
		w.mu.Unlock()
		return
	}
	w.known[accountID] = version
	for ch := range w.subs[accountID] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	w.mu.Unlock()
}

// Current is the account's latest known version, loaded from the store
// the first time.
func (w *Watcher) Current(ctx context.Context, accountID int64) (int64, error) {
	w.mu.RLock()
	v, ok := w.known[accountID]
	w.mu.RUnlock()
	if ok {
		return v, nil
	}
	return w.refresh(ctx, accountID)
}

// AtLeast is the account's version, no older than min: when the known
// version is older, it is read from the store. The result may still be
// below min if the store has never reached it (a token of another
// database); the caller decides what that means.
func (w *Watcher) AtLeast(ctx context.Context, accountID, min int64) (int64, error) {
	v, err := w.Current(ctx, accountID)
	if err != nil || v >= min {
		return v, err
	}
	return w.refresh(ctx, accountID)
}

func (w *Watcher) refresh(ctx context.Context, accountID int64) (int64, error) {
	v, err := w.load(ctx, accountID)
	if err != nil {
		return 0, err
	}
	w.Observe(accountID, v)
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.known[accountID], nil
}

// Subscribe returns a channel that receives a value whenever the
// account's version moves (several moves may wake it once), and a
// function that ends the subscription.
func (w *Watcher) Subscribe(accountID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.subs[accountID] == nil {
		w.subs[accountID] = map[chan struct{}]struct{}{}
	}
	w.subs[accountID][ch] = struct{}{}
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.subs[accountID], ch)
		if len(w.subs[accountID]) == 0 {
			delete(w.subs, accountID)
		}
		w.mu.Unlock()
	}
}

// Poll reads every account's version with all each interval until ctx
// ends, catching changes no notification reported (another process on
// the same SQLite file, a lost PostgreSQL connection). Errors wait for
// the next round: the store may be briefly unreachable.
func (w *Watcher) Poll(ctx context.Context, every time.Duration, all func(context.Context) (map[int64]int64, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		vs, err := all(ctx)
		if err != nil {
			continue
		}
		for id, v := range vs {
			w.Observe(id, v)
		}
	}
}
