// Package catalog is the one list of permissions Gatehouse knows: areas,
// their actions, labels and UI categories, and whether an area's records
// belong to customers. Everything else refers to permissions through it.
package catalog

import "strings"

// Perm is a permission's dense index in the catalog. The decision engine
// indexes arrays by it, so checks never hash a string.
type Perm uint16

// Action is one thing that can be done in an area.
type Action struct {
	Key   string `json:"key" example:"view"`
	Label string `json:"label" example:"View"`
}

// Area groups the actions on one kind of record.
type Area struct {
	Key      string `json:"key" example:"assets"`
	Label    string `json:"label" example:"Assets"`
	Category string `json:"category" example:"Operations"`
	// CustomerScoped areas hold records that belong to customers; a
	// select-customers group limits them. Account-wide areas (users,
	// settings, products…) are honoured only from all-customers groups.
	CustomerScoped bool     `json:"customer_scoped" example:"true"`
	Actions        []Action `json:"actions"`
}

// Permission is one area.action key with what the UI needs to show it.
type Permission struct {
	Key            string `json:"key" example:"assets.view"`
	Area           string `json:"area" example:"assets"`
	Action         string `json:"action" example:"view"`
	Label          string `json:"label" example:"View assets"`
	Category       string `json:"category" example:"Operations"`
	CustomerScoped bool   `json:"customer_scoped" example:"true"`
	// Sensitive permissions reveal secrets, run code on customers'
	// machines, destroy records or change who may do what: granting them
	// is flagged, and using them needs a recent second factor.
	Sensitive bool `json:"sensitive" example:"false"`
	Index     Perm `json:"-"`
}

var crud = []Action{{"view", "View"}, {"create", "Create"}, {"edit", "Edit"}, {"delete", "Delete"}}

func with(base []Action, more ...Action) []Action {
	return append(append([]Action(nil), base...), more...)
}

// own adds the own-record actions to the actions of an area whose records
// have an owner (a ticket's assignee, a time log's or an appointment's
// user, a document's author): viewing, editing and — where records can be
// deleted — deleting only one's own.
func own(base []Action, deletes bool) []Action {
	out := with(base, Action{"view_own", "View own"}, Action{"edit_own", "Edit own"})
	if deletes {
		out = append(out, Action{"delete_own", "Delete own"})
	}
	return out
}

// Category names, in the order the permission tree shows them.
const (
	CatCustomers     = "Customers"
	CatRMM           = "Devices & automation"
	CatServiceDesk   = "Service desk"
	CatDocumentation = "Documentation"
	CatBilling       = "Billing"
	CatSales         = "Sales & marketing"
	CatReporting     = "Reporting"
	CatAdmin         = "Administration"
)

var areas = []Area{
	{"customers", "Customers", CatCustomers, true, crud},
	{"contacts", "Contacts", CatCustomers, true, crud},

	{"assets", "Assets", CatRMM, true, with(crud, Action{"remote_access", "Remote access"})},
	{"alerts", "RMM alerts", CatRMM, true, []Action{{"view", "View"}, {"manage", "Clear and manage"}}},
	{"scripts", "Scripts", CatRMM, true, with(crud, Action{"run", "Run"})},
	{"script_runs", "Script runs", CatRMM, true, []Action{{"view_output", "View output"}}},
	{"policies", "Policies", CatRMM, true, with(crud, Action{"assign", "Assign"})},
	{"patches", "Patch management", CatRMM, true, []Action{{"view", "View"}, {"approve", "Approve"}}},
	{"backups", "Backups", CatRMM, true, []Action{{"view", "View"}, {"manage", "Manage"}}},

	{"tickets", "Tickets", CatServiceDesk, true, own([]Action{{"view", "View all"}, {"create", "Create"}, {"edit", "Edit"}, {"delete", "Delete"}}, true)},
	{"timelogs", "Time logs", CatServiceDesk, true, own([]Action{{"view", "View all"}, {"manage", "Manage"}}, true)},
	{"appointments", "Calendar", CatServiceDesk, true, own([]Action{{"view_all", "View all appointments"}, {"create", "Create"}, {"edit", "Edit"}, {"delete", "Delete"}}, true)},
	{"chat", "Chat", CatServiceDesk, true, own([]Action{{"use", "Use"}, {"view_all", "View all conversations"}}, false)},
	{"projects", "Projects", CatServiceDesk, true, crud},

	{"documentation", "Documentation", CatDocumentation, true, own(crud, true)},
	{"credentials", "Credentials", CatDocumentation, true, []Action{{"view", "View"}, {"reveal", "Reveal secret"}, {"create", "Create"}, {"edit", "Edit"}, {"delete", "Delete"}}},

	{"invoices", "Invoices", CatBilling, true, crud},
	{"estimates", "Estimates", CatBilling, true, crud},
	{"payments", "Payments", CatBilling, true, []Action{{"view", "View"}, {"create", "Create"}}},
	{"contracts", "Contracts", CatBilling, true, crud},
	{"products", "Products", CatBilling, false, crud},
	{"vendors", "Vendors", CatBilling, false, crud},

	{"leads", "Leads", CatSales, true, with(crud, Action{"convert", "Convert to customer"})},
	{"mailer", "Mailer", CatSales, true, []Action{{"view", "View"}, {"create", "Create"}, {"send", "Send"}}},

	{"reports", "Reports", CatReporting, true, []Action{{"view", "View"}}},
	{"audit_log", "Audit log", CatReporting, true, []Action{{"view", "View"}}},

	{"users", "Users", CatAdmin, false, []Action{{"view", "View"}, {"manage", "Manage"}}},
	{"security_groups", "Security groups", CatAdmin, false, []Action{{"view", "View"}, {"manage", "Manage"}}},
	{"api_tokens", "API tokens", CatAdmin, false, []Action{{"manage", "Manage"}}},
	{"settings", "Account settings", CatAdmin, false, []Action{{"manage", "Manage"}}},
	// API clients are the credentials other tools (an RMM, a PSA, an API
	// gateway) use to ask the decision API; decisions.ask is what such a
	// client holds, and what an admin must hold to give it.
	{"api_clients", "API clients", CatAdmin, false, []Action{{"manage", "Manage"}}},
	{"decisions", "Decision API", CatAdmin, false, []Action{{"ask", "Ask who may do what"}}},
}

var (
	perms   []Permission
	byKey   map[string]Perm
	cats    []string
	areaIdx map[string]int
)

// sensitive are the permissions flagged beyond every delete.
var sensitive = map[string]bool{
	"credentials.reveal": true, "scripts.run": true, "scripts.create": true, "scripts.edit": true,
	"assets.remote_access": true, "users.manage": true, "security_groups.manage": true,
	"api_tokens.manage": true, "settings.manage": true, "api_clients.manage": true,
	// Asking reveals who may do what on every customer.
	"decisions.ask": true,
}

func init() {
	byKey = make(map[string]Perm)
	areaIdx = make(map[string]int)
	seenCat := make(map[string]bool)
	for i, a := range areas {
		areaIdx[a.Key] = i
		if !seenCat[a.Category] {
			seenCat[a.Category] = true
			cats = append(cats, a.Category)
		}
		for _, act := range a.Actions {
			p := Permission{
				Key:            a.Key + "." + act.Key,
				Area:           a.Key,
				Action:         act.Key,
				Label:          a.Label + ": " + act.Label,
				Category:       a.Category,
				CustomerScoped: a.CustomerScoped,
				Sensitive:      sensitive[a.Key+"."+act.Key] || act.Key == "delete",
				Index:          Perm(len(perms)),
			}
			if _, dup := byKey[p.Key]; dup {
				panic("catalog: duplicate permission " + p.Key)
			}
			byKey[p.Key] = p.Index
			perms = append(perms, p)
		}
	}
}

// Areas returns the areas in display order. Callers must not modify it.
func Areas() []Area { return areas }

// Categories returns the UI categories in display order.
func Categories() []string { return cats }

// All returns every permission in catalog order; Permission.Index equals
// the position. Callers must not modify it.
func All() []Permission { return perms }

// Len is the number of permissions.
func Len() int { return len(perms) }

// Lookup finds a permission by key ("assets.view").
func Lookup(key string) (Perm, bool) {
	p, ok := byKey[key]
	return p, ok
}

// MustLookup is Lookup for keys written in code; an unknown key is a
// programming error.
func MustLookup(key string) Perm {
	p, ok := byKey[key]
	if !ok {
		panic("catalog: unknown permission " + key)
	}
	return p
}

// Get returns the permission at index p.
func Get(p Perm) Permission { return perms[p] }

// Key returns the permission's key.
func (p Perm) Key() string { return perms[p].Key }

// CustomerScoped reports whether p's records belong to customers.
func (p Perm) CustomerScoped() bool { return perms[p].CustomerScoped }

// AreaOf returns the area of a permission key such as "assets.view".
func AreaOf(key string) (Area, bool) {
	name, _, _ := strings.Cut(key, ".")
	i, ok := areaIdx[name]
	if !ok {
		return Area{}, false
	}
	return areas[i], true
}

// AreaPerms returns the permissions of one area.
func AreaPerms(area string) []Perm {
	var out []Perm
	for _, p := range perms {
		if p.Area == area {
			out = append(out, p.Index)
		}
	}
	return out
}

// Sensitive reports whether the permission key is sensitive.
func Sensitive(key string) bool {
	p, ok := byKey[key]
	return ok && perms[p].Sensitive
}
