package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

type conversion struct {
	Lead struct {
		ID         string  `json:"id"`
		CustomerID *string `json:"customer_id"`
		Status     string  `json:"status"`
	} `json:"lead"`
	Customer *struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"customer"`
}

// auditEntries returns the account's audit entries of an action.
func (w *world) auditEntries(action string) []struct {
	Action     string
	TargetID   *string `json:"target_id"`
	CustomerID *string `json:"customer_id"`
	Before     map[string]any
	After      map[string]any
} {
	w.t.Helper()
	var page struct {
		Items []struct {
			Action     string
			TargetID   *string `json:"target_id"`
			CustomerID *string `json:"customer_id"`
			Before     map[string]any
			After      map[string]any
		}
	}
	w.want(200, w.admin, "GET", "/api/v1/audit?limit=500&action="+action, nil, &page)
	out := page.Items[:0]
	for _, e := range page.Items {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// customerNames lists every customer of the account, as the admin sees them.
func (w *world) customerNames() []string {
	w.t.Helper()
	return names(w.t, w.want(200, w.admin, "GET", "/api/v1/customers?limit=500", nil, nil), "name")
}

func TestConvertingALeadWithNoCustomerCreatesTheCustomerInOneAuditedStep(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		sales := w.login(w.newUser(w.acct.ID, "sales@a-msp.example", false, w.group("sales", gatehouse.AllCustomers, nil,
			"leads.view", "leads.convert", "customers.create", "customers.view")))
		lead := w.rec("leads", 0, records.Values{"name": "Ann Lee", "company": "Acme Ltd", "email": "ann@acme.example", "phone": "555 0100"})

		var got conversion
		w.want(200, sales, "POST", fmt.Sprintf("/api/v1/leads/%d/convert", lead), nil, &got)
		if got.Customer == nil || got.Customer.Name != "Acme Ltd" || got.Customer.Email != "ann@acme.example" || got.Customer.Phone != "555 0100" {
			t.Fatalf("customer %+v, want Acme Ltd with the lead's email and phone", got.Customer)
		}
		if got.Lead.Status != "won" || got.Lead.CustomerID == nil || *got.Lead.CustomerID != got.Customer.ID {
			t.Fatalf("lead %+v, want won and linked to customer %s", got.Lead, got.Customer.ID)
		}
		var stored struct {
			CustomerID *string `json:"customer_id"`
			Status     string
		}
		w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil, &stored)
		if stored.Status != "won" || stored.CustomerID == nil || *stored.CustomerID != got.Customer.ID {
			t.Fatalf("stored lead %+v", stored)
		}
		w.want(200, w.admin, "GET", "/api/v1/customers/"+got.Customer.ID, nil, nil)

		entries := w.auditEntries("lead.convert")
		if len(entries) != 1 {
			t.Fatalf("%d lead.convert entries, want 1", len(entries))
		}
		e := entries[0]
		if e.TargetID == nil || *e.TargetID != id(lead) || e.CustomerID == nil || *e.CustomerID != got.Customer.ID {
			t.Errorf("entry targets %v of customer %v", e.TargetID, e.CustomerID)
		}
		if e.Before["status"] != "new" || fmt.Sprint(e.Before["customer_id"]) != "0" {
			t.Errorf("before %v, want the new unlinked lead", e.Before)
		}
		if e.After["status"] != "won" || fmt.Sprint(e.After["customer_id"]) != got.Customer.ID || e.After["customer_created"] != true {
			t.Errorf("after %v, want won, linked and the customer created", e.After)
		}
		if len(w.auditEntries("customer.create")) == 0 {
			t.Error("the created customer has no customer.create entry")
		}

		// With no company, the customer takes the lead's name.
		bare := w.rec("leads", 0, records.Values{"name": "Bo Smith"})
		w.want(200, sales, "POST", fmt.Sprintf("/api/v1/leads/%d/convert", bare), nil, &got)
		if got.Customer == nil || got.Customer.Name != "Bo Smith" {
			t.Fatalf("customer %+v, want named after the lead", got.Customer)
		}
	})
}

func TestLeadConversionRefusalsAnswerLikeMissingOrNameTheGrantAndWriteNothing(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		unlinked := w.rec("leads", 0, records.Values{"name": "Ann Lee", "company": "Acme Ltd"})
		onY := w.rec("leads", y, records.Values{"name": "Yan"})
		path := func(lead int64) string { return fmt.Sprintf("/api/v1/leads/%d/convert", lead) }

		scoped := w.scoped("scoped@a-msp.example", []int64{x}, "leads.view", "leads.convert", "customers.create", "customers.view")
		noCreateAll := w.login(w.newUser(w.acct.ID, "nocreate@a-msp.example", false,
			w.group("leads everywhere", gatehouse.AllCustomers, nil, "leads.view", "leads.convert", "customers.view"),
			w.group("create on X", gatehouse.SelectCustomers, []int64{x}, "customers.create")))
		paired := w.login(w.newUser(w.acct.ID, "paired@a-msp.example", false,
			w.group("convert on X", gatehouse.SelectCustomers, []int64{x}, "leads.convert"),
			w.group("view and create everywhere", gatehouse.AllCustomers, nil, "leads.view", "customers.create", "customers.view")))
		viewer := w.login(w.newUser(w.acct.ID, "viewer@a-msp.example", false,
			w.group("view only", gatehouse.AllCustomers, nil, "leads.view", "leads.edit", "customers.create", "customers.view")))
		blind := w.login(w.newUser(w.acct.ID, "blind@a-msp.example", false,
			w.group("convert blind", gatehouse.AllCustomers, nil, "leads.convert", "customers.create")))

		customersBefore := w.customerNames()
		_, missing, _ := w.do(scoped, "POST", path(999999), nil)
		var lead struct {
			CustomerID *string `json:"customer_id"`
			Status     string
		}

		// A select-scoped holder never reaches a lead with no customer:
		// exactly the answer of a missing one.
		status, raw, _ := w.do(scoped, "POST", path(unlinked), nil)
		if status != 404 || string(raw) != string(missing) {
			t.Errorf("select-scoped holder on an unlinked lead: %d %s, want the missing lead's 404 %s", status, raw, missing)
		}
		if status, raw, _ := w.do(scoped, "POST", path(onY), nil); status != 404 || string(raw) != string(missing) {
			t.Errorf("holder on X converting Y's lead: %d %s, want the missing lead's 404", status, raw)
		}
		// Convert held for all customers, customers.create only for some.
		status, raw, _ = w.do(noCreateAll, "POST", path(unlinked), nil)
		var p struct{ Detail, Code string }
		json.Unmarshal(raw, &p)
		if status != 403 || !strings.Contains(p.Detail, "customers.create") || !strings.Contains(p.Detail, "all customers") {
			t.Errorf("without customers.create for all customers: %d %s, want 403 naming the grant", status, raw)
		}
		// Pairing: customers.create for all in one group does not lend the
		// other group's leads.convert, held only on X, to an unlinked lead.
		if status, raw, _ := w.do(paired, "POST", path(unlinked), nil); status != 404 || string(raw) != string(missing) {
			t.Errorf("convert on X plus create everywhere: %d %s, want 404", status, raw)
		}
		// Seeing and editing leads is not converting them.
		w.wantRefused(t, viewer, "POST", path(unlinked), nil, forbidden("leads.convert"))
		// Converting what one cannot see: not found.
		if status, raw, _ := w.do(blind, "POST", path(unlinked), nil); status != 404 || string(raw) != string(missing) {
			t.Errorf("convert without leads.view: %d %s, want 404", status, raw)
		}

		// A lead whose email no customer can hold: refused by field, before
		// anything is written.
		longEmail := w.rec("leads", 0, records.Values{"name": "Long", "email": strings.Repeat("a", 200) + "@acme.example"})
		status, raw, _ = w.do(w.admin, "POST", path(longEmail), nil)
		var bad struct{ Field string }
		json.Unmarshal(raw, &bad)
		if status != 400 || bad.Field != "email" {
			t.Errorf("a lead with a 213-character email: %d %s, want 400 naming email", status, raw)
		}
		w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/leads/%d", longEmail), nil, &lead)
		if lead.CustomerID != nil || lead.Status != "new" {
			t.Errorf("refused lead changed: %+v", lead)
		}

		if got := w.customerNames(); strings.Join(got, ",") != strings.Join(customersBefore, ",") {
			t.Errorf("customers %v after refusals, want %v", got, customersBefore)
		}
		w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/leads/%d", unlinked), nil, &lead)
		if lead.CustomerID != nil || lead.Status != "new" {
			t.Errorf("refused lead changed: %+v", lead)
		}
		w.want(200, w.admin, "GET", fmt.Sprintf("/api/v1/leads/%d", onY), nil, &lead)
		if lead.Status != "new" {
			t.Errorf("refused lead of Y changed: %+v", lead)
		}
		if n := len(w.auditEntries("lead.convert")); n != 0 {
			t.Errorf("%d lead.convert entries after refusals only", n)
		}
		if n := len(w.auditEntries("customer.create")); n != 2 {
			t.Errorf("%d customer.create entries, want only the fixtures' 2", n)
		}
	})
}

func TestConvertingALeadOfACustomerOnlyMarksItWon(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		lead := w.rec("leads", x, records.Values{"name": "Xavier", "company": "Other Co"})
		path := fmt.Sprintf("/api/v1/leads/%d/convert", lead)
		// No customers.create, no customers.view: neither is needed.
		onX := w.scoped("onx@a-msp.example", []int64{x}, "leads.view", "leads.convert")
		onY := w.scoped("ony@a-msp.example", []int64{y}, "leads.view", "leads.convert", "customers.create", "customers.view")
		customersBefore := w.customerNames()

		w.want(404, onY, "POST", path, nil, nil)
		var got conversion
		w.want(200, onX, "POST", path, nil, &got)
		if got.Lead.Status != "won" || got.Lead.CustomerID == nil || *got.Lead.CustomerID != id(x) {
			t.Fatalf("lead %+v, want won and still X's", got.Lead)
		}
		if got.Customer != nil {
			t.Errorf("customer %+v shown to a caller without customers.view", got.Customer)
		}
		if got := w.customerNames(); strings.Join(got, ",") != strings.Join(customersBefore, ",") {
			t.Errorf("customers %v, want no new one", got)
		}
		entries := w.auditEntries("lead.convert")
		if len(entries) != 1 || entries[0].After["customer_created"] != false || entries[0].CustomerID == nil || *entries[0].CustomerID != id(x) {
			t.Fatalf("entries %+v, want one for X without a created customer", entries)
		}
		// Converting a won lead again changes nothing; a viewer of X sees its customer.
		seer := w.scoped("seer@a-msp.example", []int64{x}, "leads.view", "leads.convert", "customers.view")
		w.want(200, seer, "POST", path, nil, &got)
		if got.Customer == nil || got.Customer.ID != id(x) || got.Customer.Name != "X" {
			t.Errorf("customer %+v, want X", got.Customer)
		}
		if n := len(w.auditEntries("lead.convert")); n != 1 {
			t.Errorf("%d lead.convert entries after converting a won lead again, want 1", n)
		}
	})
}
