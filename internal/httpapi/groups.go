package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

type groupJSON struct {
	ID          ID        `json:"id"`
	Name        string    `json:"name" example:"Helpdesk"`
	Description string    `json:"description" example:"First-line support"`
	AccessType  string    `json:"access_type" enum:"all_customers,select_customers" example:"select_customers"`
	CustomerIDs []ID      `json:"customer_ids" doc:"the customers of a select_customers group"`
	Permissions []string  `json:"permissions" enum:"permissions" example:"assets.view"`
	IsDefault   bool      `json:"is_default" doc:"new users join it unless told otherwise" example:"false"`
	UserCount   int       `json:"user_count" example:"4"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toGroupJSON(g gatehouse.SecurityGroup) groupJSON {
	perms := g.Permissions
	if perms == nil {
		perms = []string{}
	}
	return groupJSON{ID: ID(g.ID), Name: g.Name, Description: g.Description, AccessType: string(g.AccessType),
		CustomerIDs: toIDs(g.CustomerIDs), Permissions: perms, IsDefault: g.IsDefault, UserCount: g.UserCount,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

type createGroupRequest struct {
	Name        string   `json:"name" required:"true" maxLength:"100" example:"Helpdesk"`
	Description string   `json:"description" maxLength:"2000" example:"First-line support"`
	AccessType  string   `json:"access_type" enum:"all_customers,select_customers" doc:"default all_customers" example:"select_customers"`
	CustomerIDs []ID     `json:"customer_ids" doc:"the customers of a select_customers group"`
	Permissions []string `json:"permissions" enum:"permissions" example:"assets.view"`
	IsDefault   bool     `json:"is_default" doc:"new users join it unless told otherwise" example:"false"`
}

type updateGroupRequest struct {
	Name        *string   `json:"name" maxLength:"100" example:"Helpdesk"`
	Description *string   `json:"description" maxLength:"2000" example:"First-line support"`
	AccessType  *string   `json:"access_type" enum:"all_customers,select_customers" example:"select_customers"`
	CustomerIDs *[]ID     `json:"customer_ids" doc:"replaces the customer list"`
	Permissions *[]string `json:"permissions" enum:"permissions" doc:"replaces the permissions" example:"assets.view"`
	IsDefault   *bool     `json:"is_default" example:"false"`
}

func (u updateGroupRequest) fields() gatehouse.GroupFields {
	f := gatehouse.GroupFields{Name: u.Name, Description: u.Description, Permissions: u.Permissions, IsDefault: u.IsDefault}
	if u.AccessType != nil {
		t := gatehouse.AccessType(*u.AccessType)
		f.AccessType = &t
	}
	if u.CustomerIDs != nil {
		ids := fromIDs(*u.CustomerIDs)
		f.CustomerIDs = &ids
	}
	return f
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return exportPages(w, s, "security-groups.csv", []string{"id", "name", "description", "access_type", "customer_ids", "permissions", "user_count"}, f,
			func(f gatehouse.ListFilter) (gatehouse.Page[gatehouse.SecurityGroup], error) {
				return s.store.ListGroups(r.Context(), c.AccountID, f)
			},
			func(g gatehouse.SecurityGroup) []string {
				return []string{strconv.FormatInt(g.ID, 10), g.Name, g.Description, string(g.AccessType), joinIDs(g.CustomerIDs),
					strings.Join(g.Permissions, ";"), strconv.Itoa(g.UserCount)}
			})
	}
	page, err := s.store.ListGroups(r.Context(), c.AccountID, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(page, toGroupJSON))
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	g, err := s.store.Group(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toGroupJSON(g))
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	var req createGroupRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g := gatehouse.SecurityGroup{Name: req.Name, Description: req.Description, AccessType: gatehouse.AccessType(req.AccessType),
		CustomerIDs: fromIDs(req.CustomerIDs), Permissions: req.Permissions, IsDefault: req.IsDefault}
	created, imp, err := s.uc.CreateGroup(r.Context(), c, g, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusCreated, toGroupJSON(created))
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	var req updateGroupRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g, imp, err := s.uc.UpdateGroup(r.Context(), c, id, req.fields(), mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusOK, toGroupJSON(g))
}

// impactJSON is who loses what when a group goes.
type impactJSON struct {
	Group groupRefJSON     `json:"group"`
	Users []userImpactJSON `json:"users"`
}

type userImpactJSON struct {
	ID          ID       `json:"id"`
	Email       string   `json:"email" example:"tech@msp.example"`
	Name        string   `json:"name" example:"Sam Tech"`
	Loses       []string `json:"loses" enum:"permissions" doc:"the permissions whose scope shrinks" example:"assets.view"` // permissions whose scope shrinks
	LosesAccess bool     `json:"loses_all_access" doc:"the user is left with no access at all" example:"false"`
}

// toDeleteImpact lists the users who lose access when g goes.
func toDeleteImpact(g gatehouse.SecurityGroup, imp usecase.Impact) impactJSON {
	out := impactJSON{Group: groupRefJSON{ID: ID(g.ID), Name: g.Name}, Users: []userImpactJSON{}}
	for _, u := range imp.Users {
		if len(u.Loses) == 0 {
			continue
		}
		ui := userImpactJSON{ID: ID(u.User.ID), Email: u.User.Email, Name: u.User.Name, LosesAccess: u.LosesAll}
		for _, l := range u.Loses {
			ui.Loses = append(ui.Loses, l.Permission)
		}
		out.Users = append(out.Users, ui)
	}
	return out
}

func (s *Server) groupImpact(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	g, imp, err := s.uc.DeleteGroup(r.Context(), c, id, usecase.Preview)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDeleteImpact(g, imp))
}

// deleteGroup answers with the impact it had: the users who lost access.
func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	if mode == usecase.Apply {
		mode = usecase.ApplyAndReport // the answer names who lost access
	}
	g, imp, err := s.uc.DeleteGroup(r.Context(), c, id, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusOK, toDeleteImpact(g, imp))
}

type copyGroupRequest struct {
	Name string `json:"name" required:"true" maxLength:"100" example:"Helpdesk (copy)"`
}

func (s *Server) copyGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	var req copyGroupRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g, err := s.uc.CopyGroup(r.Context(), c, id, req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toGroupJSON(g))
}
