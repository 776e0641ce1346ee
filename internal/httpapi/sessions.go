package httpapi

import (
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

type loginRequest struct {
	Account  string `json:"account" doc:"the account's sign-in name; required when the server hosts several accounts" example:"demo-msp"`
	Email    string `json:"email" required:"true" example:"owner@example.com"`
	Password string `json:"password" required:"true" example:"correct-horse-battery"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	var req loginRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Email) == "" {
		return gatehouse.Invalid("email", "email is required")
	}
	if req.Password == "" {
		return gatehouse.Invalid("password", "password is required")
	}
	res, err := s.uc.SignIn(r.Context(), usecase.Credentials{Account: req.Account, Email: req.Email,
		Password: req.Password, Addr: s.gate.Addrs.Addr(r), UserAgent: r.UserAgent()})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toLoginResponse(res))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if err := s.uc.SignOut(r.Context(), c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type createTokenRequest struct {
	Name          string    `json:"name" required:"true" maxLength:"100" example:"billing sync"`
	ExpiresInDays *int      `json:"expires_in_days" min:"1" max:"366" doc:"default 90" example:"30"`
	Permissions   *[]string `json:"permissions" enum:"permissions" doc:"limit the token to these of your permissions; leave out for all of them" example:"customers.view"`
}

type tokenJSON struct {
	ID          ID         `json:"id"`
	Name        string     `json:"name" example:"billing sync"`
	Token       string     `json:"token,omitempty" doc:"the token itself: only in the create response, shown once" example:"gh_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`
	Permissions []string   `json:"permissions" enum:"permissions" nullable:"true" doc:"the token's limit; null: all of its owner's permissions"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

func toTokenJSON(t gatehouse.Token) tokenJSON {
	out := tokenJSON{ID: ID(t.ID), Name: t.Name, Permissions: t.Permissions, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
	if !t.LastUsedAt.IsZero() {
		out.LastUsedAt = &t.LastUsedAt
	}
	return out
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req createTokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	secret, t, err := s.uc.CreateToken(r.Context(), c, usecase.NewToken{Name: req.Name, ExpiresInDays: req.ExpiresInDays, Permissions: req.Permissions})
	if err != nil {
		return err
	}
	out := toTokenJSON(t)
	out.Token = secret
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	ts, err := s.uc.ListTokens(r.Context(), c, c.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(gatehouse.Page[gatehouse.Token]{Items: ts}, toTokenJSON))
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "token")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeToken(r.Context(), c, c.UserID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// scopeJSON shows a scope: all customers, or a list of customer ids.
type scopeJSON struct {
	Kind        string `json:"kind" enum:"all,all_except,customers,none" example:"customers" doc:"all customers, all but customer_ids, only customer_ids, or none"`
	CustomerIDs []ID   `json:"customer_ids,omitempty"`
}

func toScopeJSON(s access.Scope) scopeJSON {
	switch s.Kind {
	case access.ScopeAll:
		return scopeJSON{Kind: "all"}
	case access.ScopeAllExcept:
		return scopeJSON{Kind: "all_except", CustomerIDs: toIDs(s.IDs)}
	case access.ScopeOnly:
		if len(s.IDs) > 0 {
			return scopeJSON{Kind: "customers", CustomerIDs: toIDs(s.IDs)}
		}
	}
	return scopeJSON{Kind: "none"}
}

type groupRefJSON struct {
	ID   ID     `json:"id"`
	Name string `json:"name" example:"Helpdesk"`
}

type effectiveJSON struct {
	Permission string    `json:"permission" enum:"permissions" example:"assets.view"`
	Scope      scopeJSON `json:"scope"`
	// Hidden: the user also holds it on customers the caller cannot see.
	Hidden bool           `json:"also_customers_you_cannot_see,omitempty"`
	Groups []groupRefJSON `json:"groups" doc:"the groups that grant it"`
}

type meJSON struct {
	ID          ID              `json:"id"`
	Email       string          `json:"email" example:"tech@msp.example"`
	Name        string          `json:"name" example:"Sam Tech"`
	GlobalAdmin bool            `json:"global_admin" example:"false"`
	Account     groupRefJSON    `json:"account"`
	Permissions []effectiveJSON `json:"permissions" doc:"every permission the caller holds, with where"`
}

// EffectiveJSON lists what grants allow, permission by permission.
func effectiveList(g *access.Grants) []effectiveJSON {
	out := []effectiveJSON{}
	for _, e := range g.Effective() {
		refs := make([]groupRefJSON, 0, len(e.Groups))
		for _, gr := range e.Groups {
			refs = append(refs, groupRefJSON{ID: ID(gr.ID), Name: gr.Name})
		}
		out = append(out, effectiveJSON{Permission: e.Permission, Scope: toScopeJSON(e.Scope), Groups: refs})
	}
	return out
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	acct, err := s.store.Account(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, meJSON{ID: ID(c.UserID), Email: c.Email, Name: c.Name, GlobalAdmin: c.Grants.GlobalAdmin(),
		Account: groupRefJSON{ID: ID(acct.ID), Name: acct.Name}, Permissions: effectiveList(c.Grants)})
}

type catalogJSON struct {
	Categories  []string             `json:"categories" example:"Operations,Finance,Administration"`
	Areas       []catalog.Area       `json:"areas"`
	Permissions []catalog.Permission `json:"permissions"`
}

func (s *Server) listPermissions(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	return writeJSON(w, http.StatusOK, catalogJSON{Categories: catalog.Categories(), Areas: catalog.Areas(), Permissions: catalog.All()})
}
