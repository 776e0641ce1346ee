package records

import (
	"slices"
	"strings"

	"gatehouse/internal/catalog"
)

// The decision API asks whether a caller may do an action on one record.
// ActionRule answers with the reaches the JSON API's route for that
// action holds the record to, so the two cannot disagree.

// ActionRule is where a caller may do one action on a module's records: a
// record must be in every reach and, when Also is set, pass it.
type ActionRule struct {
	Reaches []Reach
	Also    func(customer int64) bool
}

// Allows reports whether a record of customer owned by owner passes.
func (r ActionRule) Allows(customer, owner int64) bool {
	for _, reach := range r.Reaches {
		if !reach.Allows(customer, owner) {
			return false
		}
	}
	return r.Also == nil || r.Also(customer)
}

// Operations are the actions every module's generic routes serve.
var Operations = []string{"view", "create", "edit", "delete"}

// RuleFor returns the rule for action on m's records, for caller g. The
// action is an operation — view, create, edit, delete, with the reaches
// of the module's generic routes (create asks whether a record of the
// same customer could be created) — or an action of the module's area
// ("run", "reveal", "view_own") or a permission key ("scripts.run"),
// which hold literally: an own permission reaches the caller's own
// records of the customers it is held on, a reading permission its
// customers (and the shared library), and any other permission the
// records the caller sees and holds it on, with the cross-record rules
// of the routes that use it. ok is false when the action means nothing
// for m.
func RuleFor(m *Module, g Grants, action string) (ActionRule, bool) {
	key := action
	if !strings.Contains(action, ".") {
		if r, ok := operation(m, g, action); ok {
			return r, true
		}
		key = m.Area + "." + action
	}
	p, found := catalog.Lookup(key)
	if !found || !p.CustomerScoped() {
		return ActionRule{}, false
	}
	switch {
	case slices.Contains(m.OwnPerms, key) || strings.HasSuffix(key, "_own"):
		return ActionRule{Reaches: []Reach{{Own: g.Scope(p), OwnerID: g.UserID()}}}, true
	case slices.Contains(m.ViewPerms, key):
		return ActionRule{Reaches: []Reach{UseReach(m, g, key)}}, true
	case m.Key == "assets" && key == "scripts.run":
		// A script runs on an asset the caller may run scripts on.
		return ActionRule{Reaches: []Reach{PermReach(m, g, key)}}, true
	case key == "credentials.reveal":
		return ActionRule{Reaches: []Reach{ViewReach(m, g), UseReach(m, g, key)}}, true
	case key == "leads.convert":
		return ActionRule{Reaches: []Reach{ViewReach(m, g), PermReach(m, g, key)},
			Also: func(customer int64) bool { return CheckLeadConversion(g, customer) == nil }}, true
	}
	return ActionRule{Reaches: []Reach{ViewReach(m, g), PermReach(m, g, key)}}, true
}

// operation is the rule of one of the generic routes: reading a record,
// creating one for its customer, changing or deleting it.
func operation(m *Module, g Grants, op string) (ActionRule, bool) {
	switch {
	case op == "view":
		return ActionRule{Reaches: []Reach{ViewReach(m, g)}}, true
	case op == "create" && m.Create != "":
		return ActionRule{Reaches: []Reach{PermReach(m, g, m.Create)}}, true
	case op == "edit" && m.Edit != "":
		return ActionRule{Reaches: []Reach{ViewReach(m, g), EditReach(m, g)}}, true
	case op == "delete" && m.Delete != "":
		return ActionRule{Reaches: []Reach{ViewReach(m, g), DeleteReach(m, g)}}, true
	}
	return ActionRule{}, false
}

// Actions are the action names an action search tries on m's records:
// the operations it serves and the other actions of its area, leaving
// out the ways of reading (view_all, view_own…) and own permissions,
// which are grants of an operation rather than actions of their own.
func Actions(m *Module) []string {
	out := []string{"view"}
	for op, perm := range map[string]string{"create": m.Create, "edit": m.Edit, "delete": m.Delete} {
		if perm != "" {
			out = append(out, op)
		}
	}
	slices.SortFunc(out[1:], func(a, b string) int { return slices.Index(Operations, a) - slices.Index(Operations, b) })
	if m.CustomerFrom != "" {
		return out // a child record's area belongs to its parent module
	}
	for _, p := range catalog.AreaPerms(m.Area) {
		perm := catalog.Get(p)
		a := perm.Action
		if slices.Contains(Operations, a) || strings.HasPrefix(a, "view") || strings.HasSuffix(a, "_own") ||
			slices.Contains(m.OwnPerms, perm.Key) || perm.Key == m.Create || perm.Key == m.Edit || perm.Key == m.Delete {
			continue
		}
		out = append(out, a)
	}
	return out
}
