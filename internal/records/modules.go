package records

import "gatehouse/internal/gatehouse"

func str(name string, max int) Field { return Field{Name: name, Kind: String, Max: max} }

func required(f Field) Field { f.Required = true; return f }

func searchable(f Field) Field { f.Search = true; return f }

func sortable(f Field) Field { f.Sort = true; return f }

// filterable fields are also sortable: a list filtered by status is
// often sorted by it too.
func filterable(f Field) Field { f.Filter, f.Sort = true, true; return f }

func enum(name, def string, values ...string) Field {
	return Field{Name: name, Kind: Enum, Enum: values, Default: def}
}

func text(name string, max int) Field { return Field{Name: name, Kind: Text, Max: max} }

func ref(name, module string) Field { return Field{Name: name, Kind: Ref, Ref: module} }

// link is a Ref that must stay within the record's own customer.
func link(name, module string) Field {
	return Field{Name: name, Kind: Ref, Ref: module, SameCustomer: true}
}

// parent is the Ref a record takes its customer from.
func parent(name, module string) Field {
	return Field{Name: name, Kind: Ref, Ref: module, Required: true, Fixed: true}
}

func restrict(f Field) Field { f.Restrict = true; return f }

func user(name string) Field { return Field{Name: name, Kind: UserRef} }

func owner(name string) Field { return Field{Name: name, Kind: UserRef, CallerDefault: true} }

func readOnly(f Field) Field { f.ReadOnly = true; return f }

func money(name string) Field { return Field{Name: name, Kind: Money} }

var (
	currency = Field{Name: "currency", Kind: Currency, Default: "USD"}
	taxRate  = Field{Name: "tax_rate_bp", Kind: Int, Max: 10000, Percent: true} // basis points: 825 is 8.25 %
	totals   = []Field{readOnly(money("subtotal")), readOnly(money("tax")), readOnly(money("total"))}
)

func crud(area string) (view []string, create, edit, del string) {
	return []string{area + ".view"}, area + ".create", area + ".edit", area + ".delete"
}

func definitions() []*Module {
	var ms []*Module
	add := func(m *Module) { ms = append(ms, m) }

	contacts := &Module{Key: "contacts", Table: "contacts", Noun: "contact", Area: "contacts", Order: "name", Title: "name",
		Fields: []Field{
			searchable(required(str("name", 200))), sortable(searchable(Field{Name: "email", Kind: Email})), str("phone", 50),
			str("title", 200), text("notes", 10000),
		}}
	contacts.ViewPerms, contacts.Create, contacts.Edit, contacts.Delete = crud("contacts")
	add(contacts)

	assets := &Module{Key: "assets", Table: "assets", Noun: "asset", Area: "assets", Order: "name", Title: "name",
		Fields: []Field{
			searchable(required(str("name", 200))),
			filterable(enum("kind", "workstation", "workstation", "laptop", "server", "virtual_machine", "network", "mobile", "printer", "other")),
			sortable(str("os", 200)), searchable(str("serial", 200)), {Name: "last_seen_at", Kind: Time},
			readOnly(ref("policy_id", "policies")), // assigned with policies.assign
		}}
	assets.ViewPerms, assets.Create, assets.Edit, assets.Delete = crud("assets")
	add(assets)

	add(&Module{Key: "alerts", Table: "alerts", Noun: "alert", Area: "alerts", Title: "message", CustomerFrom: "asset_id",
		ViewPerms: []string{"alerts.view"}, Create: "alerts.manage", Edit: "alerts.manage", Delete: "alerts.manage",
		Open: []string{"open"},
		Fields: []Field{
			parent("asset_id", "assets"),
			filterable(enum("severity", "warning", "info", "warning", "critical")),
			searchable(required(str("message", 1000))),
			filterable(readOnly(enum("status", "open", "open", "cleared"))),
			readOnly(Field{Name: "cleared_at", Kind: Time}), readOnly(user("cleared_by")),
		}})

	tickets := &Module{Key: "tickets", Table: "tickets", Noun: "ticket", Area: "tickets", Order: "subject", Title: "subject",
		OwnPerms: []string{"tickets.view_own"}, OwnerField: "assignee_id", Open: []string{"open", "in_progress", "waiting"},
		Fields: []Field{
			// The account's own running number, set by the database.
			readOnly(Field{Name: "number", Kind: Int}),
			searchable(required(str("subject", 200))), searchable(text("description", 20000)),
			filterable(enum("status", "open", "open", "in_progress", "waiting", "resolved", "closed")),
			filterable(enum("priority", "normal", "low", "normal", "high", "urgent")),
			user("assignee_id"), link("asset_id", "assets"), link("contact_id", "contacts"),
		}}
	tickets.ViewPerms, tickets.Create, tickets.Edit, tickets.Delete = crud("tickets")
	add(tickets)

	add(&Module{Key: "timelogs", Table: "timelogs", Noun: "time log", Area: "timelogs", Title: "note", CustomerFrom: "ticket_id",
		ViewPerms: []string{"timelogs.view"}, OwnPerms: []string{"timelogs.manage"}, OwnerField: "user_id",
		Create: "timelogs.manage", Edit: "timelogs.manage", Delete: "timelogs.manage",
		Fields: []Field{
			parent("ticket_id", "tickets"), owner("user_id"),
			{Name: "minutes", Kind: Int, Required: true, Min: 1, Max: 24 * 60},
			searchable(str("note", 1000)), {Name: "billable", Kind: Bool, Default: true}, sortable(Field{Name: "worked_on", Kind: Date}),
		}})

	scripts := &Module{Key: "scripts", Table: "scripts", Noun: "script", Area: "scripts", Ownership: SharedLibrary,
		Order: "name", Title: "name",
		Fields: []Field{
			searchable(required(str("name", 200))), searchable(str("description", 1000)),
			filterable(enum("language", "powershell", "powershell", "bash", "python", "batch", "applescript")),
			text("body", 100000),
		}}
	scripts.ViewPerms, scripts.Create, scripts.Edit, scripts.Delete = crud("scripts")
	// Running a shared script needs reading it.
	scripts.ViewPerms = append(scripts.ViewPerms, "scripts.run")
	add(scripts)

	add(&Module{Key: "script-runs", Table: "script_runs", Noun: "script run", Area: "scripts", CustomerFrom: "asset_id",
		ViewPerms: []string{"scripts.view", "scripts.run"}, Title: "status",
		Fields: []Field{
			parent("asset_id", "assets"), readOnly(ref("script_id", "scripts")),
			filterable(readOnly(enum("status", "queued", "queued", "running", "succeeded", "failed"))),
			readOnly(user("requested_by")), readOnly(Field{Name: "finished_at", Kind: Time}),
		}})

	policies := &Module{Key: "policies", Table: "policies", Noun: "policy", Area: "policies", Ownership: SharedLibrary,
		Order: "name", Title: "name",
		Fields: []Field{
			searchable(required(str("name", 200))), searchable(str("description", 1000)),
			{Name: "settings", Kind: JSONDoc, Max: 100000, Default: "{}"},
		}}
	policies.ViewPerms, policies.Create, policies.Edit, policies.Delete = crud("policies")
	add(policies)

	docs := &Module{Key: "documents", Table: "documents", Noun: "document", Area: "documentation", Ownership: SharedLibrary,
		Order: "title", Title: "title", OwnerField: "author_id",
		Fields: []Field{searchable(required(str("title", 200))), searchable(text("body", 200000)), owner("author_id")}}
	docs.ViewPerms, docs.Create, docs.Edit, docs.Delete = crud("documentation")
	add(docs)

	creds := &Module{Key: "credentials", Table: "credentials", Noun: "credential", Area: "credentials", Ownership: Restricted,
		Order: "name", Title: "name", Secret: true,
		Fields: []Field{
			searchable(required(str("name", 200))), sortable(searchable(str("username", 200))), searchable(str("url", 500)),
			text("notes", 10000),
		}}
	creds.ViewPerms, creds.Create, creds.Edit, creds.Delete = crud("credentials")
	add(creds)

	invoices := &Module{Key: "invoices", Table: "invoices", Noun: "invoice", Area: "invoices", Order: "number", Title: "number",
		Lines: true,
		Fields: []Field{
			searchable(required(str("number", 50))), filterable(enum("status", "draft", "draft", "sent", "paid", "void")), currency,
			sortable(Field{Name: "issued_on", Kind: Date}), sortable(Field{Name: "due_on", Kind: Date}), text("notes", 10000), taxRate,
			readOnly(ref("estimate_id", "estimates")), // set when made from an estimate
			readOnly(money("subtotal")), readOnly(money("tax")), sortable(readOnly(money("total"))),
		}}
	invoices.ViewPerms, invoices.Create, invoices.Edit, invoices.Delete = crud("invoices")
	add(invoices)

	estimates := &Module{Key: "estimates", Table: "estimates", Noun: "estimate", Area: "estimates", Order: "number", Title: "number",
		Lines: true,
		Fields: append([]Field{
			searchable(required(str("number", 50))), filterable(enum("status", "draft", "draft", "sent", "accepted", "declined")), currency,
			sortable(Field{Name: "issued_on", Kind: Date}), {Name: "valid_until", Kind: Date}, text("notes", 10000), taxRate,
		}, totals...)}
	estimates.ViewPerms, estimates.Create, estimates.Edit, estimates.Delete = crud("estimates")
	add(estimates)

	add(&Module{Key: "payments", Table: "payments", Noun: "payment", Area: "payments", Title: "reference", CustomerFrom: "invoice_id",
		ViewPerms: []string{"payments.view"}, Create: "payments.create",
		Fields: []Field{
			restrict(parent("invoice_id", "invoices")), sortable(Field{Name: "amount", Kind: Money, Required: true, Min: 1}),
			readOnly(Field{Name: "currency", Kind: Currency, FromParent: true}),
			filterable(enum("method", "bank_transfer", "bank_transfer", "card", "cash", "check", "other")),
			sortable(Field{Name: "received_on", Kind: Date}), searchable(str("reference", 200)),
		}})

	contracts := &Module{Key: "contracts", Table: "contracts", Noun: "contract", Area: "contracts", Order: "name", Title: "name",
		Fields: []Field{
			searchable(required(str("name", 200))), filterable(enum("status", "active", "active", "paused", "ended")), currency,
			sortable(Field{Name: "amount", Kind: Money}), enum("billing_interval", "monthly", "monthly", "quarterly", "yearly"),
			{Name: "starts_on", Kind: Date}, {Name: "ends_on", Kind: Date}, text("notes", 10000),
		}}
	contracts.ViewPerms, contracts.Create, contracts.Edit, contracts.Delete = crud("contracts")
	add(contracts)

	add(&Module{Key: "appointments", Table: "appointments", Noun: "appointment", Area: "appointments", Order: "title", Title: "title",
		ViewPerms: []string{"appointments.view_all"},
		OwnPerms:  []string{"appointments.create", "appointments.edit", "appointments.delete"}, OwnerField: "user_id",
		Create: "appointments.create", Edit: "appointments.edit", Delete: "appointments.delete",
		Fields: []Field{
			searchable(required(str("title", 200))), owner("user_id"), link("contact_id", "contacts"),
			sortable(Field{Name: "starts_at", Kind: Time, Required: true}), {Name: "ends_at", Kind: Time, Required: true},
			str("location", 200), text("notes", 10000),
		},
		Check: func(v Values) error {
			if !v.Time("ends_at").After(v.Time("starts_at")) {
				return gatehouse.Invalid("ends_at", "an appointment ends after it starts")
			}
			return nil
		}})

	add(&Module{Key: "chats", Table: "chats", Noun: "chat", Area: "chat", Order: "subject", Title: "subject",
		ViewPerms: []string{"chat.view_all"}, OwnPerms: []string{"chat.use"}, OwnerField: "user_id",
		Create: "chat.use", Edit: "chat.use",
		Fields: []Field{
			searchable(required(str("subject", 200))), link("contact_id", "contacts"), owner("user_id"),
			filterable(enum("status", "open", "open", "closed")),
		}})

	leads := &Module{Key: "leads", Table: "leads", Noun: "lead", Area: "leads", Ownership: Restricted, Order: "name", Title: "name",
		Fields: []Field{
			searchable(required(str("name", 200))), sortable(searchable(str("company", 200))), searchable(Field{Name: "email", Kind: Email}),
			str("phone", 50), filterable(enum("status", "new", "new", "contacted", "qualified", "won", "lost")), currency, sortable(money("value")),
			text("notes", 10000),
		}}
	leads.ViewPerms, leads.Create, leads.Edit, leads.Delete = crud("leads")
	add(leads)

	add(&Module{Key: "campaigns", Table: "campaigns", Noun: "campaign", Area: "mailer", Ownership: Restricted, Order: "name", Title: "name",
		ViewPerms: []string{"mailer.view"}, Create: "mailer.create", Edit: "mailer.create", Delete: "mailer.create",
		Fields: []Field{
			searchable(required(str("name", 200))), searchable(required(str("subject", 200))), text("body", 100000),
			filterable(readOnly(enum("status", "draft", "draft", "sent"))), readOnly(Field{Name: "sent_at", Kind: Time}),
			readOnly(Field{Name: "recipient_count", Kind: Int}),
		}})
	return finish(ms)
}
