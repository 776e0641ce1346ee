package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// statusJSON is the body of /healthz and /readyz.
type statusJSON struct {
	Status string `json:"status" enum:"ok,ready,unavailable" example:"ready"`
	Detail string `json:"detail,omitempty" doc:"why the server is not ready" example:"the database cannot be reached or does not take writes"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	return writeJSON(w, http.StatusOK, statusJSON{Status: "ok"})
}

// metrics serves the Prometheus metrics, when they are wired.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	if s.Metrics == nil {
		return gatehouse.Errorf(gatehouse.ENotFound, "metrics are not enabled")
	}
	s.Metrics.ServeHTTP(w, r)
	return nil
}

// readyz answers 503 while the database cannot be reached or refuses
// writes: Ready commits a small probe, so a read-only, full or locked
// store is not ready even though it still answers queries.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(gatehouse.RetryAfterSeconds))
		return writeJSON(w, http.StatusServiceUnavailable, statusJSON{Status: "unavailable",
			Detail: "the database cannot be reached or does not take writes"})
	}
	return writeJSON(w, http.StatusOK, statusJSON{Status: "ready"})
}
