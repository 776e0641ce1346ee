package versions

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// store is an account's version as the database holds it, counting reads.
type store struct {
	version atomic.Int64
	reads   atomic.Int64
}

func (s *store) load(context.Context, int64) (int64, error) {
	s.reads.Add(1)
	return s.version.Load(), nil
}

func TestVersionsOnlyMoveForward(t *testing.T) {
	s := &store{}
	s.version.Store(5)
	w := New(s.load)
	ctx := context.Background()
	if v, _ := w.Current(ctx, 1); v != 5 {
		t.Fatalf("first read: %d, want the store's 5", v)
	}
	w.Observe(1, 7)
	w.Observe(1, 6) // a late report
	if v, _ := w.Current(ctx, 1); v != 7 {
		t.Fatalf("after a late report: %d, want 7", v)
	}
	if n := s.reads.Load(); n != 1 {
		t.Fatalf("%d store reads, want 1: a known version is answered from memory", n)
	}
}

func TestAtLeastReadsTheStoreWhenMemoryIsOlder(t *testing.T) {
	s := &store{}
	s.version.Store(3)
	w := New(s.load)
	ctx := context.Background()
	w.Current(ctx, 1)
	s.version.Store(9) // another instance's change, not yet reported
	if v, _ := w.AtLeast(ctx, 1, 3); v != 3 {
		t.Fatalf("a version already reached: %d, want 3 from memory", v)
	}
	if v, _ := w.AtLeast(ctx, 1, 8); v != 9 {
		t.Fatalf("asked for 8: %d, want the store's 9", v)
	}
	if v, _ := w.AtLeast(ctx, 1, 20); v != 9 {
		t.Fatalf("a version the store never reached: %d, want 9 (the caller decides)", v)
	}
}

func TestSubscribersAreWokenWhenTheirAccountMoves(t *testing.T) {
	w := New((&store{}).load)
	ch, stop := w.Subscribe(1)
	other, stopOther := w.Subscribe(2)
	defer stopOther()
	w.Observe(1, 1)
	w.Observe(1, 2) // coalesces with the pending wake-up
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("not woken")
	}
	select {
	case <-other:
		t.Fatal("another account's subscriber was woken")
	default:
	}
	stop()
	w.Observe(1, 3)
	select {
	case <-ch:
		t.Fatal("woken after unsubscribing")
	default:
	}
}

func TestPollCatchesUnreportedChanges(t *testing.T) {
	w := New((&store{}).load)
	ch, stop := w.Subscribe(2)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Poll(ctx, time.Millisecond, func(context.Context) (map[int64]int64, error) {
			return map[int64]int64{1: 4, 2: 8}, nil
		})
	}()
	<-ch
	cancel()
	<-done
	if v, _ := w.Current(context.Background(), 2); v != 8 {
		t.Fatalf("after a poll: %d, want 8", v)
	}
}
