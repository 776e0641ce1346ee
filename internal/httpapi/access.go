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
		{"GET /api/v1/users/{id}/effective-access", need("users.view"), s.effectiveAccess, Doc{
			Summary: "What a user may do, permission by permission, and where", Reply: effectiveAccessJSON{}}},
		{"GET /api/v1/access/explain", need("users.view"), s.explainAccess, Doc{
			Summary: "May a user do a permission on a customer, and why", Reply: explainJSON{}, Query: []Param{
				{Name: "user", Required: true, Doc: "the user's id", Example: "42"},
				{Name: "permission", Required: true, Doc: "a permission key", Example: "assets.view"},
				{Name: "customer", Doc: "a customer's id; required for a customer-scoped permission", Example: "7"}}}},
		{"GET /api/v1/customers/{id}/access", need("users.view"), s.customerAccess, Doc{
			Summary: "Access review: who can reach a customer, and through which groups", Reply: customerAccessJSON{}, CSV: true}},
		{"GET /api/v1/access/map.svg", need("users.view"), s.accessMap, Doc{
			Summary: "A picture of who reaches which customer", Reply: media{"image/svg+xml", "an SVG image"}, Query: []Param{
				{Name: "by", Enum: []string{"users", "groups"}, Doc: "rows are users (default) or groups", Example: "groups"},
				{Name: "q", Doc: "only customers whose name holds this text", Example: "acme"}}}},
		{"GET /api/v1/audit", need("audit_log.view"), s.listAudit, Doc{
			Summary: "The audit log, newest first, within the caller's scope", Reply: list[auditJSON]{}, CSV: true, Query: auditQuery}},
	}
}

// auditQuery are the audit list's filters.
var auditQuery = []Param{qParam, cursorParam, limitParam,
	{Name: "action", Doc: "only this action", Example: "security_group.update"},
	{Name: "target_type", Doc: "only entries about this kind of target", Example: "security_group"},
	{Name: "actor", Doc: "only entries by this user (id)", Example: "42"},
	{Name: "customer", Doc: "only entries about this customer (id)", Example: "7"},
	{Name: "target_id", Doc: "only entries about this target (id)", Example: "12"},
	{Name: "since", Format: "date-time", Doc: "only entries at or after this time (RFC 3339)", Example: exampleTime},
	{Name: "until", Format: "date-time", Doc: "only entries before this time (RFC 3339)", Example: exampleTime},
}

type userRefJSON struct {
	ID          ID     `json:"id"`
	Email       string `json:"email" example:"tech@msp.example"`
	Name        string `json:"name" example:"Sam Tech"`
	GlobalAdmin bool   `json:"global_admin" example:"false"`
	Disabled    bool   `json:"disabled" example:"false"`
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
	return writeJSON(w, http.StatusOK, effectiveAccessJSON{User: toUserRef(u), Permissions: out})
}

type effectiveAccessJSON struct {
	User        userRefJSON     `json:"user"`
	Permissions []effectiveJSON `json:"permissions"`
}

type explainJSON struct {
	Allowed    bool           `json:"allowed" example:"true"`
	Reason     string         `json:"reason" enum:"global_admin,granted,user_disabled,not_held,other_customers,account_wide_needs_all_customers,membership_expired" example:"granted"`
	Message    string         `json:"message" example:"Helpdesk grants assets.view on customer 7."`
	User       userRefJSON    `json:"user"`
	Permission string         `json:"permission" enum:"permissions" example:"assets.view"`
	CustomerID *ID            `json:"customer_id"`
	Granting   []groupRefJSON `json:"granting_groups" doc:"the groups that grant it here"`
	Elsewhere  []groupRefJSON `json:"groups_for_other_customers" doc:"groups holding the permission for other customers only"`
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
	Permission string         `json:"permission" enum:"permissions" example:"assets.view"`
	Groups     []groupRefJSON `json:"groups" doc:"the granting groups; empty for a global admin"`
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
		return writeCSV(w, fmt.Sprintf("customer-%d-access.csv", id), usecase.ReviewCSVHeader, usecase.ReviewCSV(review))
	}
	users := []reviewUserJSON{}
	for _, ru := range review {
		u := reviewUserJSON{userRefJSON: toUserRef(ru.User)}
		for _, p := range ru.Permissions {
			u.Permissions = append(u.Permissions, reviewPermJSON{Permission: p.Permission, Groups: refs(p.Groups)})
		}
		users = append(users, u)
	}
	return writeJSON(w, http.StatusOK, customerAccessJSON{Customer: groupRefJSON{ID: ID(cu.ID), Name: cu.Name}, Users: users})
}

type customerAccessJSON struct {
	Customer groupRefJSON     `json:"customer" doc:"the reviewed customer"`
	Users    []reviewUserJSON `json:"users" doc:"every user who can reach the customer"`
}

func idString(id ID) string { return strconv.FormatInt(int64(id), 10) }

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
