package authzen_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"gatehouse/internal/sqldb/dbtest"
)

// benchEnv is a world of 200 customers whose tech user holds assets.edit
// on 100 of them, and the mux serving it in-process: what a decision
// costs the server, without the network.
func benchEnv(b *testing.B) (*env, *world, http.Handler) {
	t := &testing.T{}
	e := newEnv(t, dbtest.OpenSQLite(b))
	e.t = t
	w := newWorld(t, e)
	return e, w, e.srv.Config.Handler
}

func serve(b *testing.B, h http.Handler, secret, path string, body []byte) {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// BenchmarkEvaluation is one warm decision through the whole decision
// path: client secret, rate limit, gate, decoding, the names, the grants
// and the answer.
func BenchmarkEvaluation(b *testing.B) {
	_, w, h := benchEnv(b)
	body, _ := json.Marshal(eval(w.tech, "assets.edit", "customer", w.x))
	serve(b, h, w.secret, "/access/v1/evaluation", body)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, h, w.secret, "/access/v1/evaluation", body)
	}
}

// BenchmarkEvaluations100 is a batch of 100 warm decisions: the target is
// under a millisecond of server time.
func BenchmarkEvaluations100(b *testing.B) {
	_, w, h := benchEnv(b)
	var items []any
	for i := range 100 {
		c := w.x
		if i%2 == 1 {
			c = w.y
		}
		items = append(items, map[string]any{"resource": map[string]any{"type": "customer", "id": c},
			"action": map[string]any{"name": []string{"assets.edit", "assets.view", "tickets.view"}[i%3]}})
	}
	body, _ := json.Marshal(map[string]any{"subject": map[string]any{"type": "user", "id": w.tech}, "evaluations": items})
	serve(b, h, w.secret, "/access/v1/evaluations", body)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, h, w.secret, "/access/v1/evaluations", body)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/decision")
}

// BenchmarkEvaluationOverLoopback is the same decision sent over a real
// loopback connection by parallel keep-alive clients, server and clients
// in this process.
func BenchmarkEvaluationOverLoopback(b *testing.B) {
	e, w, _ := benchEnv(b)
	body, _ := json.Marshal(eval(w.tech, "assets.edit", "customer", w.x))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.srv.URL+"/access/v1/evaluation", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+w.secret)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
