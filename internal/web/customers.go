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
	"gatehouse/internal/records"
	"gatehouse/internal/usecase"
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
	Archived  bool // the archived customers' list
	// CanSeeArchived links to archived customers: only all-customers
	// holders reach them.
	CanSeeArchived bool
}

func (s *Server) handleCustomerList(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f := listFilter(r, 50)
	f.Archived = r.URL.Query().Get("archived") == "1"
	page, err := s.store.ListCustomers(r.Context(), c.AccountID, c.Scope, f)
	if err != nil {
		return err
	}
	next := nextLink("/customers", f.Q, page.NextCursor)
	if f.Archived && next != "" {
		next += "&archived=1"
	}
	p := customersPage{Customers: page.Items, Q: f.Q, Next: next, Archived: f.Archived,
		CanCreate:      c.Grants.HoldsAll(catalog.MustLookup("customers.create")),
		CanSeeArchived: c.Grants.HoldsAll(permCustomersView)}
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
		groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
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
	Customer   gatehouse.Customer
	New        bool
	Err        *formError
	ShowGroups bool // link to the customer's security groups
}

// customerGroupsPage assigns a customer to Select Customers groups: the
// same rows the group editor's list builder changes.
type customerGroupsPage struct {
	Customer     gatehouse.Customer
	CanManage    bool
	SelectGroups []groupChoice
	AllGroups    []gatehouse.SecurityGroup // all-customers groups: they reach every customer anyway
	Err          *formError
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
		Region: get("region"), PostalCode: get("postal_code"), Country: get("country"), ExternalID: get("external_id")}
	var cu gatehouse.Customer
	f.Apply(&cu)
	return f, cu
}

func (s *Server) handleCustomerCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, shown := customerFields(r)
	cu, err := s.uc.CreateCustomer(r.Context(), c, f)
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

// renderCustomerForm shows the edit page; a customer's security groups
// have a page of their own, so saving them never loses edits here.
func (s *Server) renderCustomerForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p customerFormPage) error {
	p.ShowGroups = c.Grants.Holds(permGroupsView)
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "customer_form", "Edit "+p.Customer.Name, p)
	return nil
}

func (s *Server) handleCustomerEdit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.uc.CustomerForEdit(r.Context(), c, id)
	if err != nil {
		return err
	}
	return s.renderCustomerForm(w, r, c, customerFormPage{Customer: cu})
}

func (s *Server) handleCustomerUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	f, shown := customerFields(r)
	cu, err := s.uc.UpdateCustomer(r.Context(), c, id, f)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		shown.ID = id
		return s.renderCustomerForm(w, r, c, customerFormPage{Customer: shown, Err: fe})
	}
	redirect(w, r, fmt.Sprintf("/customers/%d", cu.ID), "Saved customer "+cu.Name+".")
	return nil
}

func (s *Server) handleCustomerGroups(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	selected, err := s.store.CustomerGroupIDs(r.Context(), c.AccountID, usecase.CustomerView(c), id)
	if err != nil {
		return err
	}
	return s.renderCustomerGroups(w, r, c, id, selected, nil)
}

func (s *Server) renderCustomerGroups(w http.ResponseWriter, r *http.Request, c *authz.Caller, id int64, selected []int64, fe *formError) error {
	cu, err := s.store.Customer(r.Context(), c.AccountID, usecase.CustomerView(c), id)
	if err != nil {
		return err
	}
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	p := customerGroupsPage{Customer: cu, CanManage: c.Grants.Holds(permGroupsManage), Err: fe}
	for _, g := range groups {
		if g.AccessType == gatehouse.AllCustomers {
			p.AllGroups = append(p.AllGroups, g)
			continue
		}
		p.SelectGroups = append(p.SelectGroups, groupChoice{ID: g.ID, Name: g.Name, Selected: slices.Contains(selected, g.ID)})
	}
	status := http.StatusOK
	if fe != nil {
		status = fe.Status
	}
	s.render(w, r, c, status, "customer_groups", "Security groups of "+cu.Name, p)
	return nil
}

// handleCustomerGroupsUpdate sets which Select Customers groups list the
// customer, under the same rules as the API's PUT, after showing who
// gains and who loses what.
func (s *Server) handleCustomerGroupsUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	ids, err := formIDs(r.PostForm["group_id"], "security_group_ids")
	if err == nil {
		var applied bool
		applied, err = s.confirmed(w, r, c, "Save this customer's security groups", func(m usecase.Mode) (usecase.Impact, error) {
			_, imp, err := s.uc.SetCustomerGroups(r.Context(), c, id, ids, m)
			return imp, err
		})
		if err == nil {
			if applied {
				redirect(w, r, fmt.Sprintf("/customers/%d/security-groups", id), "Saved the customer's security groups.")
			}
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	if ids == nil {
		ids = []int64{}
	}
	return s.renderCustomerGroups(w, r, c, id, ids, fe)
}

type customerDeletePage struct {
	Customer gatehouse.Customer
	Summary  string
	Digest   string
	Counts   []moduleCount // what goes with it
	Hidden   int           // records of modules the viewer may not see
	// Financial: invoices or payments keep the customer; it can only be
	// archived.
	Financial bool
	Err       *formError
}

type moduleCount struct {
	Label string
	N     int
}

// handleCustomerDeleteConfirm says what deleting a customer takes with
// it, record counts by module, and who loses access.
func (s *Server) handleCustomerDeleteConfirm(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	p, err := s.customerDeletePage(r, c, id)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "customer_delete", "Delete "+p.Customer.Name, p)
	return nil
}

func (s *Server) customerDeletePage(r *http.Request, c *authz.Caller, id int64) (customerDeletePage, error) {
	var p customerDeletePage
	counts, err := s.uc.CustomerRecordCounts(r.Context(), c, id)
	if err != nil {
		return p, err
	}
	p.Financial = counts["invoices"]+counts["payments"] > 0
	if p.Customer, err = s.uc.CustomerForDelete(r.Context(), c, id); err != nil || p.Customer.Archived() {
		return p, err
	}
	var imp usecase.Impact
	if p.Financial {
		_, imp, err = s.uc.ArchiveCustomer(r.Context(), c, id, true, usecase.Preview)
	} else {
		_, imp, err = s.uc.DeleteCustomer(r.Context(), c, id, usecase.Preview)
	}
	if err != nil {
		return p, err
	}
	p.Summary, p.Digest = imp.Summary(), imp.Digest()
	for _, m := range records.All() {
		n := counts[m.Key]
		if n == 0 {
			continue
		}
		if records.ViewReach(m, c.Grants).Allows(id, c.UserID) {
			p.Counts = append(p.Counts, moduleCount{Label: moduleLabel(m), N: n})
		} else {
			p.Hidden += n
		}
	}
	return p, nil
}

// handleCustomerDelete deletes a customer once its name is typed, as
// shown, and only if who loses access is still what the page showed.
func (s *Server) handleCustomerDelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.uc.CustomerForDelete(r.Context(), c, id)
	if err != nil {
		return err
	}
	if strings.TrimSpace(r.PostFormValue("confirm_name")) != cu.Name {
		p, perr := s.customerDeletePage(r, c, id)
		if perr != nil {
			return perr
		}
		p.Err = &formError{Field: "confirm_name", Message: "Type the customer's name exactly as shown to delete it", Status: http.StatusBadRequest}
		s.render(w, r, c, p.Err.Status, "customer_delete", "Delete "+cu.Name, p)
		return nil
	}
	applied, err := s.confirmed(w, r, c, "Delete "+cu.Name, func(m usecase.Mode) (usecase.Impact, error) {
		_, imp, err := s.uc.DeleteCustomer(r.Context(), c, id, m)
		return imp, err
	})
	if err != nil || !applied {
		return err
	}
	redirect(w, r, "/customers", "Deleted customer "+cu.Name+".")
	return nil
}

func (s *Server) handleCustomerArchive(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.setArchived(w, r, c, true)
}

func (s *Server) handleCustomerUnarchive(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.setArchived(w, r, c, false)
}

func (s *Server) setArchived(w http.ResponseWriter, r *http.Request, c *authz.Caller, archived bool) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	var cu gatehouse.Customer
	action := "Archive this customer"
	if !archived {
		action = "Restore this customer"
	}
	applied, err := s.confirmed(w, r, c, action, func(m usecase.Mode) (usecase.Impact, error) {
		var imp usecase.Impact
		var err error
		cu, imp, err = s.uc.ArchiveCustomer(r.Context(), c, id, archived, m)
		return imp, err
	})
	if err != nil || !applied {
		return err
	}
	if archived {
		redirect(w, r, fmt.Sprintf("/customers/%d", id), "Archived customer "+cu.Name+": it left every list and every client group's reach; its records are kept.")
	} else {
		redirect(w, r, fmt.Sprintf("/customers/%d", id), "Restored customer "+cu.Name+".")
	}
	return nil
}
