package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPasswordPolicy(t *testing.T) {
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{"correct horse battery", true},
		{"Tr0ub4dor&3x", true},
		{"ünïcödé-pä", true},               // 10 characters, 15 bytes
		{strings.Repeat("é", 9), false},    // 18 bytes but only 9 characters
		{"short", false},                   // too short
		{strings.Repeat("x", 1001), false}, // too long
		{"Password123!", false},            // common word with a number tail
		{"qwertyuiop", false},              // keyboard row
		{"1234567890", false},              // digits in a row
		{"zzzzzzzzzzzz", false},            // one character
		{"alice.smith-2026", false},        // the user's own address
		{"iloveyou12345", false},           // common
		{"\xff\xfeinvalid utf8", false},    // not text
	} {
		err := CheckPasswordPolicy(tc.password, "alice.smith@example.com")
		if (err == nil) != tc.ok {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ok=%v", tc.password, err, tc.ok)
		}
	}
}

func TestHasherRunsAtMostItsSlotsAtOnceAndRefusesWhenTheQueueWaitRunsOut(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 2, 20*time.Millisecond)
	hash, _ := HashPassword("right password", Params{Memory: 64, Time: 1, Threads: 1})
	// Hold both slots, so a third caller can only wait, then give up.
	h.acquire(context.Background())
	h.acquire(context.Background())
	if _, err := h.Check(context.Background(), "right password", hash); err != ErrBusy {
		t.Fatalf("a check with every slot taken answered %v, want ErrBusy", err)
	}
	h.release()
	h.release()

	var running, peak atomic.Int32
	var wg sync.WaitGroup
	h = NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 2, time.Minute)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			h.release()
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Fatalf("%d hashes ran at once with 2 slots", peak.Load())
	}
	if ok, _ := h.Check(context.Background(), "right password", hash); !ok {
		t.Fatal("the right password does not match")
	}
	if ok, _ := h.Check(context.Background(), "right password", "not a hash"); ok {
		t.Fatal("a malformed hash matched")
	}
}
