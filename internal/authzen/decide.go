package authzen

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/usecase"
)

// asker is one request of an API client: its account, the security
// version it is answered at, and the grants compiled so far.
type asker struct {
	s       *Server
	ctx     context.Context
	start   time.Time // when the request came in
	caller  *authz.Caller
	client  gatehouse.APIClient
	version int64
	// the grants compiled so far: the last user's, then a map
	lastUser   int64
	lastGrants *access.Grants
	grants     map[int64]*access.Grants
}

func (a *asker) account() int64 { return a.client.AccountID }

// settle fixes the security version the request is answered at: the
// newest this instance knows, or — when a context names an earlier
// answer's consistency token — at least that one, read from the store if
// this instance has not seen it yet.
func (a *asker) settle(contexts ...*reqContext) error {
	var want int64
	for _, c := range contexts {
		if c == nil || c.AtLeastAsFresh == nil {
			continue
		}
		v, err := parseToken(*c.AtLeastAsFresh, a.account())
		if err != nil {
			return err
		}
		want = max(want, v)
	}
	v, err := a.s.versions.AtLeast(a.ctx, a.account(), want)
	if err != nil {
		return err
	}
	if v < want {
		return gatehouse.Invalid("context.at_least_as_fresh", "this consistency token does not come from this account")
	}
	a.version = v
	return nil
}

// grantsOf is a user's compiled grants at the request's version, from
// the gate's cache.
func (a *asker) grantsOf(userID int64) (*access.Grants, error) {
	if a.lastGrants != nil && a.lastUser == userID {
		return a.lastGrants, nil
	}
	if g, ok := a.grants[userID]; ok {
		return g, nil
	}
	g, err := a.s.gate.Grants(a.ctx, a.account(), userID, a.version)
	if err != nil {
		return nil, err
	}
	if a.lastGrants != nil {
		if a.grants == nil {
			a.grants = map[int64]*access.Grants{}
		}
		a.grants[a.lastUser] = a.lastGrants
	}
	a.lastUser, a.lastGrants = userID, g
	return g, nil
}

// A target is a resource type: a customer, a user, or a module's records
// (named by the module's noun, spaces as underscores: "time_log").
type target struct {
	name   string
	area   string
	module *records.Module // nil for customers and users
}

var targets = func() map[string]*target {
	out := map[string]*target{
		"customer": {name: "customer", area: "customers"},
		"user":     {name: "user", area: "users"},
	}
	for _, m := range records.All() {
		n := strings.ReplaceAll(m.Noun, " ", "_")
		out[n] = &target{name: n, area: m.Area, module: m}
	}
	return out
}()

// resource is a resolved resource.
type resource struct {
	t        *target
	id       int64
	external string
	customer int64 // records: the record's customer (0: none); customers: the customer
	owner    int64 // records with an owner
}

// subjectOf resolves a subject to a user of the account; ok is false for
// anything that is not one (another type, an unknown id), which is
// denied, never an error.
func (a *asker) subjectOf(e *entity) (int64, bool, error) {
	if *e.Type != "user" {
		return 0, false, nil
	}
	ref, ok, err := a.user(*e.ID)
	return ref.ID, ok, err
}

// user finds a user by email, or by Gatehouse or external id as the
// client names things.
func (a *asker) user(name string) (gatehouse.Ref, bool, error) {
	id, ext, ok := a.parseName(name, true)
	if !ok {
		return gatehouse.Ref{}, false, nil
	}
	return a.s.dir.lookup(a.ctx, a.account(), a.version, kindUser, id, ext, a.s.store.UserRef)
}

// parseName reads a name as the client uses them: an email for a user;
// otherwise digits for a Gatehouse id, or an external id.
func (a *asker) parseName(name string, emails bool) (id int64, ext string, ok bool) {
	if emails && strings.Contains(name, "@") {
		return 0, name, true
	}
	if a.client.IDs == gatehouse.IDsExternal {
		return 0, name, name != ""
	}
	id, err := strconv.ParseInt(name, 10, 64)
	return id, "", err == nil && id > 0 && strings.Trim(name, "0123456789") == ""
}

// resourceOf resolves a resource; ok is false for an unknown type or id.
func (a *asker) resourceOf(e *entity) (resource, bool, error) {
	t := targets[*e.Type]
	if t == nil {
		return resource{}, false, nil
	}
	res := resource{t: t}
	switch {
	case t.module != nil:
		return a.record(t, *e.ID)
	case t.name == "user":
		ref, ok, err := a.user(*e.ID)
		res.id, res.external = ref.ID, ref.ExternalID
		return res, ok, err
	}
	id, ext, ok := a.parseName(*e.ID, false)
	if !ok {
		return res, false, nil
	}
	ref, ok, err := a.s.dir.lookup(a.ctx, a.account(), a.version, kindCustomer, id, ext, a.s.store.CustomerRef)
	res.id, res.external, res.customer = ref.ID, ref.ExternalID, ref.ID
	return res, ok, err
}

// record reads a module record (any of the account's: the reach rules
// decide afterwards) for its customer and owner.
func (a *asker) record(t *target, name string) (resource, bool, error) {
	res := resource{t: t}
	id, ext, ok := a.parseName(name, false)
	if !ok {
		return res, false, nil
	}
	rec, err := a.s.recordByName(a.ctx, a.account(), t.module, id, ext)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return res, false, nil
	}
	if err != nil {
		return res, false, err
	}
	res.id, res.customer, res.owner, res.external = rec.ID, rec.CustomerID, rec.Owner(t.module), rec.Values.Str(records.ExternalID)
	return res, true, nil
}

// recordByName reads a record by id, or by external id.
func (s *Server) recordByName(ctx context.Context, accountID int64, m *records.Module, id int64, ext string) (records.Record, error) {
	if ext != "" {
		return s.store.RecordByExternalID(ctx, accountID, m, ext)
	}
	return s.store.Record(ctx, accountID, m, id)
}

// decide is the decision: may the user holding g do the action on res?
// It asks the engine and the reach rules exactly as the JSON API does
// for the same route.
func (a *asker) decide(userID int64, g *access.Grants, act string, res resource) (bool, error) {
	switch {
	case !g.Active():
		return false, nil
	case res.t.module != nil:
		rule, ok := records.RuleFor(res.t.module, g, act)
		return ok && rule.Allows(res.customer, res.owner), nil
	case res.t.name == "user":
		return a.decideUser(g, act, res)
	}
	return decideCustomer(g, act, res.customer), nil
}

var permUsersManage = catalog.MustLookup("users.manage")

// decideCustomer: a customers action as the customer routes hold it (an
// edit or delete needs the customer in view too; creating needs the
// permission for all customers), and any other customer-scoped
// permission on the customer's records.
func decideCustomer(g *access.Grants, act string, customer int64) bool {
	p, ok := permission("customers", act)
	return ok && p.CustomerScoped() && usecase.CustomerAllows(g, p, customer)
}

// decideUser: viewing users, and managing one, which the delegated
// administration rule limits to users whose every grant one holds too.
func (a *asker) decideUser(g *access.Grants, act string, res resource) (bool, error) {
	p, ok := permission("users", act)
	if !ok || catalog.Get(p).Area != "users" || !g.Check(p, 0) {
		return false, nil
	}
	if p != permUsersManage {
		return true, nil
	}
	target, err := a.grantsOf(res.id)
	if err != nil {
		return false, err
	}
	return usecase.MayManage(g, target), nil
}

// permission reads an action of area, or a full permission key.
func permission(area, act string) (catalog.Perm, bool) {
	if strings.Contains(act, ".") {
		return catalog.Lookup(act)
	}
	return catalog.Lookup(area + "." + act)
}

// evaluate answers one complete evaluation; a subject or resource that
// names nothing is denied.
func (a *asker) evaluate(e *evaluation) (bool, error) {
	userID, ok, err := a.subjectOf(e.Subject)
	if err != nil || !ok {
		return false, err
	}
	res, ok, err := a.resourceOf(e.Resource)
	if err != nil || !ok {
		return false, err
	}
	g, err := a.grantsOf(userID)
	if err != nil {
		return false, err
	}
	return a.decide(userID, g, *e.Action.Name, res)
}
