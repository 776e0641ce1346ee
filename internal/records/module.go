// Package records describes the modules behind the permissions —
// contacts, assets, tickets, scripts, credentials, invoices and the rest —
// as data: each module's table, fields, catalog area and how its records
// belong to customers. It also holds the rules that decide which records
// a caller reaches and the cross-record rules (ticket links, script runs,
// policy assignment, campaign audiences). It does no I/O: storage turns a
// Reach into a WHERE clause, the API turns fields into JSON.
package records

import (
	"time"

	"gatehouse/internal/catalog"
)

// Ownership says how a module's records belong to customers.
type Ownership uint8

const (
	// CustomerRequired records always belong to one customer.
	CustomerRequired Ownership = iota
	// SharedLibrary records may have no customer: a shared library item
	// (global script, policy template, knowledge-base page) readable by
	// anyone holding the area's view permission and changed only through
	// an all-customers grant.
	SharedLibrary
	// Restricted records may have no customer: an account-level record
	// (the MSP's own credentials, an unlinked lead) that only an
	// all-customers grant reaches at all.
	Restricted
)

// Kind is a field's type.
type Kind uint8

const (
	String   Kind = iota // one line of text
	Text                 // long text (markdown, notes, script bodies)
	Enum                 // one of Field.Enum
	Email                // an email address or empty
	Currency             // an ISO 4217 code such as "USD"
	Date                 // "YYYY-MM-DD" or empty
	Int                  // a whole number
	Money                // integer minor units (cents)
	Bool                 //
	Time                 // an instant, or none
	Ref                  // another module's record in the same account, or none
	UserRef              // a user of the account, or none
	JSONDoc              // a JSON object, kept as text
)

// Field is one column of a module, named alike in SQL, JSON and CSV.
type Field struct {
	Name     string
	Kind     Kind
	Required bool
	Max      int   // String/Text: maximum length in bytes; Int: maximum value
	Min      int64 // Int/Money: minimum value
	Enum     []string
	Default  any // the value on create when absent

	// ReadOnly fields are set by the server, never by a request.
	ReadOnly bool
	// Fixed fields are set on create and never change.
	Fixed bool
	// Ref names the module a Ref field points to.
	Ref string
	// SameCustomer Ref fields may only point to records of the record's
	// own customer (a ticket's asset and contact).
	SameCustomer bool
	// CallerDefault UserRef fields default to the caller on create.
	CallerDefault bool
	// Search fields are matched by ?q= and by global search.
	Search bool
	// Sort fields order lists (asc or desc, then by id); each has an index
	// leading with the account, and one leading with account and customer.
	Sort bool
	// Filter fields (enums) narrow lists to one value: ?status=open.
	Filter bool
	// FromParent fields are copied on create from the same column of the
	// CustomerFrom record (a payment takes its invoice's currency).
	FromParent bool
	// Restrict on a parent Ref refuses deleting the parent while records
	// point to it (an invoice with payments).
	Restrict bool
	// Percent Int fields hold a rate in basis points: 825 is 8.25 %.
	Percent bool
}

// Module is one kind of record.
type Module struct {
	Key   string // URL segment: /api/v1/<Key>
	Table string
	Noun  string // singular, for messages: "asset"
	Area  string // catalog area

	Ownership Ownership
	// CustomerFrom names a Ref field whose record gives this record its
	// customer (a time log takes its ticket's customer); the request then
	// carries no customer_id.
	CustomerFrom string

	// Order is the text column lists are sorted by by default, then id;
	// empty sorts newest first by id. It is always a sort key.
	Order string
	// Title is the column shown as the record's name in search results.
	Title string

	// ViewPerms each let a caller read every record of the customers they
	// are granted on. OwnPerms let a caller read only their own records
	// (those whose OwnerField is the caller) of the customers they are
	// granted on. List routes accept any of them.
	ViewPerms []string
	OwnPerms  []string
	// OwnerField is the UserRef field that makes a record someone's own.
	OwnerField string

	// Create, Edit and Delete are the permissions of each change; empty
	// means the module has no such route.
	Create, Edit, Delete string
	// EditOwn and DeleteOwn change and delete only one's own records (of
	// the customers they are granted on): set for every module whose
	// records have an owner (see finish).
	EditOwn, DeleteOwn string

	Fields []Field

	// Lines: the record carries line items and computed totals.
	Lines bool
	// Secret: the record carries an encrypted secret, never listed.
	Secret bool
	// Check validates rules across fields, after the per-field checks.
	Check func(Values) error
	// Open lists the values of the "status" field that count as open
	// work (tickets, alerts); empty: the module has no such notion.
	Open []string
}

// Values holds a record's field values by field name: string for the
// text kinds, int64 for Int, Money, Ref and UserRef (0: none), bool, and
// time.Time for Time (zero: none).
type Values map[string]any

// Record is one stored record.
type Record struct {
	ID         int64
	CustomerID int64 // 0: no customer (shared library or account-level)
	Values     Values
	Lines      []Line // Lines modules only
	HasSecret  bool   // Secret modules only
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Owner is the record's owning user, for own-record visibility.
func (r Record) Owner(m *Module) int64 {
	if m.OwnerField == "" {
		return 0
	}
	v, _ := r.Values[m.OwnerField].(int64)
	return v
}

// Field finds a field by name.
func (m *Module) Field(name string) (Field, bool) {
	for _, f := range m.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// AllViewPerms is every permission that shows at least some records.
func (m *Module) AllViewPerms() []string {
	return append(append([]string(nil), m.ViewPerms...), m.OwnPerms...)
}

// HasCustomerInput reports whether requests name the customer directly.
func (m *Module) HasCustomerInput() bool { return m.CustomerFrom == "" }

var modules []*Module

// All returns every module in display order. Callers must not modify it.
func All() []*Module { return modules }

// Lookup finds a module by key.
func Lookup(key string) (*Module, bool) {
	for _, m := range modules {
		if m.Key == key {
			return m, true
		}
	}
	return nil, false
}

// MustLookup is Lookup for keys written in code.
func MustLookup(key string) *Module {
	m, ok := Lookup(key)
	if !ok {
		panic("records: unknown module " + key)
	}
	return m
}

func init() {
	modules = definitions()
	for _, m := range modules {
		for _, p := range append(m.AllViewPerms(), m.Create, m.Edit, m.Delete) {
			if p == "" {
				continue
			}
			perm := catalog.MustLookup(p)
			if !perm.CustomerScoped() {
				panic("records: " + p + " is not a customer-scoped permission")
			}
		}
		if m.OwnerField != "" {
			if f, ok := m.Field(m.OwnerField); !ok || f.Kind != UserRef {
				panic("records: " + m.Key + " owner field must be a UserRef")
			}
		}
		if m.CustomerFrom != "" {
			if f, ok := m.Field(m.CustomerFrom); !ok || f.Kind != Ref || !f.Required || !f.Fixed {
				panic("records: " + m.Key + " customer must come from a required, fixed Ref")
			}
		}
		for _, f := range m.Fields {
			if f.Kind == Ref {
				MustLookup(f.Ref)
			}
		}
		checkListing(m)
	}
}
