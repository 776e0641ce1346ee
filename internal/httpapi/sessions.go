package httpapi

import (
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

type loginRequest struct {
	Email    string `json:"email" required:"true" example:"owner@example.com"`
	Password string `json:"password" required:"true" example:"correct-horse-battery"`
}

type tokenResponse struct {
	Token     string    `json:"token" doc:"send as Authorization: Bearer <token>" example:"gh_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SignIn checks credentials and opens a session. It is shared by the
// API's login and the web sign-in form. Every failure reads the same.
func (s *Server) SignIn(r *http.Request, email, password string) (string, gatehouse.Token, error) {
	bad := gatehouse.Errorf(gatehouse.EUnauthorized, "invalid email or password")
	keys := []string{"email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + clientIP(r)}
	if blocked, until := s.signIns.Blocked(keys...); blocked {
		return "", gatehouse.Token{}, gatehouse.Errorf(gatehouse.ETooMany, "too many failed sign-ins; try again after %s", until.UTC().Format(time.RFC3339))
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	if err != nil {
		if gatehouse.ErrorCode(err) != gatehouse.ENotFound {
			return "", gatehouse.Token{}, err
		}
		auth.BurnPasswordCheck(password)
		s.signIns.Fail(keys...)
		return "", gatehouse.Token{}, bad
	}
	ok, _ := auth.CheckPassword(password, u.PasswordHash)
	if !ok || u.Disabled {
		s.signIns.Fail(keys...)
		reason := "wrong password"
		if u.Disabled {
			reason = "user disabled"
		}
		ev := audit.Event{Action: "auth.sign_in_failed", TargetType: "user", TargetID: u.ID, After: map[string]any{"reason": reason}}
		if err := s.store.RecordAudit(r.Context(), u.AccountID, ev); err != nil {
			return "", gatehouse.Token{}, err
		}
		return "", gatehouse.Token{}, bad
	}
	s.signIns.Reset(keys[0])
	ctx := audit.WithActor(r.Context(), audit.Actor{UserID: u.ID, Email: u.Email, IP: clientIP(r)})
	return s.issueToken(r.WithContext(ctx), u.AccountID, u.ID, gatehouse.TokenSession, "sign-in", s.SessionTTL)
}

func (s *Server) issueToken(r *http.Request, accountID, userID int64, kind, name string, ttl time.Duration) (string, gatehouse.Token, error) {
	token, hash, err := auth.NewToken()
	if err != nil {
		return "", gatehouse.Token{}, err
	}
	t, err := s.store.CreateToken(r.Context(), gatehouse.Token{AccountID: accountID, UserID: userID, Kind: kind, Name: name,
		Hash: hash, ExpiresAt: s.now().Add(ttl).UTC().Truncate(time.Millisecond)})
	return token, t, err
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
	token, t, err := s.SignIn(r, req.Email, req.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tokenResponse{Token: token, ExpiresAt: t.ExpiresAt})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	if err := s.store.DeleteToken(r.Context(), c.AccountID, c.UserID, c.TokenID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type createTokenRequest struct {
	Name          string `json:"name" required:"true" maxLength:"100" example:"billing sync"`
	ExpiresInDays *int   `json:"expires_in_days" min:"1" max:"366" doc:"default 90" example:"30"`
}

type tokenJSON struct {
	ID         ID         `json:"id"`
	Name       string     `json:"name" example:"billing sync"`
	Token      string     `json:"token,omitempty" doc:"the token itself: only in the create response, shown once" example:"gh_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func toTokenJSON(t gatehouse.Token) tokenJSON {
	out := tokenJSON{ID: ID(t.ID), Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
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
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 100 {
		return gatehouse.Invalid("name", "a name of 1 to 100 characters is required")
	}
	days := 90
	if req.ExpiresInDays != nil {
		days = *req.ExpiresInDays
	}
	if days < 1 || days > 366 {
		return gatehouse.Invalid("expires_in_days", "from 1 to 366 days")
	}
	token, t, err := s.issueToken(r, c.AccountID, c.UserID, gatehouse.TokenAPI, req.Name, time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	out := toTokenJSON(t)
	out.Token = token
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	ts, err := s.store.ListTokens(r.Context(), c.AccountID, c.UserID)
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
	if err := s.store.DeleteToken(r.Context(), c.AccountID, c.UserID, id); err != nil {
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
	Permission string         `json:"permission" enum:"permissions" example:"assets.view"`
	Scope      scopeJSON      `json:"scope"`
	Groups     []groupRefJSON `json:"groups" doc:"the groups that grant it"`
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
