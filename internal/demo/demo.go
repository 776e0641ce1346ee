// Package demo fills an empty database with a small, realistic MSP
// account so a newcomer can sign in and look around.
package demo

import (
	"context"
	"fmt"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb"
)

// Login is one demo user's credentials, printed at start-up.
type Login struct {
	Email, Password, Role string
}

// AccountName is the demo account's name.
const AccountName = "Demo MSP"

var customers = []gatehouse.Customer{
	{Name: "Acme Dental", Tags: []string{"healthcare", "co-managed"}, City: "Portland", Country: "US", Email: "office@acme-dental.example", Phone: "+1 503 555 0101"},
	{Name: "Bluebird Logistics", Tags: []string{"logistics"}, City: "Tacoma", Country: "US", Email: "it@bluebird.example", Phone: "+1 253 555 0102"},
	{Name: "Cobalt Legal", Tags: []string{"legal", "vip"}, City: "Seattle", Country: "US", Email: "admin@cobalt-legal.example"},
	{Name: "Driftwood Cafe", Tags: []string{"hospitality"}, City: "Eugene", Country: "US"},
	{Name: "Evergreen Primary School", Tags: []string{"education"}, City: "Salem", Country: "US"},
	{Name: "Fjord Engineering", Tags: []string{"engineering", "co-managed"}, City: "Bergen", Country: "NO"},
}

// Seed creates the demo account on an empty database and returns the
// logins. On a database that already has accounts it does nothing.
func Seed(ctx context.Context, db *sqldb.DB, params auth.Params) ([]Login, error) {
	n, err := db.CountAccounts(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	acct, err := db.CreateAccount(ctx, AccountName)
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for _, c := range customers {
		name, tags, city, country, email, phone := c.Name, c.Tags, c.City, c.Country, c.Email, c.Phone
		created, err := db.CreateCustomer(ctx, acct.ID, gatehouse.CustomerFields{Name: &name, Tags: &tags, City: &city,
			Country: &country, Email: &email, Phone: &phone})
		if err != nil {
			return nil, fmt.Errorf("demo customer: %w", err)
		}
		ids[c.Name] = created.ID
	}
	groups, err := seedGroups(ctx, db, acct.ID, ids)
	if err != nil {
		return nil, err
	}
	logins := []Login{
		{"admin@demo.example", "demo-admin-pass", "global admin"},
		{"tech@demo.example", "demo-tech-pass", "technician, all customers"},
		{"it@acme-dental.example", "demo-acme-pass", "co-managed IT, Acme Dental only"},
		{"billing@demo.example", "demo-billing-pass", "billing, all customers"},
	}
	members := map[string][]int64{
		"tech@demo.example":      {groups["Technicians"]},
		"it@acme-dental.example": {groups["Acme Dental IT"]},
		"billing@demo.example":   {groups["Billing"]},
	}
	for _, l := range logins {
		hash, err := auth.HashPassword(l.Password, params)
		if err != nil {
			return nil, err
		}
		in := gatehouse.UserCreate{Email: l.Email, Name: l.Role, PasswordHash: hash, GlobalAdmin: l.Role == "global admin", GroupIDs: members[l.Email]}
		if in.GlobalAdmin {
			in.Name, in.GroupIDs = "Demo Admin", []int64{}
		}
		if _, err := db.CreateUser(ctx, acct.ID, in); err != nil {
			return nil, fmt.Errorf("demo user: %w", err)
		}
	}
	if err := seedModules(ctx, db, acct.ID, ids); err != nil {
		return nil, err
	}
	return logins, nil
}

func seedGroups(ctx context.Context, db *sqldb.DB, accountID int64, customers map[string]int64) (map[string]int64, error) {
	out := map[string]int64{}
	page, err := db.ListGroups(ctx, accountID, gatehouse.ListFilter{})
	if err != nil {
		return nil, err
	}
	for _, g := range page.Items {
		out[g.Name] = g.ID
		if g.Name == "Co-managed IT (example)" {
			g.CustomerIDs = []int64{customers["Acme Dental"]}
			if _, err := db.UpdateGroup(ctx, accountID, g); err != nil {
				return nil, err
			}
		}
	}
	add := []gatehouse.SecurityGroup{
		{Name: "Acme Dental IT", Description: "Acme Dental's own IT team: every module, Acme Dental only.",
			AccessType: gatehouse.SelectCustomers, CustomerIDs: []int64{customers["Acme Dental"]}, Permissions: coManagedFull},
		{Name: "Billing", Description: "Invoices, estimates, payments and contracts for every customer.",
			AccessType: gatehouse.AllCustomers, Permissions: []string{"customers.view", "contacts.view",
				"invoices.view", "invoices.create", "invoices.edit", "estimates.view", "estimates.create", "estimates.edit",
				"payments.view", "payments.create", "contracts.view", "contracts.create", "contracts.edit",
				"products.view", "reports.view"}},
	}
	for _, g := range add {
		created, err := db.CreateGroup(ctx, accountID, g)
		if err != nil {
			return nil, fmt.Errorf("demo group %s: %w", g.Name, err)
		}
		out[g.Name] = created.ID
	}
	return out, nil
}

// coManagedFull is every customer-scoped module, creation included.
var coManagedFull = []string{
	"customers.view", "customers.edit", "contacts.view", "contacts.create", "contacts.edit", "contacts.delete",
	"assets.view", "assets.create", "assets.edit", "assets.remote_access", "alerts.view", "alerts.manage",
	"scripts.view", "scripts.create", "scripts.edit", "scripts.delete", "scripts.run", "script_runs.view_output",
	"policies.view", "policies.create", "policies.edit", "policies.assign", "patches.view", "backups.view",
	"tickets.view", "tickets.create", "tickets.edit", "timelogs.view", "timelogs.manage",
	"appointments.view_all", "appointments.create", "appointments.edit", "chat.use", "chat.view_all",
	"documentation.view", "documentation.create", "documentation.edit",
	"credentials.view", "credentials.reveal", "credentials.create", "credentials.edit",
	"invoices.view", "invoices.create", "estimates.view", "payments.view", "contracts.view",
	"leads.view", "leads.create", "mailer.view", "mailer.create", "mailer.send", "reports.view", "audit_log.view",
}
