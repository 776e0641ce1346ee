package demo

import (
	"context"
	"fmt"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
)

// everywhere writes demo records as the system, for any customer.
var everywhere = records.Reach{Customers: access.All(), Library: true}

// demoSecrets are the secrets SealSecrets stores, by credential name.
var demoSecrets = map[string]string{
	"Firewall admin":    "demo-firewall-pass",
	"Office Wi-Fi":      "demo-wifi-pass",
	"RMM console (MSP)": "demo-rmm-pass",
}

// seeder writes one account's demo records, stopping at the first error.
type seeder struct {
	ctx  context.Context
	db   *sqldb.DB
	acct int64
	err  error
}

func (s *seeder) add(module string, customer int64, v records.Values, lines ...records.Line) int64 {
	if s.err != nil {
		return 0
	}
	m := records.MustLookup(module)
	in := records.Input{CustomerID: customer, Values: v}
	if m.Lines {
		in.Lines = &lines
	}
	r, err := s.db.CreateRecord(s.ctx, s.acct, m, everywhere, in)
	if err != nil {
		s.err = fmt.Errorf("demo %s: %w", module, err)
	}
	return r.ID
}

func (s *seeder) do(err error) {
	if s.err == nil && err != nil {
		s.err = fmt.Errorf("demo: %w", err)
	}
}

// seedModules fills every module for three customers, with a shared
// library and the MSP's own records, so each permission shows something.
func seedModules(ctx context.Context, db *sqldb.DB, accountID int64, customers map[string]int64) error {
	s := &seeder{ctx: ctx, db: db, acct: accountID}
	tech, err := db.UserByEmail(ctx, accountID, "tech@demo.example")
	if err != nil {
		return err
	}
	it, err := db.UserByEmail(ctx, accountID, "it@acme-dental.example")
	if err != nil {
		return err
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)

	// The shared library: readable by every holder, changed only by
	// all-customers groups.
	flush := s.add("scripts", 0, records.Values{"name": "Flush DNS cache", "language": "powershell", "body": "Clear-DnsClientCache", "description": "Safe on every workstation."})
	s.add("scripts", 0, records.Values{"name": "Disk cleanup", "language": "powershell", "body": "cleanmgr /sagerun:1"})
	baseline := s.add("policies", 0, records.Values{"name": "Workstation baseline", "description": "Shared template",
		"settings": `{"antivirus":true,"patching":"weekly","screen_lock_minutes":10}`})
	s.add("documents", 0, records.Values{"title": "Password policy", "body": "# Password policy\n\nAt least 14 characters; a manager for everything."})
	s.add("credentials", 0, records.Values{"name": "RMM console (MSP)", "username": "msp-admin", "url": "https://rmm.demo.example"})
	s.add("leads", 0, records.Values{"name": "Harbor Veterinary", "company": "Harbor Veterinary", "email": "owner@harbor-vet.example", "status": "contacted", "value": int64(240000)})

	for i, name := range []string{"Acme Dental", "Bluebird Logistics", "Cobalt Legal"} {
		c := customers[name]
		short := []string{"ACME", "BLUE", "COBALT"}[i]
		contact := s.add("contacts", c, records.Values{"name": []string{"Ann Alvarez", "Ben Brooks", "Cara Chen"}[i],
			"email": []string{"ann@acme-dental.example", "ben@bluebird.example", "cara@cobalt-legal.example"}[i], "title": "Office manager"})
		s.add("contacts", c, records.Values{"name": "Front desk", "phone": "+1 555 0100"})
		server := s.add("assets", c, records.Values{"name": short + "-SRV01", "kind": "server", "os": "Windows Server 2022", "serial": short + "-S-0001", "last_seen_at": day})
		pc := s.add("assets", c, records.Values{"name": short + "-PC01", "kind": "workstation", "os": "Windows 11 Pro", "serial": short + "-W-0001", "last_seen_at": day})
		s.add("assets", c, records.Values{"name": short + "-LT01", "kind": "laptop", "os": "macOS 15", "serial": short + "-L-0001"})
		s.add("alerts", 0, records.Values{"asset_id": server, "severity": "critical", "message": "Disk C: below 5 % free"})
		s.add("alerts", 0, records.Values{"asset_id": pc, "severity": "warning", "message": "Pending reboot for 9 days"})

		ticket := s.add("tickets", c, records.Values{"subject": "Printer offline on 2nd floor", "description": "Since this morning.",
			"priority": "high", "assignee_id": tech.ID, "asset_id": pc, "contact_id": contact})
		s.add("tickets", c, records.Values{"subject": "New starter laptop", "status": "waiting", "contact_id": contact})
		if s.err == nil {
			_, err := db.AddNote(ctx, accountID, records.TicketComments, ticket, tech.ID, "Replaced the toner; watching it.", everywhere)
			s.do(err)
		}
		s.add("timelogs", 0, records.Values{"ticket_id": ticket, "user_id": tech.ID, "minutes": int64(45), "note": "On site", "worked_on": day.Format(time.DateOnly)})

		own := s.add("scripts", c, records.Values{"name": short + " backup check", "language": "powershell", "body": "Get-WBJob -Previous 1"})
		for _, script := range []int64{own, flush} {
			if s.err != nil {
				break
			}
			run, err := db.CreateScriptRun(ctx, accountID, script, server, tech.ID, everywhere, everywhere, func(sc, ac int64) error { return nil })
			s.do(err)
			if err == nil {
				s.do(db.FinishScriptRun(ctx, accountID, run.ID, "succeeded", "Completed without errors."))
			}
		}
		policy := s.add("policies", c, records.Values{"name": short + " servers", "settings": `{"patching":"monthly","backup":"nightly"}`})
		if s.err == nil {
			s.do(db.AssignPolicy(ctx, accountID, baseline, c, true, everywhere, func(int64, int64) error { return nil }))
			_, err := db.SetAssetPolicy(ctx, accountID, server, policy, []records.Reach{everywhere}, everywhere, func(int64, int64) error { return nil })
			s.do(err)
		}
		s.add("documents", c, records.Values{"title": name + " network overview", "body": "# Network\n\n- Firewall at 10.0.0.1\n- Wi-Fi: office"})
		s.add("credentials", c, records.Values{"name": "Firewall admin", "username": "admin", "url": "https://10.0.0.1"})
		s.add("credentials", c, records.Values{"name": "Office Wi-Fi", "username": ""})

		invoice := s.add("invoices", c, records.Values{"number": fmt.Sprintf("INV-2026-%03d", i+1), "status": "sent", "currency": "USD",
			"issued_on": day.Format(time.DateOnly), "due_on": day.AddDate(0, 0, 30).Format(time.DateOnly), "tax_rate_bp": int64(825)},
			records.Line{Description: "Managed services, per device", Quantity: 12, UnitPrice: 4500},
			records.Line{Description: "On-site hour", Quantity: 2, UnitPrice: 12000})
		s.add("payments", 0, records.Values{"invoice_id": invoice, "amount": int64(50000), "method": "card", "received_on": day.Format(time.DateOnly), "reference": "Card ending 4242"})
		s.add("estimates", c, records.Values{"number": fmt.Sprintf("EST-2026-%03d", i+1), "currency": "USD", "valid_until": day.AddDate(0, 1, 0).Format(time.DateOnly)},
			records.Line{Description: "Firewall replacement", Quantity: 1, UnitPrice: 189900})
		s.add("contracts", c, records.Values{"name": "Managed services", "currency": "USD", "amount": int64(54000), "billing_interval": "monthly", "starts_on": "2026-01-01"})
		s.add("appointments", c, records.Values{"title": "Quarterly review", "user_id": tech.ID, "contact_id": contact,
			"starts_at": day.AddDate(0, 0, 7).Add(10 * time.Hour), "ends_at": day.AddDate(0, 0, 7).Add(11 * time.Hour), "location": "Client office"})
		chat := s.add("chats", c, records.Values{"subject": "VPN question", "contact_id": contact, "user_id": tech.ID})
		if s.err == nil {
			_, err := db.AddNote(ctx, accountID, records.ChatMessages, chat, tech.ID, "Hi! Which device are you on?", everywhere)
			s.do(err)
		}
		s.add("leads", c, records.Values{"name": name + " second site", "company": name, "status": "qualified", "value": int64(120000)})
		s.add("campaigns", c, records.Values{"name": "Planned maintenance", "subject": "Maintenance this Saturday", "body": "Systems will be down 8–10 am."})
	}
	// The co-managed IT user's own appointment, visible to them.
	s.add("appointments", customers["Acme Dental"], records.Values{"title": "Onboard new hygienist", "user_id": it.ID,
		"starts_at": day.AddDate(0, 0, 2).Add(9 * time.Hour), "ends_at": day.AddDate(0, 0, 2).Add(10 * time.Hour)})
	return s.err
}

// Sealer encrypts a secret bound to its record.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
}

// SealSecrets gives the demo account's credentials their demo secrets,
// once the vault is open.
func SealSecrets(ctx context.Context, db *sqldb.DB, v Sealer) error {
	acct, err := db.AccountByName(ctx, AccountName)
	if err != nil {
		return err
	}
	m := records.MustLookup("credentials")
	f := gatehouse.ListFilter{Limit: 500}
	page, err := db.ListRecords(ctx, acct.ID, m, f, everywhere)
	if err != nil {
		return err
	}
	for _, cred := range page.Items {
		secret, ok := demoSecrets[cred.Values.Str("name")]
		if !ok || cred.HasSecret {
			continue
		}
		seal := func(id, customer int64) ([]byte, error) {
			return v.Seal([]byte(secret), records.SecretAAD(acct.ID, customer, id))
		}
		if _, err := db.UpdateRecord(ctx, acct.ID, m, cred.ID, records.Input{Seal: seal}, everywhere); err != nil {
			return err
		}
	}
	return nil
}
