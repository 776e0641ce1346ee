package usecase

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// Impact is who gains and who loses what through a change: the
// difference in effective access of every user of the account, before
// and after.
type Impact struct {
	Users []UserImpact
	// Warnings point out a change that is allowed but likely a mistake.
	Warnings []string
}

// UserImpact is one user's side of a change.
type UserImpact struct {
	User  gatehouse.User
	Gains []Reach // permissions the user gains, with where
	Loses []Reach // permissions the user loses, with where
	// BecomesAdmin and StopsBeingAdmin flag a global-admin change, which
	// reaches everything at once.
	BecomesAdmin, StopsBeingAdmin bool
	// LosesAll says the user is left with no permission at all.
	LosesAll bool
}

// Reach is a permission over some customers. Scope holds only customers
// the viewer may see; Hidden says the change also reaches customers the
// viewer may not see, which are counted but never named.
type Reach struct {
	Permission string
	Scope      access.Scope
	Hidden     bool
}

// Empty reports whether the change moves nobody's access and warns of
// nothing.
func (imp Impact) Empty() bool { return len(imp.Users) == 0 && len(imp.Warnings) == 0 }

// diffAccess compiles every user before and after and keeps those whose
// access moved. Customer lists are cut to what the caller may see.
func diffAccess(c *authz.Caller, before, after []gatehouse.AccountSubject, now time.Time) Impact {
	visible := c.Grants.Scope(permCustomersView)
	old := make(map[int64]*access.Grants, len(before))
	for _, sub := range before {
		old[sub.User.ID] = access.Compile(sub.Subject, now)
	}
	seen := map[int64]bool{}
	var imp Impact
	add := func(u gatehouse.User, b, a *access.Grants) {
		ui := UserImpact{User: u, BecomesAdmin: !b.GlobalAdmin() && a.GlobalAdmin() && a.Active(),
			StopsBeingAdmin: b.GlobalAdmin() && b.Active() && !(a.GlobalAdmin() && a.Active()),
			LosesAll:        len(b.Effective()) > 0 && len(a.Effective()) == 0}
		for _, p := range catalog.All() {
			was, is := b.Scope(p.Index), a.Scope(p.Index)
			if g := reachOf(p, access.Minus(is, was), visible); g != nil {
				ui.Gains = append(ui.Gains, *g)
			}
			if l := reachOf(p, access.Minus(was, is), visible); l != nil {
				ui.Loses = append(ui.Loses, *l)
			}
		}
		if len(ui.Gains)+len(ui.Loses) > 0 || ui.BecomesAdmin || ui.StopsBeingAdmin {
			imp.Users = append(imp.Users, ui)
		}
	}
	for _, sub := range after {
		seen[sub.User.ID] = true
		add(sub.User, old[sub.User.ID], access.Compile(sub.Subject, now))
	}
	for _, sub := range before {
		if !seen[sub.User.ID] { // deleted by the change
			add(sub.User, old[sub.User.ID], nil)
		}
	}
	sort.Slice(imp.Users, func(i, j int) bool { return imp.Users[i].User.Email < imp.Users[j].User.Email })
	return imp
}

// reachOf is the part of moved the viewer may see, or nil if nothing moved.
func reachOf(p catalog.Permission, moved, visible access.Scope) *Reach {
	if moved.Empty() {
		return nil
	}
	if !p.CustomerScoped {
		return &Reach{Permission: p.Key, Scope: access.All()}
	}
	shown := access.Intersect(moved, visible)
	return &Reach{Permission: p.Key, Scope: shown, Hidden: !shown.Equal(moved)}
}

// Summary says the change in a sentence: "2 users gain access to 7
// customers, among them credentials.reveal; 1 user loses access".
func (imp Impact) Summary() string {
	if imp.Empty() {
		return "Nobody's access changes."
	}
	var parts []string
	if n, customers, sensitive := imp.side(func(u UserImpact) []Reach { return u.Gains }); n > 0 {
		parts = append(parts, fmt.Sprintf("%s %s access%s%s", users(n), plural(n, "gains", "gain"), customers, among(sensitive)))
	}
	if n, customers, sensitive := imp.side(func(u UserImpact) []Reach { return u.Loses }); n > 0 {
		parts = append(parts, fmt.Sprintf("%s %s access%s%s", users(n), plural(n, "loses", "lose"), customers, among(sensitive)))
	}
	for _, u := range imp.Users {
		if u.BecomesAdmin {
			parts = append(parts, u.User.Email+" becomes a global admin: every permission on every customer")
		}
		if u.StopsBeingAdmin {
			parts = append(parts, u.User.Email+" stops being a global admin")
		}
	}
	return strings.Join(parts, "; ") + "."
}

// side counts the users with a change on one side, the customers it
// reaches and the sensitive permissions among it.
func (imp Impact) side(of func(UserImpact) []Reach) (n int, customers string, sensitive []string) {
	var union access.Scope
	hidden := false
	seen := map[string]bool{}
	for _, u := range imp.Users {
		rs := of(u)
		if len(rs) == 0 {
			continue
		}
		n++
		for _, r := range rs {
			if p := catalog.Get(catalog.MustLookup(r.Permission)); p.CustomerScoped {
				union = access.Union(union, r.Scope)
				hidden = hidden || r.Hidden
			}
			if catalog.Sensitive(r.Permission) && !seen[r.Permission] {
				seen[r.Permission] = true
				sensitive = append(sensitive, r.Permission)
			}
		}
	}
	switch {
	case union.Kind == access.ScopeAll:
		customers = " to all customers"
	case union.Kind == access.ScopeAllExcept:
		customers = fmt.Sprintf(" to all customers but %d", len(union.IDs))
	case len(union.IDs) > 0:
		customers = fmt.Sprintf(" to %d %s", len(union.IDs), plural(len(union.IDs), "customer", "customers"))
	}
	if hidden {
		customers += " (and customers you cannot see)"
	}
	return n, customers, sensitive
}

func among(sensitive []string) string {
	if len(sensitive) == 0 {
		return ""
	}
	return ", among them " + strings.Join(sensitive, ", ")
}

func users(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "user", "users")) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Digest identifies an impact: two previews of the same change digest
// alike, and a change whose effect moved since its preview does not.
func (imp Impact) Digest() string {
	h := sha256.New()
	for _, u := range imp.Users {
		fmt.Fprintf(h, "u%d|%t|%t\n", u.User.ID, u.BecomesAdmin, u.StopsBeingAdmin)
		for _, side := range [][]Reach{u.Gains, u.Loses} {
			for _, r := range side {
				fmt.Fprintf(h, "%s|%d|%v|%t;", r.Permission, r.Scope.Kind, r.Scope.IDs, r.Hidden)
			}
			h.Write([]byte{'\n'})
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// destructiveInSelect warns of a select-customers group — a client's
// staff, typically — holding permissions that destroy records or reach
// secrets and machines.
func destructiveInSelect(g gatehouse.SecurityGroup) []string {
	if g.AccessType != gatehouse.SelectCustomers {
		return nil
	}
	var risky []string
	for _, k := range g.Permissions {
		if catalog.Sensitive(k) {
			risky = append(risky, k)
		}
	}
	if len(risky) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%q is a select-customers group and grants destructive or sensitive permissions: %s. "+
		"Make sure its members should hold them.", g.Name, strings.Join(risky, ", "))}
}

// mootSelect warns when a user's all-customers groups already grant what
// one of their select-customers groups grants: the select list then
// limits nothing.
func mootSelect(email string, groups []gatehouse.SecurityGroup) []string {
	wide := map[string]bool{}
	for _, g := range groups {
		if g.AccessType == gatehouse.AllCustomers {
			for _, k := range g.Permissions {
				wide[k] = true
			}
		}
	}
	var out []string
	for _, g := range groups {
		if g.AccessType != gatehouse.SelectCustomers {
			continue
		}
		var moot []string
		for _, k := range g.Permissions {
			if wide[k] {
				moot = append(moot, k)
			}
		}
		if len(moot) > 0 {
			out = append(out, fmt.Sprintf("%s is also in an all-customers group, so %q's customer list limits nothing for %s.",
				email, g.Name, strings.Join(moot, ", ")))
		}
	}
	return out
}
