package records

import "gatehouse/internal/access"

// IDSort is the sort key of every module without an Order column: newest
// first by default.
const IDSort = "id"

// DefaultSort is the order a list takes when the caller names none: the
// Order column ascending, or newest first.
func (m *Module) DefaultSort() (key string, desc bool) {
	if m.Order != "" {
		return m.Order, false
	}
	return IDSort, true
}

// SortKeys are the keys a list of m can be ordered by, the default first.
func (m *Module) SortKeys() []string {
	key, _ := m.DefaultSort()
	keys := []string{key}
	for _, f := range m.Fields {
		if f.Sort && f.Name != m.Order {
			keys = append(keys, f.Name)
		}
	}
	return keys
}

// SortField describes a sort key: a field, or the id of modules without
// an Order column.
func (m *Module) SortField(key string) (Field, bool) {
	if m.Order == "" && key == IDSort {
		return Field{Name: IDSort, Kind: Int}, true
	}
	f, ok := m.Field(key)
	if !ok || (!f.Sort && f.Name != m.Order) {
		return Field{}, false
	}
	return f, true
}

// FilterFields are the fields a list of m can be narrowed by to one value.
func (m *Module) FilterFields() []Field {
	var out []Field
	for _, f := range m.Fields {
		if f.Filter {
			out = append(out, f)
		}
	}
	return out
}

// SearchFields are the columns ?q= and global search match, the Order
// column first.
func (m *Module) SearchFields() []string {
	var cols []string
	if m.Order != "" {
		cols = append(cols, m.Order)
	}
	for _, f := range m.Fields {
		if f.Search && f.Name != m.Order {
			cols = append(cols, f.Name)
		}
	}
	return cols
}

// TextSort reports whether a sort key's values are text (else integers:
// numbers, money, and times as Unix milliseconds).
func (f Field) TextSort() bool {
	switch f.Kind {
	case Int, Money, Time, Bool, Ref, UserRef:
		return false
	}
	return true
}

// ForCustomer narrows r to the records of one customer: a list filtered
// by customer. A customer outside r leaves a reach of nothing.
func (r Reach) ForCustomer(customer int64) Reach {
	only := func(s access.Scope) access.Scope {
		if s.Contains(customer) {
			return access.Only(customer)
		}
		return access.Only()
	}
	return Reach{Customers: only(r.Customers), Own: only(r.Own), OwnerID: r.OwnerID}
}

// checkListing panics on a module whose list description the store
// could not serve: sort keys must be NOT NULL scalar columns, filters
// enums.
func checkListing(m *Module) {
	for _, f := range m.Fields {
		if f.Sort {
			switch f.Kind {
			case Text, JSONDoc, Ref, UserRef, Bool:
				panic("records: " + m.Key + "." + f.Name + " cannot be a sort key")
			case Time:
				if !f.Required {
					panic("records: " + m.Key + "." + f.Name + " may be empty: it cannot be a sort key")
				}
			}
		}
		if f.Filter && f.Kind != Enum {
			panic("records: " + m.Key + "." + f.Name + " filters must be enums")
		}
	}
}
