package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

type customerJSON struct {
	ID           ID       `json:"id"`
	Name         string   `json:"name" example:"Acme Dental"`
	Tags         []string `json:"tags" example:"dental,priority"`
	Notes        string   `json:"notes" example:"Closed on Fridays"`
	Email        string   `json:"email" example:"office@acme-dental.example"`
	Phone        string   `json:"phone" example:"+1 555 0100"`
	Website      string   `json:"website" example:"https://acme-dental.example"`
	AddressLine1 string   `json:"address_line1" example:"12 Main Street"`
	AddressLine2 string   `json:"address_line2" example:"Suite 4"`
	City         string   `json:"city" example:"Springfield"`
	Region       string   `json:"region" example:"IL"`
	PostalCode   string   `json:"postal_code" example:"62701"`
	Country      string   `json:"country" example:"US"`
	ExternalID   string   `json:"external_id" doc:"how another tool names the customer (its own id), unique in the account; empty: none" example:"psa-1042"`
	// ArchivedAt is set while the customer is archived.
	ArchivedAt *time.Time `json:"archived_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func toCustomerJSON(c gatehouse.Customer) customerJSON {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	out := customerJSON{ID: ID(c.ID), Name: c.Name, Tags: tags, Notes: c.Notes, Email: c.Email, Phone: c.Phone,
		Website: c.Website, AddressLine1: c.AddressLine1, AddressLine2: c.AddressLine2, City: c.City, Region: c.Region,
		PostalCode: c.PostalCode, Country: c.Country, ExternalID: c.ExternalID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.Archived() {
		out.ArchivedAt = &c.ArchivedAt
	}
	return out
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
	ExternalID   *string   `json:"external_id" maxLength:"200" doc:"how another tool names the customer, unique in the account; empty: none" example:"psa-1042"`
}

func (c customerRequest) fields() gatehouse.CustomerFields {
	return gatehouse.CustomerFields{Name: c.Name, Tags: c.Tags, Notes: c.Notes, Email: c.Email, Phone: c.Phone,
		Website: c.Website, AddressLine1: c.AddressLine1, AddressLine2: c.AddressLine2, City: c.City,
		Region: c.Region, PostalCode: c.PostalCode, Country: c.Country, ExternalID: c.ExternalID}
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("archived"); v != "" {
		if f.Archived, err = strconv.ParseBool(v); err != nil {
			return gatehouse.Invalid("archived", "archived is true or false")
		}
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
	cu, err := s.uc.CreateCustomer(r.Context(), c, req.fields())
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
	cu, err := s.uc.UpdateCustomer(r.Context(), c, id, req.fields())
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
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	_, imp, err := s.uc.DeleteCustomer(r.Context(), c, id, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type customerGroupsJSON struct {
	SecurityGroupIDs []ID `json:"security_group_ids" required:"true" doc:"the Select Customers groups that list the customer; [] for none"`
}

func (s *Server) getCustomerGroups(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	ids, err := s.store.CustomerGroupIDs(r.Context(), c.AccountID, usecase.CustomerView(c), id)
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
	mode, err := changeMode(r)
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
	ids, imp, err := s.uc.SetCustomerGroups(r.Context(), c, id, fromIDs(req.SecurityGroupIDs), mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusOK, customerGroupsJSON{SecurityGroupIDs: toIDs(ids)})
}

func (s *Server) archiveCustomer(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.setArchived(w, r, c, true)
}

func (s *Server) unarchiveCustomer(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.setArchived(w, r, c, false)
}

// setArchived archives a customer or brings it back; a preview says who
// gains or loses it first.
func (s *Server) setArchived(w http.ResponseWriter, r *http.Request, c *authz.Caller, archived bool) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	mode, err := changeMode(r)
	if err != nil {
		return err
	}
	cu, imp, err := s.uc.ArchiveCustomer(r.Context(), c, id, archived, mode)
	if err != nil || mode == usecase.Preview {
		return writeImpact(w, imp, err)
	}
	return writeJSON(w, http.StatusOK, toCustomerJSON(cu))
}
