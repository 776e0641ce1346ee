package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

var (
	permCustomersView = catalog.MustLookup("customers.view")
	permGroupsManage  = catalog.MustLookup("security_groups.manage")
)

type groupRow struct {
	gatehouse.SecurityGroup
	CustomerCount string
}

type groupsPage struct {
	Groups    []groupRow
	CanManage bool
}

func (s *Server) handleGroupList(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	p := groupsPage{CanManage: c.Grants.Holds(permGroupsManage)}
	for _, g := range groups {
		row := groupRow{SecurityGroup: g, CustomerCount: "All"}
		if g.AccessType == gatehouse.SelectCustomers {
			row.CustomerCount = strconv.Itoa(len(g.CustomerIDs))
		}
		p.Groups = append(p.Groups, row)
	}
	s.render(w, r, c, http.StatusOK, "groups", "Security groups", p)
	return nil
}

// customerOption is one entry of a customer listbox.
type customerOption struct {
	ID     int64
	Name   string
	Hidden bool // in the group, but outside what the viewer may see
}

// customerOptions names the customers of a list, as far as the viewer's
// customers.view scope reaches; the others keep their place unnamed.
func (s *Server) customerOptions(ctx context.Context, c *authz.Caller, ids []int64) ([]customerOption, error) {
	visible := c.Grants.Scope(permCustomersView)
	var shown []int64
	for _, id := range ids {
		if visible.Contains(id) {
			shown = append(shown, id)
		}
	}
	names := make(map[int64]string, len(shown))
	if len(shown) > 0 {
		f := gatehouse.ListFilter{Limit: 500}
		for {
			page, err := s.store.ListCustomers(ctx, c.AccountID, access.Only(shown...), f)
			if err != nil {
				return nil, err
			}
			for _, cu := range page.Items {
				names[cu.ID] = cu.Name
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
	}
	out := make([]customerOption, 0, len(ids))
	for _, id := range ids {
		if n, ok := names[id]; ok {
			out = append(out, customerOption{ID: id, Name: n})
		} else {
			out = append(out, customerOption{ID: id, Name: fmt.Sprintf("Customer #%d (not visible to you)", id), Hidden: true})
		}
	}
	slices.SortStableFunc(out, func(a, b customerOption) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// The permission tree: categories, their areas, the areas' actions.
type permCategory struct {
	Name  string
	Slug  string
	Areas []permArea
}

type permArea struct {
	Key         string
	Label       string
	AccountWide bool
	Actions     []permAction
}

type permAction struct {
	Key     string
	Label   string
	Checked bool
}

func permissionTree(checkedKeys []string) []permCategory {
	has := make(map[string]bool, len(checkedKeys))
	for _, k := range checkedKeys {
		has[k] = true
	}
	var out []permCategory
	for i, cat := range catalog.Categories() {
		pc := permCategory{Name: cat, Slug: "cat-" + strconv.Itoa(i)}
		for _, a := range catalog.Areas() {
			if a.Category != cat {
				continue
			}
			pa := permArea{Key: a.Key, Label: a.Label, AccountWide: !a.CustomerScoped}
			for _, act := range a.Actions {
				key := a.Key + "." + act.Key
				pa.Actions = append(pa.Actions, permAction{Key: key, Label: act.Label, Checked: has[key]})
			}
			pc.Areas = append(pc.Areas, pa)
		}
		out = append(out, pc)
	}
	return out
}

type groupFormPage struct {
	Group      gatehouse.SecurityGroup
	New        bool
	CanManage  bool
	CanSearch  bool // the viewer may search customers for the list builder
	Accessible []customerOption
	Tree       []permCategory
	Err        *formError
}

// Select reports whether the form shows Select Customers.
func (p groupFormPage) Select() bool { return p.Group.AccessType == gatehouse.SelectCustomers }

func (s *Server) renderGroupForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p groupFormPage) error {
	var err error
	if p.Accessible, err = s.customerOptions(r.Context(), c, p.Group.CustomerIDs); err != nil {
		return err
	}
	p.Tree = permissionTree(p.Group.Permissions)
	p.CanSearch = c.Grants.Holds(permCustomersView)
	status, title := http.StatusOK, "New security group"
	if !p.New {
		title = p.Group.Name
	}
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "group_form", title, p)
	return nil
}

func (s *Server) handleGroupNew(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.renderGroupForm(w, r, c, groupFormPage{New: true, CanManage: true,
		Group: gatehouse.SecurityGroup{AccessType: gatehouse.AllCustomers}})
}

func (s *Server) handleGroupEdit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	g, err := s.store.Group(r.Context(), c.AccountID, id)
	if err != nil {
		return err
	}
	return s.renderGroupForm(w, r, c, groupFormPage{Group: g, CanManage: c.Grants.Holds(permGroupsManage)})
}

// groupFromForm reads the editor's fields. A Select Customers group takes
// the Accessible panel's customers; an All Customers group takes none.
func groupFromForm(r *http.Request) (gatehouse.SecurityGroup, error) {
	g := gatehouse.SecurityGroup{
		Name:        r.PostFormValue("name"),
		Description: strings.TrimSpace(r.PostFormValue("description")),
		AccessType:  gatehouse.AccessType(r.PostFormValue("access_type")),
		Permissions: r.PostForm["permission"],
		IsDefault:   checked(r, "is_default"),
	}
	if g.Permissions == nil {
		g.Permissions = []string{}
	}
	ids, err := formIDs(r.PostForm["customer_id"], "customer_ids")
	if err != nil {
		return g, err
	}
	if g.AccessType == gatehouse.SelectCustomers {
		g.CustomerIDs = ids
	} else {
		g.CustomerIDs = []int64{}
	}
	return g, nil
}

func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	g, err := groupFromForm(r)
	if err == nil {
		var created gatehouse.SecurityGroup
		var applied bool
		applied, err = s.confirmed(w, r, c, "Create security group "+g.Name, func(m usecase.Mode) (usecase.Impact, error) {
			var imp usecase.Impact
			var err error
			created, imp, err = s.uc.CreateGroup(r.Context(), c, g, m)
			return imp, err
		})
		if err == nil {
			if applied {
				redirect(w, r, fmt.Sprintf("/security-groups/%d", created.ID), "Created security group "+created.Name+".")
			}
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	return s.renderGroupForm(w, r, c, groupFormPage{Group: g, New: true, CanManage: true, Err: fe})
}

func (s *Server) handleGroupUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	g, err := groupFromForm(r)
	if err == nil {
		f := gatehouse.GroupFields{Name: &g.Name, Description: &g.Description, AccessType: &g.AccessType,
			CustomerIDs: &g.CustomerIDs, Permissions: &g.Permissions, IsDefault: &g.IsDefault}
		var updated gatehouse.SecurityGroup
		var applied bool
		applied, err = s.confirmed(w, r, c, "Save security group "+g.Name, func(m usecase.Mode) (usecase.Impact, error) {
			var imp usecase.Impact
			var err error
			updated, imp, err = s.uc.UpdateGroup(r.Context(), c, id, f, m)
			return imp, err
		})
		if err == nil {
			if applied {
				redirect(w, r, fmt.Sprintf("/security-groups/%d", updated.ID), "Saved security group "+updated.Name+".")
			}
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	g.ID = id
	return s.renderGroupForm(w, r, c, groupFormPage{Group: g, CanManage: true, Err: fe})
}

// handleGroupCopy makes "Copy of <name>", numbered when that name is
// taken, and opens the copy for editing.
func (s *Server) handleGroupCopy(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	cp, err := s.uc.CopyGroup(r.Context(), c, id, "")
	if err != nil {
		return err
	}
	redirect(w, r, fmt.Sprintf("/security-groups/%d", cp.ID), "Copied the group to "+cp.Name+".")
	return nil
}

type groupDeletePage struct {
	Group  gatehouse.SecurityGroup
	Impact []impactRow
	Digest string // the impact shown: deleting applies only if it still holds
}

type impactRow struct {
	Name        string
	Email       string
	Loses       []string // permission labels
	LosesAccess bool
}

func (s *Server) handleGroupDeleteConfirm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	g, imp, err := s.uc.DeleteGroup(r.Context(), c, id, usecase.Preview)
	if err != nil {
		return err
	}
	p := groupDeletePage{Group: g, Digest: imp.Digest()}
	for _, u := range imp.Users {
		if len(u.Loses) == 0 {
			continue
		}
		row := impactRow{Name: u.User.Name, Email: u.User.Email, LosesAccess: u.LosesAll}
		for _, l := range u.Loses {
			row.Loses = append(row.Loses, permLabel(l.Permission))
		}
		p.Impact = append(p.Impact, row)
	}
	s.render(w, r, c, http.StatusOK, "group_delete", "Delete "+g.Name, p)
	return nil
}

func (s *Server) handleGroupDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "security group")
	if err != nil {
		return err
	}
	var g gatehouse.SecurityGroup
	applied, err := s.confirmed(w, r, c, "Delete this security group", func(m usecase.Mode) (usecase.Impact, error) {
		var imp usecase.Impact
		var err error
		g, imp, err = s.uc.DeleteGroup(r.Context(), c, id, m)
		return imp, err
	})
	if err != nil || !applied {
		return err
	}
	redirect(w, r, "/security-groups", "Deleted security group "+g.Name+".")
	return nil
}
