package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

type userJSON struct {
	ID               ID        `json:"id"`
	Email            string    `json:"email" example:"tech@msp.example"`
	Name             string    `json:"name" example:"Sam Tech"`
	GlobalAdmin      bool      `json:"global_admin" example:"false"`
	Disabled         bool      `json:"disabled" example:"false"`
	SecurityGroupIDs []ID      `json:"security_group_ids"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toUserJSON(u gatehouse.User) userJSON {
	return userJSON{ID: ID(u.ID), Email: u.Email, Name: u.Name, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled,
		SecurityGroupIDs: toIDs(u.GroupIDs), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type createUserRequest struct {
	Email            string `json:"email" required:"true" example:"tech@msp.example"`
	Name             string `json:"name" maxLength:"200" example:"Sam Tech"`
	Password         string `json:"password" required:"true" doc:"at least 12 characters" example:"correct-horse-battery"`
	GlobalAdmin      bool   `json:"global_admin" example:"false"`
	Disabled         bool   `json:"disabled" example:"false"`
	SecurityGroupIDs *[]ID  `json:"security_group_ids" doc:"absent or null: the default groups"`
}

type updateUserRequest struct {
	Email            *string `json:"email" example:"tech@msp.example"`
	Name             *string `json:"name" maxLength:"200" example:"Sam Tech"`
	Password         *string `json:"password" doc:"at least 12 characters" example:"correct-horse-battery"`
	GlobalAdmin      *bool   `json:"global_admin" example:"false"`
	Disabled         *bool   `json:"disabled" example:"true"`
	SecurityGroupIDs *[]ID   `json:"security_group_ids" doc:"replaces the memberships"`
}

func (s *Server) hashPassword(pw string) (string, error) {
	if len(pw) < auth.MinPasswordLen {
		return "", gatehouse.Invalid("password", "at least %d characters", auth.MinPasswordLen)
	}
	if len(pw) > 1000 {
		return "", gatehouse.Invalid("password", "at most 1000 characters")
	}
	return auth.HashPassword(pw, s.password)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return exportPages(w, s, "users.csv", []string{"id", "email", "name", "global_admin", "disabled", "security_group_ids", "created_at"}, f,
			func(f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error) {
				return s.store.ListUsers(r.Context(), c.AccountID, f)
			},
			func(u gatehouse.User) []string {
				return []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, strconv.FormatBool(u.GlobalAdmin), strconv.FormatBool(u.Disabled),
					joinIDs(u.GroupIDs), u.CreatedAt.Format(time.RFC3339)}
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
	var req createUserRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	in := gatehouse.UserCreate{Email: req.Email, Name: req.Name, GlobalAdmin: req.GlobalAdmin, Disabled: req.Disabled}
	var err error
	if req.SecurityGroupIDs != nil {
		in.GroupIDs = fromIDs(*req.SecurityGroupIDs)
	} else if in.GroupIDs, err = s.defaultGroupIDs(r, c); err != nil {
		return err
	}
	if err := s.CheckUserCreate(r, c, in.GlobalAdmin, in.GroupIDs); err != nil {
		return err
	}
	if in.PasswordHash, err = s.hashPassword(req.Password); err != nil {
		return err
	}
	u, err := s.store.CreateUser(r.Context(), c.AccountID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}

// defaultGroupIDs are the groups a new user joins when none are named.
func (s *Server) defaultGroupIDs(r *http.Request, c *authz.Caller) ([]int64, error) {
	ids := []int64{}
	f := gatehouse.ListFilter{Limit: 500}
	for {
		page, err := s.store.ListGroups(r.Context(), c.AccountID, f)
		if err != nil {
			return nil, err
		}
		for _, g := range page.Items {
			if g.IsDefault {
				ids = append(ids, g.ID)
			}
		}
		if page.NextCursor == "" {
			return ids, nil
		}
		f.Cursor = page.NextCursor
	}
}

// checkGroupGrants refuses adding or removing a group the caller could
// not grant. Unknown ids are left to storage, which names them.
func (s *Server) checkGroupGrants(r *http.Request, c *authz.Caller, before, after []int64) error {
	if c.Grants.GlobalAdmin() {
		return nil
	}
	for _, id := range symmetricDiff(before, after) {
		g, err := s.store.Group(r.Context(), c.AccountID, id)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			continue
		}
		if err != nil {
			return err
		}
		if err := canGrant(c, g); err != nil {
			return err
		}
	}
	return nil
}

func symmetricDiff(a, b []int64) []int64 {
	var out []int64
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	for _, id := range b {
		if !slices.Contains(a, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// targetGrants compiles the grants of the user being managed.
func (s *Server) targetGrants(r *http.Request, c *authz.Caller, id int64) (*access.Grants, error) {
	subject, _, err := s.store.Subject(r.Context(), c.AccountID, id)
	if err != nil {
		return nil, err
	}
	return access.Compile(subject, s.now()), nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var req updateUserRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	before, err := s.store.User(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	if err := s.checkUserChange(r, c, before, req); err != nil {
		return err
	}
	upd := gatehouse.UserUpdate{Email: req.Email, Name: req.Name, GlobalAdmin: req.GlobalAdmin, Disabled: req.Disabled}
	if req.Password != nil {
		hash, err := s.hashPassword(*req.Password)
		if err != nil {
			return err
		}
		upd.PasswordHash = &hash
	}
	if req.SecurityGroupIDs != nil {
		ids := fromIDs(*req.SecurityGroupIDs)
		upd.GroupIDs = &ids
	}
	u, err := s.store.UpdateUser(r.Context(), c.AccountID, id, upd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

// checkUserChange holds the delegated-administration rules for users.
func (s *Server) checkUserChange(r *http.Request, c *authz.Caller, before gatehouse.User, req updateUserRequest) error {
	if c.Grants.GlobalAdmin() {
		return nil
	}
	if req.GlobalAdmin != nil && *req.GlobalAdmin != before.GlobalAdmin {
		return gatehouse.Errorf(gatehouse.EForbidden, "only a global admin can grant or revoke global admin")
	}
	target, err := s.targetGrants(r, c, before.ID)
	if err != nil {
		return err
	}
	if err := canManageUser(c, target); err != nil {
		return err
	}
	if req.SecurityGroupIDs != nil {
		return s.checkGroupGrants(r, c, before.GroupIDs, fromIDs(*req.SecurityGroupIDs))
	}
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if !c.Grants.GlobalAdmin() {
		target, err := s.targetGrants(r, c, id)
		if err != nil {
			return err
		}
		if err := canManageUser(c, target); err != nil {
			return err
		}
	}
	if err := s.store.DeleteUser(r.Context(), c.AccountID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
