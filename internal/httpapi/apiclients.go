package httpapi

import (
	"net/http"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// API clients are other tools' credentials for the decision API
// (/access/v1); these routes let an admin create, list and revoke them.

type createAPIClientRequest struct {
	Name          string    `json:"name" required:"true" maxLength:"100" example:"RMM sync"`
	ExpiresInDays *int      `json:"expires_in_days" min:"1" max:"730" doc:"default 365" example:"365"`
	IDs           string    `json:"ids" enum:"gatehouse,external" doc:"how the tool names users and records: by Gatehouse id (the default) or by the external ids it set on them; emails name users either way" example:"external"`
	RateLimit     *int      `json:"rate_limit" min:"1" max:"100000" doc:"requests a second the client may make (default 1000)" example:"1000"`
	Permissions   *[]string `json:"permissions" enum:"permissions" doc:"what the client may do; default and only choice today: decisions.ask" example:"decisions.ask"`
}

type apiClientJSON struct {
	ID          ID         `json:"id"`
	Name        string     `json:"name" example:"RMM sync"`
	Secret      string     `json:"secret,omitempty" doc:"the client's secret: only in the create response, shown once" example:"ghc_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`
	IDs         string     `json:"ids" enum:"gatehouse,external" example:"external"`
	Permissions []string   `json:"permissions" enum:"permissions"`
	RateLimit   int        `json:"rate_limit" example:"1000"`
	CreatedBy   *ID        `json:"created_by" doc:"the user who made it; null once that user is gone"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

func toAPIClientJSON(c gatehouse.APIClient) apiClientJSON {
	out := apiClientJSON{ID: ID(c.ID), Name: c.Name, IDs: c.IDs, Permissions: c.Permissions, RateLimit: c.RateLimit,
		CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt}
	if c.CreatedBy != 0 {
		by := ID(c.CreatedBy)
		out.CreatedBy = &by
	}
	if !c.LastUsedAt.IsZero() {
		out.LastUsedAt = &c.LastUsedAt
	}
	return out
}

func (s *Server) createAPIClient(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req createAPIClientRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	secret, cl, err := s.uc.CreateAPIClient(r.Context(), c, usecase.NewAPIClient{Name: req.Name, ExpiresInDays: req.ExpiresInDays,
		IDs: req.IDs, RateLimit: req.RateLimit, Permissions: req.Permissions})
	if err != nil {
		return err
	}
	out := toAPIClientJSON(cl)
	out.Secret = secret
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listAPIClients(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	cs, err := s.uc.ListAPIClients(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(gatehouse.Page[gatehouse.APIClient]{Items: cs}, toAPIClientJSON))
}

func (s *Server) revokeAPIClient(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "API client")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeAPIClient(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
