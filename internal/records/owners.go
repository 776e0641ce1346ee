package records

import (
	"slices"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
)

// What every module shares, added to each description in one place.

// ExternalID is how another tool names a record: its own id, optional and
// unique among the module's records of the account. The decision API
// finds records by it for a tool that names things so.
const ExternalID = "external_id"

var externalIDField = Field{Name: ExternalID, Kind: String, Max: 200}

// finish gives every module an external id, and every module whose
// records have an owner its own-record permissions: view_own among the
// ways to read it, edit_own and delete_own beside its edit and delete.
// The catalog lists those actions for the module's area; a module with
// an owner and an area without them is a programming error.
func finish(ms []*Module) []*Module {
	for _, m := range ms {
		m.Fields = append(m.Fields, externalIDField)
		if m.OwnerField == "" {
			continue
		}
		if key := m.Area + ".view_own"; !slices.Contains(m.OwnPerms, key) {
			catalog.MustLookup(key)
			m.OwnPerms = append(m.OwnPerms, key)
		}
		if m.Edit != "" {
			m.EditOwn = m.Area + ".edit_own"
			catalog.MustLookup(m.EditOwn)
		}
		if m.Delete != "" {
			m.DeleteOwn = m.Area + ".delete_own"
			catalog.MustLookup(m.DeleteOwn)
		}
	}
	return ms
}

// EditReach is where a caller may change m's records: the customers its
// edit permission reaches, and — with edit_own — the caller's own records
// of the customers that is granted on. A change also needs the record in
// ViewReach: no one edits what they cannot see.
func EditReach(m *Module, g Grants) Reach { return changeReach(m, g, m.Edit, m.EditOwn) }

// DeleteReach is EditReach for deleting.
func DeleteReach(m *Module, g Grants) Reach { return changeReach(m, g, m.Delete, m.DeleteOwn) }

func changeReach(m *Module, g Grants, perm, own string) Reach {
	var r Reach
	if perm != "" {
		r = PermReach(m, g, perm)
	}
	if own == "" {
		return r
	}
	scope := g.Scope(catalog.MustLookup(own))
	if scope.Empty() {
		return r
	}
	r.Own, r.OwnerID = access.Union(r.Own, scope), g.UserID()
	if !r.OwnersLimited {
		// An own-record grant changes records that stay one's own: handing
		// one to someone else needs the permission itself on its customer.
		r.OwnersLimited, r.AnyOwner = true, r.Customers
	}
	return r
}
