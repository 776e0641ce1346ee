package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/usecase"
)

// apiServer is the product's JSON API on a loopback port.
type apiServer struct {
	url    string
	srv    *http.Server
	routes map[string]bool
}

func startAPI(db *sqldb.DB) (*apiServer, error) {
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: auth.DefaultParams, HashSlots: 2})
	api := httpapi.New(db, uc, gate, slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	api.Mount(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // loopback only
	if err != nil {
		return nil, err
	}
	s := &apiServer{url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		routes: map[string]bool{}}
	for _, r := range api.Routes() {
		s.routes[r.Pattern] = true
	}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *apiServer) close() { s.srv.Close() }

// token issues an API token for a user straight in the store.
func (e *gatehouseEngine) token(ctx context.Context, userID int64) (string, error) {
	return apiToken(ctx, e.db, e.ds.AccountID, userID)
}

func apiToken(ctx context.Context, db *sqldb.DB, accountID, userID int64) (string, error) {
	tok, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	_, err = db.CreateToken(ctx, gatehouse.Token{AccountID: accountID, UserID: userID, Kind: gatehouse.TokenAPI,
		Name: "bench", Hash: hash, ExpiresAt: time.Now().Add(time.Hour)})
	return tok, err
}

// loadResult is one endpoint's throughput under the bounded load.
type loadResult struct {
	endpoint string
	requests int
	errors   int
	elapsed  time.Duration
	lat      []time.Duration
	firstErr string
}

func (r loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// driveGET sends at most maxRequests requests from workers goroutines, for
// at most maxTime, to URLs made by path(i); every response must be 200.
// The load stops by itself at whichever bound comes first.
func driveGET(endpoint, base, token string, workers, maxRequests int, maxTime time.Duration, path func(i int) string) loadResult {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
	defer client.CloseIdleConnections()
	var next, errs atomic.Int64
	var mu sync.Mutex
	res := loadResult{endpoint: endpoint}
	deadline := time.Now().Add(maxTime)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, maxRequests/workers+1)
			for {
				i := int(next.Add(1)) - 1
				if i >= maxRequests || time.Now().After(deadline) {
					break
				}
				req, _ := http.NewRequest("GET", base+path(i), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat = append(lat, time.Since(t0))
				if err != nil || resp.StatusCode != 200 {
					if errs.Add(1) == 1 {
						mu.Lock()
						if err != nil {
							res.firstErr = err.Error()
						} else {
							res.firstErr = fmt.Sprintf("%s: status %d", path(i), resp.StatusCode)
						}
						mu.Unlock()
					}
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.lat)
	res.errors = int(errs.Load())
	slices.Sort(res.lat)
	return res
}

// httpEndpoints picks the record endpoints to load: the assets ones when
// the API serves them, else the customers ones (named in the table).
func (s *apiServer) httpEndpoints() (one, list string, assets bool) {
	if s.routes["GET /api/v1/assets/{id}"] && s.routes["GET /api/v1/assets"] {
		return "/api/v1/assets/", "/api/v1/assets", true
	}
	return "/api/v1/customers/", "/api/v1/customers", false
}

func trimMethod(p string) string { return strings.TrimPrefix(p, "GET ") }
