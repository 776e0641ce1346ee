package httpapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
)

// coManaged is what a client's own IT team is given in the scenario:
// every module, creation included, for their own company.
var coManaged = []string{
	"customers.view", "contacts.view", "contacts.create", "contacts.edit",
	"assets.view", "assets.create", "assets.edit", "alerts.view", "alerts.manage",
	"scripts.view", "scripts.create", "scripts.edit", "scripts.delete", "scripts.run", "script_runs.view_output",
	"policies.view", "policies.create", "policies.edit", "policies.assign",
	"tickets.view", "tickets.create", "tickets.edit", "timelogs.view", "timelogs.manage",
	"documentation.view", "documentation.create", "documentation.edit",
	"credentials.view", "credentials.reveal", "credentials.create", "credentials.edit",
	"invoices.view", "invoices.create", "invoices.edit", "payments.view", "payments.create",
	"appointments.view_all", "appointments.create", "appointments.edit",
	"chat.use", "chat.view_all", "leads.view", "leads.create", "leads.edit",
	"mailer.view", "mailer.create", "mailer.send", "reports.view",
}

type item struct {
	ID         string  `json:"id"`
	CustomerID *string `json:"customer_id"`
	Name       string  `json:"name"`
	Status     string  `json:"status"`
	Subtotal   int64   `json:"subtotal"`
	Tax        int64   `json:"tax"`
	Total      int64   `json:"total"`
	Recipients int64   `json:"recipient_count"`
	Secret     string  `json:"secret"`
	Title      string  `json:"title"`
}

type items struct {
	Items []item `json:"items"`
}

func TestCoManagedITWorksEveryModuleForItsOwnCustomerOnly(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		acme, blue := w.customer(w.acct.ID, "Acme Dental"), w.customer(w.acct.ID, "Bluebird Logistics")
		it := w.scoped("it@acme-dental.example", []int64{acme}, coManaged...)
		a, b := id(acme), id(blue)

		// The MSP's records for the other customer, the shared library and
		// the MSP itself.
		var blueAsset, blueScript, blueCred, blueDoc, blueInvoice, blueContact, libScript, mspCred item
		w.want(201, w.admin, "POST", "/api/v1/assets", map[string]any{"customer_id": b, "name": "BLUE-SRV01"}, &blueAsset)
		w.want(201, w.admin, "POST", "/api/v1/contacts", map[string]any{"customer_id": b, "name": "Bea Blue", "email": "bea@bluebird.example"}, &blueContact)
		w.want(201, w.admin, "POST", "/api/v1/scripts", map[string]any{"customer_id": b, "name": "Bluebird cleanup", "body": "rm -rf /tmp/blue"}, &blueScript)
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": b, "name": "Bluebird firewall", "secret": "blue-pass"}, &blueCred)
		w.want(201, w.admin, "POST", "/api/v1/documents", map[string]any{"customer_id": b, "title": "Bluebird network"}, &blueDoc)
		w.want(201, w.admin, "POST", "/api/v1/invoices", map[string]any{"customer_id": b, "number": "BLUE-1"}, &blueInvoice)
		w.want(201, w.admin, "POST", "/api/v1/scripts", map[string]any{"name": "Flush DNS (shared)", "body": "ipconfig /flushdns"}, &libScript)
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"name": "MSP RMM console", "secret": "msp-pass"}, &mspCred)
		w.want(201, w.admin, "POST", "/api/v1/leads", map[string]any{"name": "Unlinked prospect"}, nil)

		// Acme's own asset and contacts.
		var asset, contact item
		w.want(201, it, "POST", "/api/v1/assets", map[string]any{"customer_id": a, "name": "ACME-PC01", "os": "Windows 11"}, &asset)
		w.want(201, it, "POST", "/api/v1/contacts", map[string]any{"customer_id": a, "name": "Ann Acme", "email": "ann@acme-dental.example"}, &contact)
		w.want(201, it, "POST", "/api/v1/contacts", map[string]any{"customer_id": a, "name": "No Mail"}, nil)

		t.Run("creates, edits and runs a script for its customer", func(t *testing.T) {
			var script, run item
			w.want(201, it, "POST", "/api/v1/scripts", map[string]any{"customer_id": a, "name": "Acme backup check", "language": "powershell", "body": "Get-WBJob"}, &script)
			w.want(200, it, "PATCH", "/api/v1/scripts/"+script.ID, map[string]any{"body": "Get-WBJob -Previous 1"}, nil)
			w.want(201, it, "POST", "/api/v1/scripts/"+script.ID+"/runs", map[string]any{"asset_id": asset.ID}, &run)
			if run.Status != "queued" {
				t.Fatalf("run status %q, want queued", run.Status)
			}
			w.want(201, it, "POST", "/api/v1/scripts/"+libScript.ID+"/runs", map[string]any{"asset_id": asset.ID}, nil)

			w.want(400, it, "POST", "/api/v1/scripts/"+script.ID+"/runs", map[string]any{"asset_id": blueAsset.ID}, nil)
			w.want(404, it, "POST", "/api/v1/scripts/"+blueScript.ID+"/runs", map[string]any{"asset_id": asset.ID}, nil)
			w.want(404, it, "PATCH", "/api/v1/scripts/"+blueScript.ID, map[string]any{"body": "x"}, nil)
			w.want(404, it, "PATCH", "/api/v1/scripts/"+libScript.ID, map[string]any{"body": "x"}, nil) // shared: all-customers grants only
			w.wantRefused(t, it, "POST", "/api/v1/scripts", map[string]any{"name": "Into the shared library"}, forbidden("all customers"))
		})

		t.Run("creates and reveals credentials, never another customer's", func(t *testing.T) {
			var cred, secret item
			w.want(201, it, "POST", "/api/v1/credentials", map[string]any{"customer_id": a, "name": "Acme Wi-Fi", "username": "admin", "secret": "acme-wifi-pass"}, &cred)
			raw := w.want(200, it, "GET", "/api/v1/credentials", nil, nil)
			_, csvRaw, _ := w.do(it, "GET", "/api/v1/credentials?format=csv", nil)
			for _, body := range []string{string(raw), string(csvRaw)} {
				if strings.Contains(body, "acme-wifi-pass") || strings.Contains(body, "Bluebird") || strings.Contains(body, "MSP RMM") {
					t.Fatalf("credential list leaks: %s", body)
				}
			}
			w.want(200, it, "GET", "/api/v1/credentials/"+cred.ID+"/secret", nil, &secret)
			if secret.Secret != "acme-wifi-pass" {
				t.Fatalf("revealed %q", secret.Secret)
			}
			w.want(404, it, "GET", "/api/v1/credentials/"+blueCred.ID+"/secret", nil, nil)
			w.want(404, it, "GET", "/api/v1/credentials/"+mspCred.ID, nil, nil)
		})

		t.Run("writes documentation and reads the shared knowledge base", func(t *testing.T) {
			var kb item
			w.want(201, w.admin, "POST", "/api/v1/documents", map[string]any{"title": "How we patch", "body": "Tuesdays."}, &kb)
			w.want(201, it, "POST", "/api/v1/documents", map[string]any{"customer_id": a, "title": "Acme onboarding", "body": "# Welcome"}, nil)
			w.want(200, it, "GET", "/api/v1/documents/"+kb.ID, nil, nil)
			w.want(404, it, "GET", "/api/v1/documents/"+blueDoc.ID, nil, nil)
			w.want(400, it, "POST", "/api/v1/documents", map[string]any{"customer_id": b, "title": "Sneaky"}, nil)
		})

		t.Run("creates invoices with server-computed totals", func(t *testing.T) {
			var inv item
			w.want(201, it, "POST", "/api/v1/invoices", map[string]any{"customer_id": a, "number": "ACME-1", "currency": "USD", "tax_rate_bp": 825,
				"lines": []map[string]any{{"description": "Support", "quantity": 2, "unit_price": 1500}, {"description": "Licence", "quantity": 1, "unit_price": 999}}}, &inv)
			// 2×15.00 + 9.99 = 39.99; tax 8.25 % = 3.299… → 3.30; total 43.29.
			if inv.Subtotal != 3999 || inv.Tax != 330 || inv.Total != 4329 {
				t.Fatalf("totals %d + %d = %d, want 3999 + 330 = 4329", inv.Subtotal, inv.Tax, inv.Total)
			}
			w.want(400, it, "PATCH", "/api/v1/invoices/"+inv.ID, map[string]any{"total": 1}, nil)
			w.want(404, it, "GET", "/api/v1/invoices/"+blueInvoice.ID, nil, nil)
			w.want(400, it, "POST", "/api/v1/invoices", map[string]any{"customer_id": b, "number": "X-1"}, nil)
			w.want(400, it, "POST", "/api/v1/payments", map[string]any{"invoice_id": blueInvoice.ID, "amount": 100}, nil)
		})

		t.Run("books appointments, chats and leads for its customer", func(t *testing.T) {
			w.want(201, it, "POST", "/api/v1/appointments", map[string]any{"customer_id": a, "title": "Server visit",
				"starts_at": "2030-03-01T09:00:00Z", "ends_at": "2030-03-01T10:00:00Z", "contact_id": contact.ID}, nil)
			w.want(400, it, "POST", "/api/v1/appointments", map[string]any{"customer_id": b, "title": "No",
				"starts_at": "2030-03-01T09:00:00Z", "ends_at": "2030-03-01T10:00:00Z"}, nil)
			var chat item
			w.want(201, it, "POST", "/api/v1/chats", map[string]any{"customer_id": a, "subject": "Printer", "contact_id": contact.ID}, &chat)
			w.want(201, it, "POST", "/api/v1/chats/"+chat.ID+"/messages", map[string]any{"body": "Is it plugged in?"}, nil)
			w.want(400, it, "POST", "/api/v1/chats", map[string]any{"customer_id": a, "subject": "Wrong contact", "contact_id": blueContact.ID}, nil)
			w.want(201, it, "POST", "/api/v1/leads", map[string]any{"customer_id": a, "name": "Acme second site"}, nil)
			w.wantRefused(t, it, "POST", "/api/v1/leads", map[string]any{"name": "An unlinked lead"}, forbidden("all customers"))
			var leads items
			w.want(200, it, "GET", "/api/v1/leads", nil, &leads)
			if len(leads.Items) != 1 || leads.Items[0].Name != "Acme second site" {
				t.Fatalf("leads %+v, want only Acme's", leads.Items)
			}
		})

		t.Run("sends a campaign to its customer's contacts only", func(t *testing.T) {
			var camp, sent item
			w.want(201, it, "POST", "/api/v1/campaigns", map[string]any{"customer_id": a, "name": "Patch night", "subject": "Reboot tonight", "body": "Hi"}, &camp)
			w.want(200, it, "POST", "/api/v1/campaigns/"+camp.ID+"/send", nil, &sent)
			if sent.Status != "sent" || sent.Recipients != 1 {
				t.Fatalf("campaign %+v, want sent to the one Acme contact with an email", sent)
			}
			w.want(409, it, "POST", "/api/v1/campaigns/"+camp.ID+"/send", nil, nil)
			rows, err := w.db.SQL().QueryContext(context.Background(), `SELECT to_email FROM outbox`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var to []string
			for rows.Next() {
				var e string
				rows.Scan(&e)
				to = append(to, e)
			}
			if !slices.Equal(to, []string{"ann@acme-dental.example"}) {
				t.Fatalf("outbox %v, want only Acme's contact", to)
			}
			w.want(400, it, "POST", "/api/v1/campaigns", map[string]any{"customer_id": b, "name": "No", "subject": "No"}, nil)
		})

		t.Run("links tickets and policies within its customer only", func(t *testing.T) {
			w.want(201, it, "POST", "/api/v1/tickets", map[string]any{"customer_id": a, "subject": "Slow PC", "asset_id": asset.ID, "contact_id": contact.ID}, nil)
			_, raw, _ := w.do(it, "POST", "/api/v1/tickets", map[string]any{"customer_id": a, "subject": "Cross", "asset_id": blueAsset.ID})
			if !strings.Contains(string(raw), `"field":"asset_id"`) {
				t.Fatalf("linking another customer's asset: %s", raw)
			}
			var pol item
			w.want(201, it, "POST", "/api/v1/policies", map[string]any{"customer_id": a, "name": "Acme baseline", "settings": map[string]any{"av": true}}, &pol)
			w.want(200, it, "PUT", "/api/v1/assets/"+asset.ID+"/policy", map[string]any{"policy_id": pol.ID}, nil)
			w.want(204, it, "PUT", "/api/v1/policies/"+pol.ID+"/customers/"+a, nil, nil)
			w.want(404, it, "PUT", "/api/v1/policies/"+pol.ID+"/customers/"+b, nil, nil)
			w.want(404, it, "PUT", "/api/v1/assets/"+blueAsset.ID+"/policy", map[string]any{"policy_id": pol.ID}, nil)
		})

		t.Run("search and reports stay within its customer", func(t *testing.T) {
			for _, q := range []string{"blue", "bea", "msp", "prospect", "pass"} {
				var hits items
				w.want(200, it, "GET", "/api/v1/search?q="+q, nil, &hits)
				for _, h := range hits.Items {
					if h.CustomerID == nil || *h.CustomerID != a {
						t.Errorf("search %q found %+v", q, h)
					}
				}
			}
			raw := w.want(200, it, "GET", "/api/v1/reports/summary", nil, nil)
			if strings.Contains(string(raw), "Bluebird") || strings.Contains(string(raw), `"customer_id":"`+b+`"`) {
				t.Fatalf("report leaks: %s", raw)
			}
			if !strings.Contains(string(raw), "Acme Dental") {
				t.Fatalf("report misses Acme: %s", raw)
			}
		})
	})
}

// The MSP admin sees the same records the co-managed user created: the
// client's IT and the MSP work on one set of records.
func TestTheMSPSeesWhatCoManagedITCreated(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		acme := w.customer(w.acct.ID, "Acme Dental")
		g := w.group("Acme IT", gatehouse.SelectCustomers, []int64{acme}, coManaged...)
		it := w.login(w.newUser(w.acct.ID, "it@acme-dental.example", false, g))
		var doc item
		w.want(201, it, "POST", "/api/v1/documents", map[string]any{"customer_id": id(acme), "title": "Acme runbook"}, &doc)
		w.want(200, w.admin, "GET", "/api/v1/documents/"+doc.ID, nil, nil)
		var page items
		w.want(200, w.admin, "GET", "/api/v1/documents?q=runbook", nil, &page)
		if len(page.Items) != 1 {
			t.Fatalf("admin search found %d documents", len(page.Items))
		}
	})
}
