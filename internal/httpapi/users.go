package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

type userJSON struct {
	ID               ID        `json:"id"`
	Email            string    `json:"email" example:"tech@msp.example"`
	Name             string    `json:"name" example:"Sam Tech"`
	GlobalAdmin      bool      `json:"global_admin" example:"false"`
	Disabled         bool      `json:"disabled" example:"false"`
	ExternalID       string    `json:"external_id" doc:"how another tool names the user (its own id), unique in the account; empty: none" example:"CiRmZDA2MTRkMy1jMzlh"`
	SecurityGroupIDs []ID      `json:"security_group_ids"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toUserJSON(u gatehouse.User) userJSON {
	return userJSON{ID: ID(u.ID), Email: u.Email, Name: u.Name, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled,
		ExternalID: u.ExternalID, SecurityGroupIDs: toIDs(u.GroupIDs), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type createUserRequest struct {
	Email            string `json:"email" required:"true" example:"tech@msp.example"`
	Name             string `json:"name" maxLength:"200" example:"Sam Tech"`
	Password         string `json:"password" required:"true" doc:"at least 12 characters" example:"correct-horse-battery"`
	GlobalAdmin      bool   `json:"global_admin" example:"false"`
	Disabled         bool   `json:"disabled" example:"false"`
	ExternalID       string `json:"external_id" maxLength:"200" doc:"how another tool names the user, unique in the account" example:"CiRmZDA2MTRkMy1jMzlh"`
	SecurityGroupIDs *[]ID  `json:"security_group_ids" doc:"absent or null: the default groups"`
}

type updateUserRequest struct {
	Email            *string `json:"email" example:"tech@msp.example"`
	Name             *string `json:"name" maxLength:"200" example:"Sam Tech"`
	Password         *string `json:"password" doc:"at least 12 characters" example:"correct-horse-battery"`
	GlobalAdmin      *bool   `json:"global_admin" example:"false"`
	Disabled         *bool   `json:"disabled" example:"true"`
	ExternalID       *string `json:"external_id" maxLength:"200" doc:"how another tool names the user, unique in the account; empty: none" example:"CiRmZDA2MTRkMy1jMzlh"`
	SecurityGroupIDs *[]ID   `json:"security_group_ids" doc:"replaces the memberships"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return exportPages(w, s, "users.csv", []string{"id", "email", "name", "global_admin", "disabled", "external_id", "security_group_ids", "created_at"}, f,
			func(f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error) {
				return s.store.ListUsers(r.Context(), c.AccountID, f)
			},
			func(u gatehouse.User) []string {
				return []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, strconv.FormatBool(u.GlobalAdmin), strconv.FormatBool(u.Disabled),
					u.ExternalID, joinIDs(u.GroupIDs), u.CreatedAt.Format(time.RFC3339)}
			})
	}
	page, err := s.store.ListUsers(r.Context(), c.AccountID, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(page, toUserJSON))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	var req createUserRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	in := usecase.NewUser{Email: req.Email, Name: req.Name, Password: req.Password, GlobalAdmin: req.GlobalAdmin, Disabled: req.Disabled,
		ExternalID: req.ExternalID}
	if req.SecurityGroupIDs != nil {
		ids := fromIDs(*req.SecurityGroupIDs)
		in.GroupIDs = &ids
	}
	u, imp, err := s.uc.CreateUser(r.Context(), c, in, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	var req updateUserRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	in := usecase.UserChange{Email: req.Email, Name: req.Name, Password: req.Password, GlobalAdmin: req.GlobalAdmin, Disabled: req.Disabled,
		ExternalID: req.ExternalID}
	if req.SecurityGroupIDs != nil {
		ids := fromIDs(*req.SecurityGroupIDs)
		in.GroupIDs = &ids
	}
	u, imp, err := s.uc.UpdateUser(r.Context(), c, id, in, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	_, imp, err := s.uc.DeleteUser(r.Context(), c, id, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listUserTokens lists another user's API tokens, for revoking a lost one.
func (s *Server) listUserTokens(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	ts, err := s.uc.ListTokens(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(gatehouse.Page[gatehouse.Token]{Items: ts}, toTokenJSON))
}

func (s *Server) revokeUserToken(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	tokenID, err := pathIDNamed(r, "token_id", "token")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeToken(r.Context(), c, id, tokenID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
