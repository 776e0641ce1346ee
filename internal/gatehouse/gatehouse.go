package gatehouse

import (
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
)

// Account is one MSP: a tenant. Every other row belongs to exactly one.
type Account struct {
	ID              int64
	Name            string
	Slug            string // names the account at sign-in
	SecurityVersion int64  // bumped by every security change
	CreatedAt       time.Time
}

// User is a person who signs in to an account.
type User struct {
	ID           int64
	AccountID    int64
	Email        string
	Name         string
	PasswordHash string
	GlobalAdmin  bool
	Disabled     bool
	// ExternalID is how another tool names the user (its own id); empty:
	// none. Unique in the account.
	ExternalID string
	GroupIDs   []int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// UserCreate is a new user. GroupIDs nil means "the account's default
// groups"; an empty, non-nil slice means none.
type UserCreate struct {
	Email        string
	Name         string
	PasswordHash string
	GlobalAdmin  bool
	Disabled     bool
	ExternalID   string
	GroupIDs     []int64
}

// UserUpdate changes only the fields that are set.
type UserUpdate struct {
	Email        *string
	Name         *string
	PasswordHash *string
	GlobalAdmin  *bool
	Disabled     *bool
	ExternalID   *string
	GroupIDs     *[]int64
}

// Customer is a client company of the MSP.
type Customer struct {
	ID           int64
	AccountID    int64
	Name         string
	Tags         []string
	Notes        string
	Email        string
	Phone        string
	Website      string
	AddressLine1 string
	AddressLine2 string
	City         string
	Region       string
	PostalCode   string
	Country      string
	// ExternalID is how another tool names the customer (its own id);
	// empty: none. Unique in the account.
	ExternalID string
	// ArchivedAt is when the customer was archived; zero: active.
	ArchivedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Archived reports whether the customer is archived.
func (c Customer) Archived() bool { return !c.ArchivedAt.IsZero() }

// CustomerFields are the editable fields, shared by create and update;
// a nil field is left as it is (or empty, on create).
type CustomerFields struct {
	Name         *string
	Tags         *[]string
	Notes        *string
	Email        *string
	Phone        *string
	Website      *string
	AddressLine1 *string
	AddressLine2 *string
	City         *string
	Region       *string
	PostalCode   *string
	Country      *string
	ExternalID   *string
}

// Apply copies the set fields onto c.
func (f CustomerFields) Apply(c *Customer) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Name, f.Name)
	set(&c.Notes, f.Notes)
	set(&c.Email, f.Email)
	set(&c.Phone, f.Phone)
	set(&c.Website, f.Website)
	set(&c.AddressLine1, f.AddressLine1)
	set(&c.AddressLine2, f.AddressLine2)
	set(&c.City, f.City)
	set(&c.Region, f.Region)
	set(&c.PostalCode, f.PostalCode)
	set(&c.Country, f.Country)
	set(&c.ExternalID, f.ExternalID)
	if f.Tags != nil {
		c.Tags = append([]string(nil), (*f.Tags)...)
	}
}

// AccessType is a security group's scope kind.
type AccessType string

const (
	AllCustomers    AccessType = "all_customers"
	SelectCustomers AccessType = "select_customers"
)

// Valid reports whether t is a known access type.
func (t AccessType) Valid() bool { return t == AllCustomers || t == SelectCustomers }

// SecurityGroup bundles permissions with the customers they apply to.
type SecurityGroup struct {
	ID          int64
	AccountID   int64
	Name        string
	Description string
	AccessType  AccessType
	CustomerIDs []int64 // select_customers only; empty means no customer
	Permissions []string
	IsDefault   bool // new users join it unless told otherwise
	UserCount   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupFields are a group's editable fields; nil is "unchanged".
type GroupFields struct {
	Name        *string
	Description *string
	AccessType  *AccessType
	CustomerIDs *[]int64
	Permissions *[]string
	IsDefault   *bool
}

// Apply copies the set fields onto g.
func (f GroupFields) Apply(g *SecurityGroup) {
	if f.Name != nil {
		g.Name = *f.Name
	}
	if f.Description != nil {
		g.Description = *f.Description
	}
	if f.AccessType != nil {
		g.AccessType = *f.AccessType
	}
	if f.CustomerIDs != nil {
		g.CustomerIDs = append([]int64(nil), (*f.CustomerIDs)...)
	}
	if f.Permissions != nil {
		g.Permissions = append([]string(nil), (*f.Permissions)...)
	}
	if f.IsDefault != nil {
		g.IsDefault = *f.IsDefault
	}
	if g.AccessType == AllCustomers {
		g.CustomerIDs = nil
	}
}

// Token is a bearer credential: a sign-in session or a personal API token.
// Only its hash is stored.
type Token struct {
	ID        int64
	AccountID int64
	UserID    int64
	Kind      string // "session" or "api"
	Name      string
	Hash      []byte
	// Permissions limits an API token to these of its owner's
	// permissions; nil is all of them (sessions are never limited).
	Permissions []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	LastUsedAt  time.Time
	// CreatedIP and UserAgent say where the token was opened from,
	// LastUsedIP where it was last used from.
	CreatedIP  string
	LastUsedIP string
	UserAgent  string
	// MFAAt is when its holder last presented a second factor (at
	// sign-in or a step-up); zero: never. MFAMethod says which.
	MFAAt     time.Time
	MFAMethod string
}

// APIClient is another tool's credential for the decision API: named,
// expiring, limited to its account and to the permissions it was given.
// Only its secret's hash is stored.
type APIClient struct {
	ID        int64
	AccountID int64
	Name      string
	// IDs says how the tool names users and records: by Gatehouse id
	// (IDsGatehouse) or by the external ids set on them (IDsExternal).
	// Emails name users either way.
	IDs         string
	Permissions []string
	// RateLimit is how many requests a second the client may make.
	RateLimit  int
	Hash       []byte
	CreatedBy  int64 // the user who made it; 0 once that user is gone
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
}

// How an API client names users and records.
const (
	IDsGatehouse = "gatehouse"
	IDsExternal  = "external"
)

// Token kinds.
const (
	TokenSession = "session"
	TokenAPI     = "api"
	// TokenClient marks a principal that is an API client, not a user.
	TokenClient = "client"
)

// Principal is who a valid token speaks for, with what the decision
// engine needs to know whether its compiled grants are still current.
type Principal struct {
	TokenID       int64
	TokenKind     string
	TokenLastUsed time.Time
	TokenLastIP   string
	// TokenPermissions is the token's own limit; nil: none.
	TokenPermissions []string
	AccountID        int64
	UserID           int64
	Email            string
	Name             string
	GlobalAdmin      bool
	SecurityVersion  int64
	// The session's and the user's second-factor state, and the
	// account's settings that judge it (see MFAState).
	MFAState
}

// Ref is a user or customer as the decision API finds it by one of its
// names: its id and its external id (empty: none).
type Ref struct {
	ID         int64
	ExternalID string
}

// ListFilter narrows, orders and pages a list. The module lists honour
// every field; other lists read Q, Cursor and Limit.
type ListFilter struct {
	Q      string // case-insensitive substring of the name (and email for users)
	Cursor string // opaque, from a previous page's NextCursor or PrevCursor
	Limit  int
	// Archived lists archived customers instead of active ones.
	Archived bool

	// Sort names a sort key of the module ("" its default order) and Desc
	// reverses it; ties are broken by id in the same direction.
	Sort string
	Desc bool
	// CustomerID keeps the records of one customer (within the caller's
	// reach: another customer's gives an empty list, never an error).
	CustomerID int64
	// Where keeps the records whose filterable field equals the value
	// (status, kind…).
	Where map[string]string
	// Total asks for the number of matching records, counted up to
	// TotalCap.
	Total bool
}

// ExportPage is the largest page a store reads: the page a CSV export
// streams with. The API's own page limit is smaller.
const ExportPage = 5_000

// TotalCap bounds a list's count: past it a list reports "at least".
const TotalCap = 1_000

// Page is one page of a list. PrevCursor is set when the page was
// reached by a cursor (there may be records before it).
type Page[T any] struct {
	Items      []T
	NextCursor string
	PrevCursor string
	// Total is the number of records matching the filter, when asked; if
	// TotalCapped, the count stopped at Total and there are more.
	Total       int
	TotalCapped bool
}

// AccessGroup is the decision engine's view of the group: its permissions
// paired with its resolved customer scope.
func (g SecurityGroup) AccessGroup() access.Group {
	ag := access.Group{ID: g.ID, Name: g.Name, Scope: access.All()}
	if g.AccessType != AllCustomers {
		ag.Scope = access.Only(g.CustomerIDs...)
	}
	for _, k := range g.Permissions {
		if p, ok := catalog.Lookup(k); ok {
			ag.Perms = append(ag.Perms, p)
		}
	}
	return ag
}

// AccountSubject is one user of an account with what the decision
// engine compiles for them.
type AccountSubject struct {
	User    User
	Subject access.Subject
}
