package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"gatehouse/internal/access"
	"gatehouse/internal/accessmap"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// AccessStore is what the access-review endpoints read.
type AccessStore interface {
	AccountSubjects(ctx context.Context, accountID int64) ([]gatehouse.AccountSubject, error)
}

func (s *Server) accessRoutes() []Route {
	return []Route{
		{"GET /api/v1/users/{id}/effective-access", need("users.view"), s.effectiveAccess},
		{"GET /api/v1/access/explain", need("users.view"), s.explainAccess},
		{"GET /api/v1/customers/{id}/access", need("users.view"), s.customerAccess},
		{"GET /api/v1/access/map.svg", need("users.view"), s.accessMap},
		{"GET /api/v1/audit", need("audit_log.view"), s.listAudit},
	}
}

type userRefJSON struct {
	ID          ID     `json:"id"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	GlobalAdmin bool   `json:"global_admin"`
	Disabled    bool   `json:"disabled"`
}

func toUserRef(u gatehouse.User) userRefJSON {
	return userRefJSON{ID: ID(u.ID), Email: u.Email, Name: u.Name, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled}
}

func (s *Server) effectiveAccess(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, es, err := s.uc.EffectiveAccess(r.Context(), c, id)
	if err != nil {
		return err
	}
	out := []effectiveJSON{}
	for _, e := range es {
		out = append(out, effectiveJSON{Permission: e.Permission, Scope: toScopeJSON(e.Scope), Hidden: e.Hidden, Groups: refs(e.Groups)})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user": toUserRef(u), "permissions": out})
}

type explainJSON struct {
	Allowed    bool           `json:"allowed"`
	Reason     string         `json:"reason"`
	Message    string         `json:"message"`
	User       userRefJSON    `json:"user"`
	Permission string         `json:"permission"`
	CustomerID *ID            `json:"customer_id"`
	Granting   []groupRefJSON `json:"granting_groups"`
	Elsewhere  []groupRefJSON `json:"groups_for_other_customers"`
}

func refs(in []access.GroupRef) []groupRefJSON {
	out := make([]groupRefJSON, 0, len(in))
	for _, g := range in {
		out = append(out, groupRefJSON{ID: ID(g.ID), Name: g.Name})
	}
	return out
}

// explainAccess answers "may user U do P on customer C, and why?". The
// customer must be one the caller can see.
func (s *Server) explainAccess(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	q := r.URL.Query()
	userID, err := strconv.ParseInt(q.Get("user"), 10, 64)
	if err != nil || userID <= 0 {
		return gatehouse.Invalid("user", "a user id is required")
	}
	var customerID int64
	if v := q.Get("customer"); v != "" {
		if customerID, err = strconv.ParseInt(v, 10, 64); err != nil || customerID <= 0 {
			return gatehouse.Invalid("customer", "a customer id is a string of digits")
		}
	}
	key := q.Get("permission")
	u, e, err := s.uc.Explain(r.Context(), c, userID, key, customerID)
	if err != nil {
		return err
	}
	out := explainJSON{Allowed: e.Allowed, Reason: string(e.Reason), Message: e.Message, User: toUserRef(u),
		Permission: key, Granting: refs(e.Granting), Elsewhere: refs(e.Elsewhere)}
	if customerID != 0 {
		cid := ID(customerID)
		out.CustomerID = &cid
	}
	return writeJSON(w, http.StatusOK, out)
}

type reviewPermJSON struct {
	Permission string         `json:"permission"`
	Groups     []groupRefJSON `json:"groups"`
}

type reviewUserJSON struct {
	userRefJSON
	Permissions []reviewPermJSON `json:"permissions"`
}

// customerAccess is the access review, as JSON or CSV.
func (s *Server) customerAccess(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, review, err := s.uc.AccessReview(r.Context(), c, id)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return WriteAccessReviewCSV(w, id, review)
	}
	users := []reviewUserJSON{}
	for _, ru := range review {
		u := reviewUserJSON{userRefJSON: toUserRef(ru.User)}
		for _, p := range ru.Permissions {
			u.Permissions = append(u.Permissions, reviewPermJSON{Permission: p.Permission, Groups: refs(p.Groups)})
		}
		users = append(users, u)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"customer": groupRefJSON{ID: ID(cu.ID), Name: cu.Name}, "users": users})
}

// WriteAccessReviewCSV writes an access review as a CSV download, one row
// per user and permission.
func WriteAccessReviewCSV(w http.ResponseWriter, customerID int64, users []usecase.ReviewUser) error {
	return writeCSV(w, fmt.Sprintf("customer-%d-access.csv", customerID), usecase.ReviewCSVHeader, usecase.ReviewCSV(users))
}

func idString(id ID) string { return strconv.FormatInt(int64(id), 10) }

// AccessMap serves the access map SVG, reading by and q from the query
// as the API route does; the web admin embeds it.
func (s *Server) AccessMap(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.accessMap(w, r, c)
}

// accessMap draws users (or groups, with ?by=groups) against the
// customers the caller can see, filtered by ?q= on the customer name.
func (s *Server) accessMap(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	by := r.URL.Query().Get("by")
	if by == "" {
		by = "users"
	}
	if by != "users" && by != "groups" {
		return gatehouse.Invalid("by", "by is users or groups")
	}
	m, err := s.uc.AccessMap(r.Context(), c, by == "groups", r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, err = w.Write(accessmap.Render(m))
	return err
}
