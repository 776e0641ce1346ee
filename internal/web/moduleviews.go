package web

import (
	"strconv"

	"gatehouse/internal/records"
)

// moduleView is what the pages need to know about a module beyond its
// description in package records: which fields its list shows, how a
// record is named where its title column alone does not say it, and a
// few labels. Everything else — forms, details, related records, deletes
// — is generated from the description.
type moduleView struct {
	columns  []string          // list columns after the title and customer
	labels   map[string]string // field labels for this module only
	title    func(b *nameBook, rec records.Record) string
	newLabel string // the "new" action where "New <noun>" reads oddly
}

var views = map[string]moduleView{
	"contacts": {columns: []string{"email", "phone", "title"}, labels: map[string]string{"title": "Job title"}},
	"assets":   {columns: []string{"kind", "os", "last_seen_at"}},
	"alerts":   {columns: []string{"asset_id", "severity", "status"}, newLabel: "Raise an alert"},
	"tickets": {columns: []string{"status", "priority", "assignee_id"},
		title: func(b *nameBook, rec records.Record) string {
			return "#" + strconv.FormatInt(rec.Values.Int("number"), 10) + " " + rec.Values.Str("subject")
		}},
	"timelogs": {columns: []string{"ticket_id", "user_id", "minutes", "worked_on"}, newLabel: "Log time",
		labels: map[string]string{"user_id": "Worked by", "minutes": "Time"},
		title: func(b *nameBook, rec records.Record) string {
			t := formatMinutes(rec.Values.Int("minutes"))
			if note := rec.Values.Str("note"); note != "" {
				t += " · " + note
			}
			return t
		}},
	"scripts": {columns: []string{"language", "description"}},
	"script-runs": {columns: []string{"status", "requested_by", "finished_at"}, labels: map[string]string{"finished_at": "Finished"},
		title: func(b *nameBook, rec records.Record) string {
			return b.refTitle("scripts", rec.Values.Int("script_id"), "A script") + " on " +
				b.refTitle("assets", rec.Values.Int("asset_id"), "an asset")
		}},
	"policies":    {columns: []string{"description"}},
	"documents":   {},
	"credentials": {columns: []string{"username", "url"}},
	"invoices":    {columns: []string{"status", "issued_on", "due_on", "total"}},
	"estimates":   {columns: []string{"status", "issued_on", "valid_until", "total"}},
	"payments": {columns: []string{"invoice_id", "amount", "method", "received_on"}, newLabel: "Record a payment",
		title: func(b *nameBook, rec records.Record) string {
			t := "Payment of " + formatAmount(rec.Values.Int("amount"), rec.Values.Str("currency"))
			if ref := rec.Values.Str("reference"); ref != "" {
				t += " · " + ref
			}
			return t
		}},
	"contracts":    {columns: []string{"status", "amount", "billing_interval", "starts_on"}},
	"appointments": {columns: []string{"starts_at", "ends_at", "user_id", "contact_id"}, labels: map[string]string{"user_id": "Technician"}},
	"chats":        {columns: []string{"status", "contact_id", "user_id"}, labels: map[string]string{"user_id": "Handled by"}},
	"leads":        {columns: []string{"company", "status", "value"}},
	"campaigns":    {columns: []string{"status", "sent_at", "recipient_count"}, newLabel: "Compose a campaign"},
}

// newLabel is the label of a module's "new" action.
func newLabel(m *records.Module) string {
	if v := views[m.Key].newLabel; v != "" {
		return v
	}
	return "New " + m.Noun
}
