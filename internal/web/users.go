package web

import (
	"fmt"
	"net/http"
	"slices"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

var permUsersManage = catalog.MustLookup("users.manage")

type userRow struct {
	gatehouse.User
	Groups []string
}

type usersPage struct {
	Users        []userRow
	Q            string
	Next         string
	CanManage    bool
	ActiveAdmins int  // counted on this page
	OneAdmin     bool // the whole list is one page and has a single active global admin
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f := listFilter(r, 50)
	page, err := s.store.ListUsers(r.Context(), c.AccountID, f)
	if err != nil {
		return err
	}
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(groups))
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	p := usersPage{Q: f.Q, Next: nextLink("/users", f.Q, page.NextCursor), CanManage: c.Grants.Holds(permUsersManage)}
	for _, u := range page.Items {
		row := userRow{User: u}
		for _, id := range u.GroupIDs {
			row.Groups = append(row.Groups, names[id])
		}
		if u.GlobalAdmin && !u.Disabled {
			p.ActiveAdmins++
		}
		p.Users = append(p.Users, row)
	}
	p.OneAdmin = f.Q == "" && f.Cursor == "" && page.NextCursor == "" && p.ActiveAdmins == 1
	s.render(w, r, c, http.StatusOK, "users", "Users", p)
	return nil
}

type userFormPage struct {
	User      gatehouse.User
	New       bool
	CanManage bool
	// CanSetAdmin shows the global admin checkbox: only global admins
	// may grant or revoke it.
	CanSetAdmin bool
	Self        bool
	Groups      []groupChoice
	Err         *formError
	// Tokens are the user's API tokens, for a manager who may revoke them.
	Tokens     []gatehouse.Token
	ShowTokens bool
	// MFA is the user's second factors; a manager may reset them and
	// end the user's sessions.
	MFA *usecase.MFAStatus
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p userFormPage) error {
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		p.Groups = append(p.Groups, groupChoice{ID: g.ID, Name: g.Name, Selected: slices.Contains(p.User.GroupIDs, g.ID)})
	}
	p.CanSetAdmin = c.Grants.GlobalAdmin()
	p.Self = p.User.ID == c.UserID
	if !p.New && !p.Self && c.Grants.Holds(permUsersManage) {
		if p.Tokens, err = s.uc.ListTokens(r.Context(), c, p.User.ID); err == nil {
			p.ShowTokens = true
		} else if gatehouse.ErrorCode(err) != gatehouse.EForbidden {
			return err
		}
	}
	if !p.New {
		st, err := s.uc.UserFactors(r.Context(), c, p.User.ID)
		if err != nil {
			return err
		}
		p.MFA = &st
	}
	status, title := http.StatusOK, "New user"
	if !p.New {
		title = p.User.Email
	}
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "user_form", title, p)
	return nil
}

func (s *Server) handleUserNew(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	u := gatehouse.User{GroupIDs: []int64{}}
	for _, g := range groups {
		if g.IsDefault {
			u.GroupIDs = append(u.GroupIDs, g.ID)
		}
	}
	return s.renderUserForm(w, r, c, userFormPage{User: u, New: true, CanManage: true})
}

func (s *Server) handleUserEdit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, err := s.store.User(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	return s.renderUserForm(w, r, c, userFormPage{User: u, CanManage: c.Grants.Holds(permUsersManage)})
}

// adminFlag reads the global admin checkbox. The form shows it only to
// global admins (with a marker input); for anyone else it is "unchanged"
// unless the field is sent anyway, which the rules then refuse.
func adminFlag(r *http.Request) *bool {
	v := checked(r, "global_admin")
	if r.PostFormValue("global_admin_shown") == "1" || v {
		return &v
	}
	return nil
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	shown := gatehouse.User{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Disabled: checked(r, "disabled"),
		ExternalID: r.PostFormValue("external_id")}
	if a := adminFlag(r); a != nil {
		shown.GlobalAdmin = *a
	}
	applied, err := s.createUser(w, r, c, &shown)
	if err == nil {
		if applied {
			redirect(w, r, fmt.Sprintf("/users/%d", shown.ID), "Created user "+shown.Email+".")
		}
		return nil
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	return s.renderUserForm(w, r, c, userFormPage{User: shown, New: true, CanManage: true, Err: fe})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *authz.Caller, u *gatehouse.User) (bool, error) {
	ids, err := formIDs(r.PostForm["group_id"], "security_group_ids")
	u.GroupIDs = ids
	if err != nil {
		return false, err
	}
	in := usecase.NewUser{Email: u.Email, Name: u.Name, Password: r.PostFormValue("password"),
		GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled, ExternalID: u.ExternalID, GroupIDs: &ids}
	return s.confirmed(w, r, c, "Create user "+u.Email, func(m usecase.Mode) (usecase.Impact, error) {
		created, imp, err := s.uc.CreateUser(r.Context(), c, in, m)
		if err == nil && m != usecase.Preview {
			*u = created
		}
		return imp, err
	})
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	before, err := s.store.User(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	email, name, disabled := r.PostFormValue("email"), r.PostFormValue("name"), checked(r, "disabled")
	upd := usecase.UserChange{Email: &email, Name: &name, Disabled: &disabled, GlobalAdmin: adminFlag(r)}
	shown := before
	shown.Email, shown.Name, shown.Disabled = email, name, disabled
	if _, sent := r.PostForm["external_id"]; sent {
		ext := r.PostFormValue("external_id")
		upd.ExternalID, shown.ExternalID = &ext, ext
	}
	if upd.GlobalAdmin != nil {
		shown.GlobalAdmin = *upd.GlobalAdmin
	}
	applied, err := s.updateUser(w, r, c, before, &upd, &shown)
	if err == nil {
		if applied {
			redirect(w, r, fmt.Sprintf("/users/%d", id), "Saved user "+email+".")
		}
		return nil
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	return s.renderUserForm(w, r, c, userFormPage{User: shown, CanManage: true, Err: fe})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *authz.Caller, before gatehouse.User, upd *usecase.UserChange, shown *gatehouse.User) (bool, error) {
	ids, err := formIDs(r.PostForm["group_id"], "security_group_ids")
	if err != nil {
		return false, err
	}
	upd.GroupIDs = &ids
	shown.GroupIDs = ids
	if pw := r.PostFormValue("password"); pw != "" {
		upd.Password = &pw
	}
	return s.confirmed(w, r, c, "Save user "+before.Email, func(m usecase.Mode) (usecase.Impact, error) {
		_, imp, err := s.uc.UpdateUser(r.Context(), c, before.ID, *upd, m)
		return imp, err
	})
}

type userDeletePage struct {
	User    gatehouse.User
	Summary string
	Digest  string
}

// handleUserDeleteConfirm says what deleting the user takes away first.
func (s *Server) handleUserDeleteConfirm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, imp, err := s.uc.DeleteUser(r.Context(), c, id, usecase.Preview)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "user_delete", "Delete "+u.Email, userDeletePage{User: u, Summary: imp.Summary(), Digest: imp.Digest()})
	return nil
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var u gatehouse.User
	applied, err := s.confirmed(w, r, c, "Delete this user", func(m usecase.Mode) (usecase.Impact, error) {
		var imp usecase.Impact
		var err error
		u, imp, err = s.uc.DeleteUser(r.Context(), c, id, m)
		return imp, err
	})
	if err != nil || !applied {
		return err
	}
	redirect(w, r, "/users", "Deleted user "+u.Email+".")
	return nil
}
