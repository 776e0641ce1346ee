package httpapi

import (
	"net/http"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

type customerJSON struct {
	ID           ID        `json:"id"`
	Name         string    `json:"name" example:"Acme Dental"`
	Tags         []string  `json:"tags" example:"dental,priority"`
	Notes        string    `json:"notes" example:"Closed on Fridays"`
	Email        string    `json:"email" example:"office@acme-dental.example"`
	Phone        string    `json:"phone" example:"+1 555 0100"`
	Website      string    `json:"website" example:"https://acme-dental.example"`
	AddressLine1 string    `json:"address_line1" example:"12 Main Street"`
	AddressLine2 string    `json:"address_line2" example:"Suite 4"`
	City         string    `json:"city" example:"Springfield"`
	Region       string    `json:"region" example:"IL"`
	PostalCode   string    `json:"postal_code" example:"62701"`
	Country      string    `json:"country" example:"US"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toCustomerJSON(c gatehouse.Customer) customerJSON {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return customerJSON{ID: ID(c.ID), Name: c.Name, Tags: tags, Notes: c.Notes, Email: c.Email, Phone: c.Phone,
		Website: c.Website, AddressLine1: c.AddressLine1, AddressLine2: c.AddressLine2, City: c.City, Region: c.Region,
		PostalCode: c.PostalCode, Country: c.Country, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// customerRequest is the body of both create and update; absent fields
// are nil, so an update changes only what it names.
type customerRequest struct {
	Name         *string   `json:"name" maxLength:"200" example:"Acme Dental"`
	Tags         *[]string `json:"tags" maxLength:"50" example:"dental,priority"`
	Notes        *string   `json:"notes" example:"Closed on Fridays"`
	Email        *string   `json:"email" example:"office@acme-dental.example"`
	Phone        *string   `json:"phone" example:"+1 555 0100"`
	Website      *string   `json:"website" example:"https://acme-dental.example"`
	AddressLine1 *string   `json:"address_line1" example:"12 Main Street"`
	AddressLine2 *string   `json:"address_line2" example:"Suite 4"`
	City         *string   `json:"city" example:"Springfield"`
	Region       *string   `json:"region" example:"IL"`
	PostalCode   *string   `json:"postal_code" example:"62701"`
	Country      *string   `json:"country" example:"US"`
}

func (c customerRequest) fields() gatehouse.CustomerFields {
	return gatehouse.CustomerFields{Name: c.Name, Tags: c.Tags, Notes: c.Notes, Email: c.Email, Phone: c.Phone,
		Website: c.Website, AddressLine1: c.AddressLine1, AddressLine2: c.AddressLine2, City: c.City,
		Region: c.Region, PostalCode: c.PostalCode, Country: c.Country}
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return exportPages(w, s, "customers.csv", customerCSVHeader, f, func(f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error) {
			return s.store.ListCustomers(r.Context(), c.AccountID, c.Scope, f)
		}, customerCSVRow)
	}
	page, err := s.store.ListCustomers(r.Context(), c.AccountID, c.Scope, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(page, toCustomerJSON))
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, err := s.store.Customer(r.Context(), c.AccountID, c.Scope, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCustomerJSON(cu))
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req customerRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	cu, err := s.store.CreateCustomer(r.Context(), c.AccountID, req.fields())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toCustomerJSON(cu))
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	var req customerRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	cu, err := s.store.UpdateCustomer(r.Context(), c.AccountID, CustomerChangeScope(c), id, req.fields())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCustomerJSON(cu))
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	if err := s.store.DeleteCustomer(r.Context(), c.AccountID, CustomerChangeScope(c), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type customerGroupsJSON struct {
	SecurityGroupIDs []ID `json:"security_group_ids" required:"true" doc:"the Select Customers groups that list the customer; [] for none"`
}

// customerScope is where a customer-page action may look: the caller's
// customers.view scope, so an out-of-scope customer answers 404.
func customerScope(c *authz.Caller) access.Scope {
	return c.Grants.Scope(permCustomersView)
}

// CustomerChangeScope is where a customer change applies: the route's own
// permission and customers.view both, so an edit right alone never reads
// a customer back; outside it the customer is simply not found.
func CustomerChangeScope(c *authz.Caller) access.Scope {
	return access.Intersect(c.Scope, customerScope(c))
}

func (s *Server) getCustomerGroups(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	ids, err := s.store.CustomerGroupIDs(r.Context(), c.AccountID, customerScope(c), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, customerGroupsJSON{SecurityGroupIDs: toIDs(ids)})
}

func (s *Server) setCustomerGroups(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	var req customerGroupsJSON
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.SecurityGroupIDs == nil {
		return gatehouse.Invalid("security_group_ids", "security_group_ids is required (use [] for none)")
	}
	ids, err := s.store.SetCustomerGroups(r.Context(), c.AccountID, customerScope(c), id, fromIDs(req.SecurityGroupIDs), CustomerGroupsCheck(c, id))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, customerGroupsJSON{SecurityGroupIDs: toIDs(ids)})
}
