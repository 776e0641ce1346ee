package records

import "time"

// Match narrows a sample of a module's records to fixed conditions, all
// of which apply. The store turns it into WHERE conditions with
// arguments; no part of it is SQL text.
type Match struct {
	// Customer: only this customer's records (a customer's hub). It
	// narrows the reach, never widens it.
	Customer int64
	// Ref and RefID: records whose Ref field Ref points to RefID (an
	// invoice's payments, a ticket's time logs).
	Ref   string
	RefID int64
	// Open: only records whose status is one of the module's Open values.
	Open bool
	// Between: records whose Time field Between lies in [From, To),
	// ordered by it.
	Between  string
	From, To time.Time
	// Newest orders newest first; otherwise by the module's order
	// column, or newest first when it has none.
	Newest bool
}

// Sample is the first records of a match and how many match in all.
type Sample struct {
	Items []Record
	Total int64
}

// Touches reports whether r reaches any record of customer: all of its
// records, or the caller's own.
func (r Reach) Touches(customer int64) bool {
	return r.Customers.Contains(customer) || (r.OwnerID != 0 && r.Own.Contains(customer))
}
