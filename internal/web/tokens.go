package web

import (
	"fmt"
	"net/http"
	"strconv"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

var permTokensManage = catalog.MustLookup("api_tokens.manage")

// tokensPage lists the signed-in user's API tokens and makes new ones.
type tokensPage struct {
	Tokens     []gatehouse.Token
	CanCreate  bool
	Held       []choiceGroup // the caller's permissions, the most a token may hold
	Name       string
	Days       int
	DayChoices []int
	Limited    bool
	Created    *createdToken // shown once, right after creating
	Err        *formError
}

type createdToken struct {
	Name, Secret string
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.renderTokens(w, r, c, tokensPage{Days: usecase.DefaultTokenDays})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, c *authz.Caller, p tokensPage) error {
	var err error
	if p.Tokens, err = s.uc.ListTokens(r.Context(), c, c.UserID); err != nil {
		return err
	}
	p.CanCreate = c.Grants.Holds(permTokensManage)
	p.DayChoices = []int{7, 30, 90, 180, usecase.MaxTokenDays}
	picked := map[string]bool{}
	for _, k := range r.PostForm["permission"] {
		picked[k] = true
	}
	for _, cat := range catalog.Categories() {
		grp := choiceGroup{Label: cat}
		for _, perm := range catalog.All() {
			if perm.Category == cat && c.Grants.Holds(perm.Index) {
				grp.Choices = append(grp.Choices, choice{Value: perm.Key, Label: permLabel(perm.Key), Selected: picked[perm.Key]})
			}
		}
		if len(grp.Choices) > 0 {
			p.Held = append(p.Held, grp)
		}
	}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "tokens", "API tokens", p)
	return nil
}

// handleTokenCreate issues a token and shows its secret once, on this
// answer only: it is never stored, so it cannot be shown again.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	p := tokensPage{Name: r.PostFormValue("name"), Limited: r.PostFormValue("scope") == "limited"}
	in := usecase.NewToken{Name: p.Name}
	days, err := strconv.Atoi(r.PostFormValue("expires_in_days"))
	if err != nil {
		err = gatehouse.Invalid("expires_in_days", "choose how long the token lasts")
	} else {
		p.Days, in.ExpiresInDays = days, &days
		if p.Limited {
			perms := r.PostForm["permission"]
			if perms == nil {
				perms = []string{}
			}
			in.Permissions = &perms
		}
		var secret string
		var t gatehouse.Token
		if secret, t, err = s.uc.CreateToken(r.Context(), c, in); err == nil {
			w.Header().Set("Cache-Control", "no-store")
			return s.renderTokens(w, r, c, tokensPage{Days: usecase.DefaultTokenDays, Created: &createdToken{Name: t.Name, Secret: secret}})
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	p.Err = fe
	return s.renderTokens(w, r, c, p)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "token")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeToken(r.Context(), c, c.UserID, id); err != nil {
		return err
	}
	redirect(w, r, "/tokens", "Revoked the token.")
	return nil
}

// handleUserTokenRevoke ends another user's token, for a holder of
// users.manage over them (a lost laptop, a leaked script).
func (s *Server) handleUserTokenRevoke(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	tokenID, err := strconv.ParseInt(r.PathValue("token_id"), 10, 64)
	if err != nil || tokenID <= 0 {
		return gatehouse.NotFound("token")
	}
	if err := s.uc.RevokeToken(r.Context(), c, id, tokenID); err != nil {
		return err
	}
	redirect(w, r, fmt.Sprintf("/users/%d", id), "Revoked the token.")
	return nil
}
