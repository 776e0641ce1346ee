package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
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
	var req createGroupRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g := gatehouse.SecurityGroup{Name: req.Name, Description: req.Description, AccessType: gatehouse.AccessType(req.AccessType),
		CustomerIDs: fromIDs(req.CustomerIDs), Permissions: req.Permissions, IsDefault: req.IsDefault}
	if g.AccessType == "" {
		g.AccessType = gatehouse.AllCustomers
	}
	if err := canGrant(c, g); err != nil {
		return err
	}
	created, err := s.store.CreateGroup(r.Context(), c.AccountID, g)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toGroupJSON(created))
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	var req updateGroupRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	g, err := s.store.UpdateGroup(r.Context(), c.AccountID, id, req.fields(), func(before, after gatehouse.SecurityGroup) error {
		if err := canGrant(c, before); err != nil {
			return err
		}
		return canGrant(c, after)
	})
	if err != nil {
		return err
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

// GroupImpact lists the users who would lose access if g were deleted:
// it compiles each member with and without the group and reports the
// permissions whose scope shrinks. Global admins lose nothing. The
// account's subjects load in a fixed number of queries, however many
// members the group has.
func (s *Server) GroupImpact(r *http.Request, c *authz.Caller, g gatehouse.SecurityGroup) (impactJSON, error) {
	out := impactJSON{Group: groupRefJSON{ID: ID(g.ID), Name: g.Name}, Users: []userImpactJSON{}}
	subjects, err := s.store.AccountSubjects(r.Context(), c.AccountID)
	if err != nil {
		return out, err
	}
	now := s.now()
	for _, sub := range subjects {
		m, subject := sub.User, sub.Subject
		if !slices.Contains(m.GroupIDs, g.ID) {
			continue
		}
		before := access.Compile(subject, now)
		subject.Memberships = withoutGroup(subject.Memberships, g.ID)
		after := access.Compile(subject, now)
		loses := lostPermissions(before, after)
		if len(loses) == 0 {
			continue
		}
		out.Users = append(out.Users, userImpactJSON{ID: ID(m.ID), Email: m.Email, Name: m.Name, Loses: loses,
			LosesAccess: len(after.Effective()) == 0})
	}
	return out, nil
}

func withoutGroup(ms []access.Membership, groupID int64) []access.Membership {
	out := make([]access.Membership, 0, len(ms))
	for _, m := range ms {
		if m.Group.ID != groupID {
			out = append(out, m)
		}
	}
	return out
}

func lostPermissions(before, after *access.Grants) []string {
	var out []string
	for _, e := range before.Effective() {
		if !after.Scope(mustPerm(e.Permission)).Covers(e.Scope) {
			out = append(out, e.Permission)
		}
	}
	return out
}

// groupAndImpact loads the {id} group and what deleting it would take away.
func (s *Server) groupAndImpact(r *http.Request, c *authz.Caller) (int64, impactJSON, error) {
	id, err := pathID(r, "security group")
	if err != nil {
		return 0, impactJSON{}, err
	}
	g, err := s.store.Group(r.Context(), c.AccountID, id)
	if err != nil {
		return 0, impactJSON{}, err
	}
	imp, err := s.GroupImpact(r, c, g)
	return id, imp, err
}

func (s *Server) groupImpact(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	_, imp, err := s.groupAndImpact(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, imp)
}

// deleteGroup answers with the impact it had: the users who lost access.
func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, imp, err := s.groupAndImpact(r, c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteGroup(r.Context(), c.AccountID, id, func(g gatehouse.SecurityGroup) error { return canGrant(c, g) }); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, imp)
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
	if strings.TrimSpace(req.Name) == "" {
		return gatehouse.Invalid("name", "a name for the copy is required")
	}
	g, err := s.store.CopyGroup(r.Context(), c.AccountID, id, req.Name, func(src gatehouse.SecurityGroup) error { return canGrant(c, src) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toGroupJSON(g))
}
