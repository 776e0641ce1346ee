package throttle

import (
	"sync"
	"testing"
	"time"
)

func TestFailuresBlockUntilTheWindowPasses(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(3, time.Minute)
	l.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		r, _, ok := l.Reserve("a@x", "1.2.3.4")
		if !ok {
			t.Fatalf("blocked after %d failures", i)
		}
		r.Fail()
	}
	if _, until, ok := l.Reserve("a@x"); ok || !until.Equal(time.Unix(1060, 0)) {
		t.Fatalf("not blocked after 3 failures (until %v)", until)
	}
	if r, _, ok := l.Reserve("b@x"); !ok {
		t.Fatal("another key is blocked")
	} else {
		r.Cancel()
	}
	now = now.Add(time.Minute)
	r, _, ok := l.Reserve("a@x")
	if !ok {
		t.Fatal("still blocked after the window")
	}
	r.Fail()
	r, _, _ = l.Reserve("a@x")
	r.Succeed("a@x")
	if len(l.keys) != 1 { // only the address's failures remain
		t.Fatalf("a success kept the email's failures: %d keys", len(l.keys))
	}
}

// TestParallelAttemptsNeverExceedTheLimit is the parallel sign-in case:
// however many guesses arrive together, at most Max are evaluated.
func TestParallelAttemptsNeverExceedTheLimit(t *testing.T) {
	l := New(10, 15*time.Minute)
	var mu sync.Mutex
	evaluated := 0
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, _, ok := l.Reserve("email:victim@example.com", "ip:203.0.113.9")
			if !ok {
				return
			}
			mu.Lock()
			evaluated++
			mu.Unlock()
			time.Sleep(5 * time.Millisecond) // the password check
			r.Fail()
		}()
	}
	close(start)
	wg.Wait()
	if evaluated > 10 {
		t.Fatalf("%d of 60 parallel guesses were evaluated; the limit is 10", evaluated)
	}
	if _, _, ok := l.Reserve("email:victim@example.com"); ok {
		t.Fatal("the right password on the 61st attempt would still be evaluated")
	}
}

func TestCancelledAttemptsDoNotCount(t *testing.T) {
	l := New(2, time.Minute)
	for range 5 {
		r, _, ok := l.Reserve("k")
		if !ok {
			t.Fatal("attempts that were never evaluated blocked the key")
		}
		r.Cancel()
	}
}
