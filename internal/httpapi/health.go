package httpapi

import (
	"context"
	"net/http"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// metrics serves the Prometheus metrics, when they are wired.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	if s.Metrics == nil {
		return gatehouse.Errorf(gatehouse.ENotFound, "metrics are not enabled")
	}
	s.Metrics.ServeHTTP(w, r)
	return nil
}

// readyz answers 503 until the database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
