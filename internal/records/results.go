package records

import (
	"strconv"
	"time"
)

// Hit is one global-search result.
type Hit struct {
	Module     string // module key, or "customers"
	ID         int64
	CustomerID int64
	Title      string
}

// Note is a comment on a ticket or a message in a chat.
type Note struct {
	ID        int64
	ParentID  int64
	AuthorID  int64 // 0: the author's user is gone
	Body      string
	CreatedAt time.Time
}

// NoteKind is a kind of note and the module of its parent.
type NoteKind struct {
	Table  string
	Parent string // module key
	Noun   string
	// Write is the permission that adds a note, on the parent's customer;
	// reading needs only the parent in view.
	Write string
}

var (
	TicketComments = NoteKind{Table: "ticket_comments", Parent: "tickets", Noun: "comment", Write: "tickets.edit"}
	ChatMessages   = NoteKind{Table: "chat_messages", Parent: "chats", Noun: "message", Write: "chat.use"}
)

// NoteKinds are every kind of note.
func NoteKinds() []NoteKind { return []NoteKind{TicketComments, ChatMessages} }

// Recipient is a contact a campaign reaches.
type Recipient struct {
	ContactID  int64
	CustomerID int64
	Name       string
	Email      string
}

// Mail is one outbox message.
type Mail struct {
	ID        int64
	AccountID int64
	To        string
	ToName    string
	Subject   string
	Body      string
	Attempts  int
}

// Amount is a sum of money in one currency.
type Amount struct {
	Currency string
	Minor    int64
}

// CustomerSummary is one customer's line of the summary report. A figure
// is nil when the caller may not view that module for the customer.
type CustomerSummary struct {
	CustomerID  int64
	Name        string
	Counts      map[string]int64 // module key → records (open only, for alerts and tickets)
	Invoiced    []Amount         // non-void invoice totals, by currency
	Received    []Amount         // payments, by currency
	Outstanding []Amount         // invoiced minus received, by currency
}

// Input is a create or an update. On create Values start from the
// module's defaults; on update only the named values change.
type Input struct {
	CustomerID int64 // create only, when the module takes it from the request
	Values     Values
	Lines      *[]Line // Lines modules: replaces the lines when set
	// Seal encrypts a new secret for the record (Secret modules), given
	// the record's id and customer once they are known; nil keeps it.
	Seal func(id, customerID int64) ([]byte, error)
}

// SearchPart is one module searched with the caller's reach.
type SearchPart struct {
	Module *Module
	Reach  Reach
}

// SummaryCount is one per-customer count of the summary report: records
// of Module within Reach, optionally only those matching Where (a fixed
// condition written in code).
type SummaryCount struct {
	Module *Module
	Reach  Reach
	Where  string
}

// SecretAAD binds a sealed secret to its account, customer and record: a
// sealed value copied onto another record does not open there.
func SecretAAD(accountID, customerID, id int64) []byte {
	return []byte("gatehouse credential v1/" + strconv.FormatInt(accountID, 10) + "/" +
		strconv.FormatInt(customerID, 10) + "/" + strconv.FormatInt(id, 10))
}
