package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"gatehouse/internal/gatehouse"
)

func names(t *testing.T, raw []byte, field string) []string {
	t.Helper()
	var page struct{ Items []map[string]any }
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range page.Items {
		s, _ := it[field].(string)
		out = append(out, s)
	}
	return out
}

func TestViewOwnShowsOnlyTheCallersOwnRecords(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		own := w.group("own tickets on X", gatehouse.SelectCustomers, []int64{x}, "tickets.view_own", "timelogs.manage", "appointments.create")
		all := w.group("all tickets on Y", gatehouse.SelectCustomers, []int64{y}, "tickets.view")
		tok := w.login(w.newUser(w.acct.ID, "tech@test.example", false, own, all))
		me, _ := w.db.UserByEmail(context.Background(), w.acct.ID, "tech@test.example")
		admin, _ := w.db.UserByEmail(context.Background(), w.acct.ID, "admin@a-msp.example")
		var mine, theirs, onY struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/tickets", map[string]any{"customer_id": id(x), "subject": "mine", "assignee_id": id(me.ID)}, &mine)
		w.want(201, w.admin, "POST", "/api/v1/tickets", map[string]any{"customer_id": id(x), "subject": "theirs", "assignee_id": id(admin.ID)}, &theirs)
		w.want(201, w.admin, "POST", "/api/v1/tickets", map[string]any{"customer_id": id(y), "subject": "on Y"}, &onY)

		got := names(t, w.want(200, tok, "GET", "/api/v1/tickets", nil, nil), "subject")
		if strings.Join(got, ",") != "mine,on Y" {
			t.Fatalf("tickets %v, want mine (own on X) and on Y (all on Y)", got)
		}
		w.want(404, tok, "GET", "/api/v1/tickets/"+theirs.ID, nil, nil)
		w.want(200, tok, "GET", "/api/v1/tickets/"+mine.ID+"/comments", nil, nil)
		w.want(404, tok, "GET", "/api/v1/tickets/"+theirs.ID+"/comments", nil, nil)

		// Time logs: manage alone shows one's own.
		w.want(201, tok, "POST", "/api/v1/timelogs", map[string]any{"ticket_id": mine.ID, "minutes": 20, "note": "my time"}, nil)
		w.want(201, w.admin, "POST", "/api/v1/timelogs", map[string]any{"ticket_id": mine.ID, "minutes": 40, "note": "admin time", "user_id": id(admin.ID)}, nil)
		if got := names(t, w.want(200, tok, "GET", "/api/v1/timelogs", nil, nil), "note"); strings.Join(got, ",") != "my time" {
			t.Fatalf("timelogs %v, want only my time", got)
		}

		// Appointments: one's own always, others' only with view_all.
		w.want(201, tok, "POST", "/api/v1/appointments", map[string]any{"customer_id": id(x), "title": "my visit",
			"starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-01T10:00:00Z"}, nil)
		w.want(201, w.admin, "POST", "/api/v1/appointments", map[string]any{"customer_id": id(x), "title": "admin visit",
			"starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-01T10:00:00Z"}, nil)
		if got := names(t, w.want(200, tok, "GET", "/api/v1/appointments", nil, nil), "title"); strings.Join(got, ",") != "my visit" {
			t.Fatalf("appointments %v, want only my visit", got)
		}
		w.want(400, tok, "POST", "/api/v1/appointments", map[string]any{"customer_id": id(x), "title": "backwards",
			"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T09:00:00Z"}, nil)
	})
}

func TestScriptOutputNeedsItsOwnPermission(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		runner := w.scoped("runner@test.example", []int64{x}, "scripts.view", "scripts.run", "assets.view")
		reader := w.scoped("reader@test.example", []int64{x}, "scripts.view", "script_runs.view_output")
		var asset, script, run struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc"}, &asset)
		w.want(201, w.admin, "POST", "/api/v1/scripts", map[string]any{"customer_id": id(x), "name": "s", "body": "echo"}, &script)
		w.want(201, runner, "POST", "/api/v1/scripts/"+script.ID+"/runs", map[string]any{"asset_id": asset.ID}, &run)
		w.db.FinishScriptRun(context.Background(), w.acct.ID, mustID(t, run.ID), "succeeded", "all good")
		w.want(200, runner, "GET", "/api/v1/script-runs/"+run.ID, nil, nil)
		raw := w.want(200, runner, "GET", "/api/v1/script-runs", nil, nil)
		if bytes.Contains(raw, []byte("all good")) {
			t.Fatal("the run list shows output")
		}
		w.wantRefused(t, runner, "GET", "/api/v1/script-runs/"+run.ID+"/output", nil, forbidden("script_runs.view_output"))
		var out struct{ Output string }
		w.want(200, reader, "GET", "/api/v1/script-runs/"+run.ID+"/output", nil, &out)
		if out.Output != "all good" {
			t.Fatalf("output %q", out.Output)
		}
	})
}

func TestBadRecordInputNamesTheFieldAndChangesNothing(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		var asset, ticket struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc", "kind": "laptop"}, &asset)
		w.want(201, w.admin, "POST", "/api/v1/tickets", map[string]any{"customer_id": id(x), "subject": "t"}, &ticket)
		var other, timelog struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/tickets", map[string]any{"customer_id": id(y), "subject": "on Y"}, &other)
		w.want(201, w.admin, "POST", "/api/v1/timelogs", map[string]any{"ticket_id": ticket.ID, "minutes": 5}, &timelog)
		cases := []struct {
			method, path string
			body         any
			field        string
		}{
			{"POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc", "colour": "red"}, "colour"},
			{"POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": ""}, "name"},
			{"POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc", "kind": "toaster"}, "kind"},
			{"POST", "/api/v1/assets", map[string]any{"name": "pc"}, "customer_id"},
			{"POST", "/api/v1/assets", map[string]any{"customer_id": "999999", "name": "pc"}, "customer_id"},
			{"POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc", "policy_id": "1"}, "policy_id"},
			{"POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc", "last_seen_at": "yesterday"}, "last_seen_at"},
			{"PATCH", "/api/v1/assets/" + asset.ID, map[string]any{"customer_id": id(y)}, "customer_id"},
			{"PATCH", "/api/v1/assets/" + asset.ID, map[string]any{"name": 7}, "name"},
			{"POST", "/api/v1/timelogs", map[string]any{"ticket_id": ticket.ID, "minutes": 0}, "minutes"},
			{"POST", "/api/v1/timelogs", map[string]any{"ticket_id": ticket.ID, "minutes": 5, "customer_id": id(x)}, "customer_id"},
			{"PATCH", "/api/v1/timelogs/" + timelog.ID, map[string]any{"ticket_id": other.ID}, "ticket_id"},
			{"POST", "/api/v1/invoices", map[string]any{"customer_id": id(x), "number": "1", "currency": "usd"}, "currency"},
			{"POST", "/api/v1/invoices", map[string]any{"customer_id": id(x), "number": "1", "lines": []map[string]any{{"description": "big", "quantity": 1000000, "unit_price": 100000000000000}}}, "lines"},
			{"POST", "/api/v1/invoices", map[string]any{"customer_id": id(x), "number": "1", "lines": []map[string]any{{"description": "x", "quantity": 1, "unit_price": 1, "discount": 5}}}, "lines"},
			{"POST", "/api/v1/policies", map[string]any{"customer_id": id(x), "name": "p", "settings": []int{1}}, "settings"},
			{"POST", "/api/v1/contacts", map[string]any{"customer_id": id(x), "name": "c", "email": "not an address"}, "email"},
		}
		for _, tc := range cases {
			status, raw, hdr := w.do(w.admin, tc.method, tc.path, tc.body)
			var p struct{ Field string }
			json.Unmarshal(raw, &p)
			if status != 400 || p.Field != tc.field || hdr.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s %v: %d %s, want 400 naming %q", tc.method, tc.path, tc.body, status, raw, tc.field)
			}
		}
		var got struct {
			Name, Kind string
			CustomerID string `json:"customer_id"`
		}
		w.want(200, w.admin, "GET", "/api/v1/assets/"+asset.ID, nil, &got)
		if got.Name != "pc" || got.Kind != "laptop" || got.CustomerID != id(x) {
			t.Fatalf("asset changed by refused requests: %+v", got)
		}
		if names := names(t, w.want(200, w.admin, "GET", "/api/v1/assets", nil, nil), "name"); len(names) != 1 {
			t.Fatalf("refused creates wrote assets: %v", names)
		}
	})
}

func TestPaymentsTakeTheInvoicesCurrencyAndKeepItsHistory(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		var inv struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/invoices", map[string]any{"customer_id": id(x), "number": "1", "currency": "EUR",
			"lines": []map[string]any{{"description": "work", "quantity": 3, "unit_price": 2000}}}, &inv)
		var pay struct {
			Currency   string
			CustomerID string `json:"customer_id"`
		}
		w.want(201, w.admin, "POST", "/api/v1/payments", map[string]any{"invoice_id": inv.ID, "amount": 2500}, &pay)
		if pay.Currency != "EUR" || pay.CustomerID != id(x) {
			t.Fatalf("payment %+v, want EUR of customer %d", pay, x)
		}
		w.want(409, w.admin, "DELETE", "/api/v1/invoices/"+inv.ID, nil, nil)
		var rep struct {
			Customers []struct {
				Outstanding []struct {
					Currency string
					Amount   int64
				}
			}
		}
		w.want(200, w.admin, "GET", "/api/v1/reports/summary", nil, &rep)
		if len(rep.Customers) != 1 || len(rep.Customers[0].Outstanding) != 1 || rep.Customers[0].Outstanding[0].Amount != 3500 {
			t.Fatalf("summary %+v, want 6000 − 2500 = 3500 EUR outstanding", rep)
		}
	})
}

func TestSecretsAreEncryptedAtRest(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		var a, b struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(x), "name": "a", "secret": "plain-secret-a"}, &a)
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(x), "name": "b", "secret": "plain-secret-b"}, &b)
		var sealed []byte
		if err := w.db.SQL().QueryRow(`SELECT secret_sealed FROM credentials WHERE id = ` + a.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if len(sealed) == 0 || bytes.Contains(sealed, []byte("plain-secret-a")) {
			t.Fatalf("stored secret is not encrypted: %q", sealed)
		}
		// A sealed value copied onto another record does not open there.
		if _, err := w.db.SQL().Exec(`UPDATE credentials SET secret_sealed = (SELECT secret_sealed FROM credentials WHERE id = ` + a.ID + `) WHERE id = ` + b.ID); err != nil {
			t.Fatal(err)
		}
		status, raw, _ := w.do(w.admin, "GET", "/api/v1/credentials/"+b.ID+"/secret", nil)
		if status != 500 || bytes.Contains(raw, []byte("plain-secret")) {
			t.Fatalf("swapped secret: %d %s", status, raw)
		}
		// Updating the secret re-seals it; other fields leave it alone.
		w.want(200, w.admin, "PATCH", "/api/v1/credentials/"+b.ID, map[string]any{"secret": "new-b"}, nil)
		w.want(200, w.admin, "PATCH", "/api/v1/credentials/"+b.ID, map[string]any{"username": "root"}, nil)
		var s struct{ Secret string }
		w.want(200, w.admin, "GET", "/api/v1/credentials/"+b.ID+"/secret", nil, &s)
		if s.Secret != "new-b" {
			t.Fatalf("secret %q, want new-b", s.Secret)
		}
	})
}

func TestASharedTemplateNamesOnlyTheCallersCustomers(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "X"), w.customer(w.acct.ID, "Y")
		var tpl struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/policies", map[string]any{"name": "Baseline template"}, &tpl)
		w.want(204, w.admin, "PUT", "/api/v1/policies/"+tpl.ID+"/customers/"+id(x), nil, nil)
		w.want(204, w.admin, "PUT", "/api/v1/policies/"+tpl.ID+"/customers/"+id(y), nil, nil)
		tok := w.scoped("x@test.example", []int64{x}, "policies.view", "policies.edit", "policies.assign")
		var got struct {
			CustomerIDs []string `json:"customer_ids"`
		}
		w.want(200, tok, "GET", "/api/v1/policies/"+tpl.ID+"/customers", nil, &got)
		if strings.Join(got.CustomerIDs, ",") != id(x) {
			t.Fatalf("template customers %v, want only %d", got.CustomerIDs, x)
		}
		w.want(404, tok, "DELETE", "/api/v1/policies/"+tpl.ID+"/customers/"+id(y), nil, nil)
		w.want(404, tok, "PATCH", "/api/v1/policies/"+tpl.ID, map[string]any{"name": "mine now"}, nil)
	})
}

func TestScriptChangesRunsAndCredentialsAreAuditedWithoutSecrets(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		var asset, script struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "pc"}, &asset)
		w.want(201, w.admin, "POST", "/api/v1/scripts", map[string]any{"customer_id": id(x), "name": "s", "body": "echo"}, &script)
		w.want(200, w.admin, "PATCH", "/api/v1/scripts/"+script.ID, map[string]any{"body": "echo 2"}, nil)
		w.want(201, w.admin, "POST", "/api/v1/scripts/"+script.ID+"/runs", map[string]any{"asset_id": asset.ID}, nil)
		var cred struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(x), "name": "c", "secret": "audit-me-not"}, &cred)
		w.want(200, w.admin, "GET", "/api/v1/credentials/"+cred.ID+"/secret", nil, nil)
		raw := w.want(200, w.admin, "GET", "/api/v1/audit?limit=100", nil, nil)
		var page struct {
			Items []struct{ Action string }
		}
		json.Unmarshal(raw, &page)
		var actions []string
		for _, e := range page.Items {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"script.create", "script.update", "script.run", "credential.create", "credential.reveal"} {
			if !strings.Contains(strings.Join(actions, " "), want) {
				t.Errorf("no %s in the audit log: %v", want, actions)
			}
		}
		if bytes.Contains(raw, []byte("audit-me-not")) {
			t.Fatal("the audit log holds a secret")
		}
	})
}

func TestAssigningAPolicyToAnAssetNeedsTheAssetInView(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		var asset, policy struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/assets", map[string]any{"customer_id": id(x), "name": "hidden-pc", "serial": "SN-HIDDEN"}, &asset)
		w.want(201, w.admin, "POST", "/api/v1/policies", map[string]any{"customer_id": id(x), "name": "Baseline"}, &policy)
		blind := w.scoped("blind@test.example", []int64{x}, "policies.view", "policies.assign")
		body := map[string]any{"policy_id": policy.ID}

		// Without assets.view the asset answers exactly like a missing one.
		_, missing, _ := w.do(blind, "PUT", "/api/v1/assets/999999/policy", body)
		status, raw, _ := w.do(blind, "PUT", "/api/v1/assets/"+asset.ID+"/policy", body)
		if status != 404 || !bytes.Equal(raw, missing) {
			t.Fatalf("unseen asset: %d %s, want the missing asset's 404 %s", status, raw, missing)
		}
		var got struct {
			PolicyID *string `json:"policy_id"`
		}
		w.want(200, w.admin, "GET", "/api/v1/assets/"+asset.ID, nil, &got)
		if got.PolicyID != nil {
			t.Fatalf("the refused assignment stuck: policy %s", *got.PolicyID)
		}

		seeing := w.scoped("seeing@test.example", []int64{x}, "policies.view", "policies.assign", "assets.view")
		w.want(200, seeing, "PUT", "/api/v1/assets/"+asset.ID+"/policy", body, &got)
		if got.PolicyID == nil || *got.PolicyID != policy.ID {
			t.Fatalf("policy %v, want %s", got.PolicyID, policy.ID)
		}
	})
}

func TestOwnRecordsCannotBeMadeInAnotherUsersName(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x := w.customer(w.acct.ID, "X")
		admin, _ := w.db.UserByEmail(context.Background(), w.acct.ID, "admin@a-msp.example")
		var ticket struct{ ID string }
		w.want(201, w.admin, "POST", "/api/v1/tickets", map[string]any{"customer_id": id(x), "subject": "t"}, &ticket)
		appointment := map[string]any{"customer_id": id(x), "title": "visit", "starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-01T10:00:00Z"}
		cases := []struct {
			module  string
			ownOnly []string // manage one's own records only
			viewAll string   // adds every record of the customer
			create  map[string]any
		}{
			{"timelogs", []string{"tickets.view", "timelogs.manage"}, "timelogs.view", map[string]any{"ticket_id": ticket.ID, "minutes": 480}},
			{"appointments", []string{"appointments.create", "appointments.edit"}, "appointments.view_all", appointment},
			{"chats", []string{"chat.use"}, "chat.view_all", map[string]any{"customer_id": id(x), "subject": "hello"}},
		}
		for _, tc := range cases {
			t.Run(tc.module, func(t *testing.T) {
				path := "/api/v1/" + tc.module
				own := w.scoped(tc.module+"-own@test.example", []int64{x}, tc.ownOnly...)
				as := func(user int64) map[string]any {
					body := map[string]any{"user_id": id(user)}
					for k, v := range tc.create {
						body[k] = v
					}
					return body
				}
				// Creating in another user's name is refused, naming the field.
				status, raw, _ := w.do(own, "POST", path, as(admin.ID))
				var p struct{ Field string }
				json.Unmarshal(raw, &p)
				if status != 400 || p.Field != "user_id" {
					t.Fatalf("own-only holder created a record as the admin: %d %s", status, raw)
				}
				// Handing one's own record to another user is refused too.
				var mine struct{ ID string }
				w.want(201, own, "POST", path, tc.create, &mine)
				status, raw, _ = w.do(own, "PATCH", path+"/"+mine.ID, map[string]any{"user_id": id(admin.ID)})
				json.Unmarshal(raw, &p)
				if status != 400 || p.Field != "user_id" {
					t.Fatalf("own-only holder gave its record to the admin: %d %s", status, raw)
				}
				var got struct {
					UserID string `json:"user_id"`
				}
				w.want(200, w.admin, "GET", path+"/"+mine.ID, nil, &got)
				if got.UserID == id(admin.ID) {
					t.Fatalf("the refused change stuck")
				}
				// Seeing every record of the customer, one may act for others.
				all := w.scoped(tc.module+"-all@test.example", []int64{x}, append(tc.ownOnly, tc.viewAll)...)
				w.want(201, all, "POST", path, as(admin.ID), nil)
				w.want(200, all, "PATCH", path+"/"+mine.ID, map[string]any{"user_id": id(admin.ID)}, nil)
			})
		}
	})
}

func TestTheSummaryNamesOnlyCustomersInView(t *testing.T) {
	eachModuleBackend(t, func(t *testing.T, w *world) {
		x, y := w.customer(w.acct.ID, "Xylo Secret Name"), w.customer(w.acct.ID, "Yew Visible Name")
		z := w.customer(w.acct.ID, "Aardvark Hidden")
		reportX := w.group("report X", gatehouse.SelectCustomers, []int64{x, z}, "reports.view", "assets.view")
		reportY := w.group("report and see Y", gatehouse.SelectCustomers, []int64{y}, "reports.view", "customers.view")
		seeY := w.group("see Y", gatehouse.SelectCustomers, []int64{y}, "customers.view")
		callers := []struct {
			name  string
			token string
		}{
			{"reports only", w.login(w.newUser(w.acct.ID, "r1@test.example", false, reportX))},
			{"customers.view through another group's scope", w.login(w.newUser(w.acct.ID, "r2@test.example", false, reportX, seeY))},
			{"both, named where seen", w.login(w.newUser(w.acct.ID, "r3@test.example", false, reportX, reportY))},
		}
		for _, c := range callers {
			for _, path := range []string{"/api/v1/reports/summary", "/api/v1/reports/summary?format=csv"} {
				raw := w.want(200, c.token, "GET", path, nil, nil)
				if !bytes.Contains(raw, []byte(id(x))) {
					t.Fatalf("%s: %s lacks customer %d: %s", c.name, path, x, raw)
				}
				// Unnamed customers come after the named ones, by id: not even
				// the order of their names shows.
				if bytes.Index(raw, []byte(`"`+id(x)+`"`)) > bytes.Index(raw, []byte(`"`+id(z)+`"`)) && !strings.HasSuffix(path, "csv") {
					t.Errorf("%s: unnamed customers in the order of their names: %s", c.name, raw)
				}
				if bytes.Contains(raw, []byte("Xylo")) || bytes.Contains(raw, []byte("Aardvark")) {
					t.Errorf("%s: %s names a customer the caller does not see: %s", c.name, path, raw)
				}
				if seesY := c.name == "both, named where seen"; seesY != bytes.Contains(raw, []byte("Yew Visible Name")) {
					t.Errorf("%s: %s: Y named %v, want %v: %s", c.name, path, !seesY, seesY, raw)
				}
			}
		}
	})
}
