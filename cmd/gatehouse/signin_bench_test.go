package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
)

// BenchmarkSignInBurst sends 256 sign-ins at once, each from its own
// client address (through a trusted proxy, so the per-address throttle
// does not thin the burst) for its own user, with production argon2id
// parameters (19 MiB a hash), and reports the server process's peak
// resident memory during the burst. Password hashing runs a bounded
// number at a time, so the peak stays flat however large the burst:
//
//	go test -run XXX -bench SignInBurst -benchtime 1x ./cmd/gatehouse
func BenchmarkSignInBurst(b *testing.B) {
	const burst = 256
	m := NewMain()
	m.Config.DBPath = filepath.Join(b.TempDir(), "burst.db")
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Password = auth.DefaultParams
	m.Config.TrustedProxies = []string{"127.0.0.1/32"}
	ctx := context.Background()
	if err := m.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	const password = "burst-of-sign-ins"
	hash, _ := auth.HashPassword(password, auth.DefaultParams)
	acct, _, err := m.DB.CreateAdmin(ctx, "Burst MSP", gatehouse.UserCreate{Email: "admin@burst.example", PasswordHash: hash})
	if err != nil {
		b.Fatal(err)
	}
	for i := range burst {
		if _, err := m.DB.CreateUser(ctx, acct.ID, gatehouse.UserCreate{Email: fmt.Sprintf("u%d@burst.example", i), PasswordHash: hash, GroupIDs: []int64{}}); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: burst, MaxIdleConnsPerHost: burst}}
	for b.Loop() {
		resetPeakRSS(b)
		statuses := map[int]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range burst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, _ := json.Marshal(map[string]string{"email": fmt.Sprintf("u%d@burst.example", i), "password": password})
				req, _ := http.NewRequest("POST", m.URL()+"/api/v1/auth/login", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.1", i/250, i%250))
				<-start
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		b.ReportMetric(peakRSSMiB(b), "peak-RSS-MiB")
		b.ReportMetric(float64(statuses[http.StatusOK]), "signed-in")
		b.ReportMetric(float64(statuses[http.StatusTooManyRequests]), "told-to-retry")
		if statuses[http.StatusOK]+statuses[http.StatusTooManyRequests] != burst {
			b.Fatalf("answers %v", statuses)
		}
	}
}

// resetPeakRSS starts the process's resident-memory high-water mark anew
// (Linux: writing 5 to clear_refs).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS here: %v", err)
	}
}

// peakRSSMiB is VmHWM, the peak resident set since the last reset.
func peakRSSMiB(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	b.Skip("no VmHWM")
	return 0
}
