package access

import "gatehouse/internal/catalog"

// Restrict returns grants holding only the permissions in keep, each over
// no more than g holds it: what an API token limited to those permissions
// may do. The result is never a global admin, since a global admin's
// implicit grants are exactly what a limit takes away. Because it starts
// from g, a limit can never add what the owner lost since the token was
// made.
func (g *Grants) Restrict(keep []catalog.Perm) *Grants {
	if g == nil {
		return nil
	}
	out := &Grants{userID: g.userID, active: g.active, validUntil: g.validUntil,
		perms: make([]set, len(g.perms)), groups: g.groups, expired: g.expired}
	for _, p := range keep {
		if int(p) < len(g.perms) {
			out.perms[p] = g.perms[p]
		}
	}
	return out
}
