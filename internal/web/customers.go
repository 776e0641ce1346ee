package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
)

var (
	permCustomersEdit   = catalog.MustLookup("customers.edit")
	permCustomersDelete = catalog.MustLookup("customers.delete")
	permGroupsView      = catalog.MustLookup("security_groups.view")
)

type customersPage struct {
	Customers []gatehouse.Customer
	Q         string
	Next      string
	CanCreate bool
}

func (s *Server) handleCustomerList(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f := listFilter(r, 50)
	page, err := s.store.ListCustomers(r.Context(), c.AccountID, c.Scope, f)
	if err != nil {
		return err
	}
	p := customersPage{Customers: page.Items, Q: f.Q, Next: nextLink("/customers", f.Q, page.NextCursor),
		CanCreate: c.Grants.HoldsAll(catalog.MustLookup("customers.create"))}
	s.render(w, r, c, http.StatusOK, "customers", "Customers", p)
	return nil
}

// searchResult is the list builder's answer: a page of names, never the
// whole customer table.
type searchResult struct {
	Items      []searchItem `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

type searchItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// handleCustomerSearch answers the list builder and other pickers: up to
// 50 customers in the caller's scope whose name holds q.
func (s *Server) handleCustomerSearch(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f := listFilter(r, 50)
	page, err := s.store.ListCustomers(r.Context(), c.AccountID, c.Scope, f)
	if err != nil {
		return err
	}
	out := searchResult{Items: make([]searchItem, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, cu := range page.Items {
		out.Items = append(out.Items, searchItem{ID: fmt.Sprint(cu.ID), Name: cu.Name})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}

type customerPage struct {
	Customer  gatehouse.Customer
	Hub       []hubSection // the customer's records, module by module, within the viewer's reach
	Zone      string
	Groups    []gatehouse.SecurityGroup // the groups reaching the customer, if the viewer may see groups
	ShowGroup bool
	CanEdit   bool
	CanDelete bool
}

func (s *Server) handleCustomerShow(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.store.Customer(r.Context(), c.AccountID, c.Scope, id)
	if err != nil {
		return err
	}
	p := customerPage{Customer: cu, CanEdit: c.Grants.Check(permCustomersEdit, id), CanDelete: c.Grants.Check(permCustomersDelete, id)}
	loc := zoneOf(r)
	if p.Hub, err = s.customerHubOf(r.Context(), c, loc, id); err != nil {
		return err
	}
	p.Zone = loc.String()
	if c.Grants.Holds(permGroupsView) {
		p.ShowGroup = true
		groups, err := s.allGroups(r.Context(), c.AccountID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.AccessType == gatehouse.AllCustomers || slices.Contains(g.CustomerIDs, id) {
				p.Groups = append(p.Groups, g)
			}
		}
	}
	s.render(w, r, c, http.StatusOK, "customer", cu.Name, p)
	return nil
}

type customerFormPage struct {
	Customer gatehouse.Customer
	New      bool
	Err      *formError

	// The Security Groups multi-select, shown to those who may see groups.
	ShowGroups     bool
	CanManage      bool
	SelectGroups   []groupChoice
	AllGroups      []gatehouse.SecurityGroup // all-customers groups: they reach every customer anyway
	GroupsErr      *formError
	GroupsListSize int
}

type groupChoice struct {
	ID       int64
	Name     string
	Selected bool
}

func (s *Server) handleCustomerNew(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	s.render(w, r, c, http.StatusOK, "customer_form", "New customer", customerFormPage{New: true})
	return nil
}

// customerFields reads the form; every field is sent, so every field is set.
func customerFields(r *http.Request) (gatehouse.CustomerFields, gatehouse.Customer) {
	get := func(name string) *string {
		v := strings.TrimSpace(r.PostFormValue(name))
		return &v
	}
	var tags []string
	for _, t := range strings.Split(r.PostFormValue("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	if tags == nil {
		tags = []string{}
	}
	f := gatehouse.CustomerFields{Name: get("name"), Tags: &tags, Notes: get("notes"), Email: get("email"), Phone: get("phone"),
		Website: get("website"), AddressLine1: get("address_line1"), AddressLine2: get("address_line2"), City: get("city"),
		Region: get("region"), PostalCode: get("postal_code"), Country: get("country")}
	var cu gatehouse.Customer
	f.Apply(&cu)
	return f, cu
}

func (s *Server) handleCustomerCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, shown := customerFields(r)
	cu, err := s.store.CreateCustomer(r.Context(), c.AccountID, f)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		s.render(w, r, c, fe.Status, "customer_form", "New customer", customerFormPage{Customer: shown, New: true, Err: fe})
		return nil
	}
	redirect(w, r, fmt.Sprintf("/customers/%d", cu.ID), "Created customer "+cu.Name+".")
	return nil
}

// renderCustomerForm shows the edit page with its Security Groups
// multi-select: the Select Customers groups, those listing the customer
// selected — the same rows the group editor's list builder changes.
func (s *Server) renderCustomerForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p customerFormPage, selected []int64) error {
	if c.Grants.Holds(permGroupsView) {
		p.ShowGroups = true
		p.CanManage = c.Grants.Holds(permGroupsManage)
		if selected == nil {
			var err error
			if selected, err = s.store.CustomerGroupIDs(r.Context(), c.AccountID, c.Grants.Scope(permCustomersView), p.Customer.ID); err != nil {
				return err
			}
		}
		groups, err := s.allGroups(r.Context(), c.AccountID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.AccessType == gatehouse.AllCustomers {
				p.AllGroups = append(p.AllGroups, g)
				continue
			}
			p.SelectGroups = append(p.SelectGroups, groupChoice{ID: g.ID, Name: g.Name, Selected: slices.Contains(selected, g.ID)})
		}
		p.GroupsListSize = min(max(len(p.SelectGroups), 3), 10)
	}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	} else if p.GroupsErr != nil {
		status = p.GroupsErr.Status
	}
	s.render(w, r, c, status, "customer_form", "Edit "+p.Customer.Name, p)
	return nil
}

func (s *Server) handleCustomerEdit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.store.Customer(r.Context(), c.AccountID, httpapi.CustomerChangeScope(c), id)
	if err != nil {
		return err
	}
	return s.renderCustomerForm(w, r, c, customerFormPage{Customer: cu}, nil)
}

func (s *Server) handleCustomerUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	f, shown := customerFields(r)
	cu, err := s.store.UpdateCustomer(r.Context(), c.AccountID, httpapi.CustomerChangeScope(c), id, f)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		shown.ID = id
		return s.renderCustomerForm(w, r, c, customerFormPage{Customer: shown, Err: fe}, nil)
	}
	redirect(w, r, fmt.Sprintf("/customers/%d", cu.ID), "Saved customer "+cu.Name+".")
	return nil
}

// handleCustomerGroupsUpdate sets which Select Customers groups list the
// customer, under the same rules as the API's PUT.
func (s *Server) handleCustomerGroupsUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	scope := c.Grants.Scope(permCustomersView)
	ids, err := formIDs(r.PostForm["group_id"], "security_group_ids")
	if err == nil {
		_, err = s.store.SetCustomerGroups(r.Context(), c.AccountID, scope, id, ids, httpapi.CustomerGroupsCheck(c, id))
		if err == nil {
			redirect(w, r, fmt.Sprintf("/customers/%d/edit", id), "Saved the customer's security groups.")
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	cu, cerr := s.store.Customer(r.Context(), c.AccountID, scope, id)
	if cerr != nil {
		return cerr
	}
	if ids == nil {
		ids = []int64{}
	}
	return s.renderCustomerForm(w, r, c, customerFormPage{Customer: cu, GroupsErr: fe}, ids)
}

func (s *Server) handleCustomerDeleteConfirm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.store.Customer(r.Context(), c.AccountID, httpapi.CustomerChangeScope(c), id)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "customer_delete", "Delete "+cu.Name, cu)
	return nil
}

func (s *Server) handleCustomerDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.store.Customer(r.Context(), c.AccountID, httpapi.CustomerChangeScope(c), id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteCustomer(r.Context(), c.AccountID, httpapi.CustomerChangeScope(c), id); err != nil {
		return err
	}
	redirect(w, r, "/customers", "Deleted customer "+cu.Name+".")
	return nil
}
