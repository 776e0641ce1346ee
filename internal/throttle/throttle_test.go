package throttle

import (
	"testing"
	"time"
)

func TestFailuresBlockUntilTheWindowPasses(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(3, time.Minute)
	l.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if b, _ := l.Blocked("a@x", "1.2.3.4"); b {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("a@x", "1.2.3.4")
	}
	if b, until := l.Blocked("a@x"); !b || !until.Equal(time.Unix(1060, 0)) {
		t.Fatalf("not blocked after 3 failures (until %v)", until)
	}
	if b, _ := l.Blocked("b@x"); b {
		t.Fatal("another key is blocked")
	}
	now = now.Add(time.Minute)
	if b, _ := l.Blocked("a@x"); b {
		t.Fatal("still blocked after the window")
	}
	l.Fail("a@x")
	l.Reset("a@x")
	if len(l.fail["a@x"]) != 0 {
		t.Fatal("reset kept failures")
	}
}
