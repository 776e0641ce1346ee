package authzen

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/usecase"
)

// The three searches. Resource search answers from the store's list
// queries with the caller's reach as their filter — the same queries the
// JSON API's lists run — so it never scans records the subject cannot
// reach. Subject search tries every active user of the account; action
// search every action of the resource's type. Every result evaluates to
// true, and nothing that evaluates to true is left out.

type searchJSON struct {
	Page    *pageJSON      `json:"page,omitempty"`
	Context *answerContext `json:"context,omitempty"`
	Results []any          `json:"results"`
}

type pageJSON struct {
	NextToken string `json:"next_token"`
	Count     int    `json:"count"`
}

type entityJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type actionJSON struct {
	Name string `json:"name"`
}

// Page sizes of the searches.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// paging is a search's position: how many results to give and where the
// last page stopped (the store's cursor, or the last user id), bound to
// the request it was made for.
type paging struct {
	limit  int
	phase  byte
	cursor string
	bind   []byte
	asked  bool // the request had a page member
}

// pageOf reads the request's page: a token must come back with a request
// identical in everything else, limit included.
func (a *asker) pageOf(kind string, req *searchRequest) (paging, error) {
	p := paging{limit: defaultLimit, asked: req.Page != nil}
	var token string
	if req.Page != nil {
		if req.Page.Limit != nil {
			if *req.Page.Limit < 1 {
				return p, gatehouse.Invalid("page.limit", "page.limit is a positive number")
			}
			p.limit = min(*req.Page.Limit, maxLimit)
		}
		if req.Page.Token != nil {
			token = *req.Page.Token
		}
	}
	p.bind = a.binding(kind, req, p.limit)
	if token == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < len(p.bind)+1 || string(raw[:len(p.bind)]) != string(p.bind) {
		return p, gatehouse.Invalid("page.token", "this page token belongs to another request: send the request it came with, unchanged")
	}
	p.phase, p.cursor = raw[len(p.bind)], string(raw[len(p.bind)+1:])
	return p, nil
}

// binding is what a page token is bound to: the client, the search and
// every input that shapes its results. Ids a search ignores (subject.id
// of a subject search, resource.id of a resource search) bind nothing.
func (a *asker) binding(kind string, req *searchRequest, limit int) []byte {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var b struct {
		Kind                           string
		Client                         int64
		Limit                          int
		SubjectType, SubjectID, Action string
		ResourceType, ResourceID       string
	}
	b.Kind, b.Client, b.Limit = kind, a.client.ID, limit
	if e := req.Subject; e != nil {
		b.SubjectType, b.SubjectID = str(e.Type), str(e.ID)
	}
	if req.Action != nil {
		b.Action = str(req.Action.Name)
	}
	if e := req.Resource; e != nil {
		b.ResourceType, b.ResourceID = str(e.Type), str(e.ID)
	}
	switch kind {
	case "subject":
		b.SubjectID = ""
	case "resource":
		b.ResourceID = ""
	}
	raw, _ := json.Marshal(b)
	sum := sha256.Sum256(raw)
	return sum[:12]
}

// next is the token of the page after one that stopped at cursor in phase.
func (p paging) next(phase byte, cursor string) string {
	raw := append(append(slices.Clone(p.bind), phase), cursor...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// answer writes a search's results with its page.
func (a *asker) answer(w http.ResponseWriter, p paging, results []any, next string) {
	out := searchJSON{Results: results, Context: a.answerContext()}
	if p.asked || next != "" {
		out.Page = &pageJSON{NextToken: next, Count: len(results)}
	}
	a.write(w, out)
}

func (s *Server) decodeSearch(w http.ResponseWriter, r *http.Request, a *asker, kind string) (*searchRequest, paging, error) {
	var req searchRequest
	if err := decode(w, r, &req); err != nil {
		return nil, paging{}, err
	}
	var err error
	switch kind {
	case "subject":
		err = firstErr(req.Subject.check("subject", false), req.Action.check(), req.Resource.check("resource", true))
	case "resource":
		err = firstErr(req.Subject.check("subject", true), req.Action.check(), req.Resource.check("resource", false))
	case "action":
		err = firstErr(req.Subject.check("subject", true), req.Resource.check("resource", true))
	}
	if err != nil {
		return nil, paging{}, err
	}
	if err := a.settle(req.Context); err != nil {
		return nil, paging{}, err
	}
	p, err := a.pageOf(kind, &req)
	return &req, p, err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// searchSubject lists the active users who may do the action on the
// resource, by user id.
func (s *Server) searchSubject(w http.ResponseWriter, r *http.Request, a *asker) error {
	req, p, err := s.decodeSearch(w, r, a, "subject")
	if err != nil {
		return err
	}
	results := []any{}
	res, ok, err := a.resourceOf(req.Resource)
	if err != nil || !ok || *req.Subject.Type != "user" {
		a.answer(w, p, results, "")
		return err
	}
	subjects, err := s.store.AccountSubjects(a.ctx, a.account())
	if err != nil {
		return err
	}
	slices.SortFunc(subjects, func(x, y gatehouse.AccountSubject) int { return int(x.User.ID - y.User.ID) })
	after, _ := strconv.ParseInt(p.cursor, 10, 64)
	now := s.now()
	for _, sub := range subjects {
		u := sub.User
		if u.ID <= after || u.Disabled {
			continue
		}
		ok, err := a.decide(u.ID, access.Compile(sub.Subject, now), *req.Action.Name, res)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		name, named := a.userName(u)
		if !named {
			continue
		}
		if len(results) == p.limit {
			a.answer(w, p, results, p.next(0, strconv.FormatInt(after, 10)))
			return nil
		}
		results = append(results, entityJSON{Type: "user", ID: name})
		after = u.ID
	}
	a.answer(w, p, results, "")
	return nil
}

// userName is how the client names a user: its Gatehouse id, or its
// external id. A client naming users by external ids is never given a
// user it has not named (one without an external id), just as it is
// never given a record without one.
func (a *asker) userName(u gatehouse.User) (string, bool) {
	return a.name(u.ID, u.ExternalID)
}

// name is how the client names a customer or record; ok is false for one
// it has no name for (no external id, for a client using them).
func (a *asker) name(id int64, external string) (string, bool) {
	if a.client.IDs != gatehouse.IDsExternal {
		return strconv.FormatInt(id, 10), true
	}
	return external, external != ""
}

// searchAction lists the actions the subject may do on the resource.
func (s *Server) searchAction(w http.ResponseWriter, r *http.Request, a *asker) error {
	req, p, err := s.decodeSearch(w, r, a, "action")
	if err != nil {
		return err
	}
	results := []any{}
	userID, ok, err := a.subjectOf(req.Subject)
	if err != nil || !ok {
		a.answer(w, p, results, "")
		return err
	}
	res, ok, err := a.resourceOf(req.Resource)
	if err != nil || !ok {
		a.answer(w, p, results, "")
		return err
	}
	g, err := a.grantsOf(userID)
	if err != nil {
		return err
	}
	for _, act := range actionsOf(res.t) {
		ok, err := a.decide(userID, g, act, res)
		if err != nil {
			return err
		}
		if ok {
			results = append(results, actionJSON{Name: act})
		}
	}
	a.answer(w, p, results, "")
	return nil
}

// actionsOf are the actions an action search tries on a resource type.
func actionsOf(t *target) []string {
	if t.module != nil {
		return records.Actions(t.module)
	}
	var out []string
	for _, p := range catalog.AreaPerms(t.area) {
		out = append(out, catalog.Get(p).Action)
	}
	return out
}

// maxStorePages bounds the store pages one resource search reads while
// skipping records a client using external ids cannot name.
const maxStorePages = 20

// searchResource lists the resources of a type the subject may do the
// action on, from the store's scoped list queries.
func (s *Server) searchResource(w http.ResponseWriter, r *http.Request, a *asker) error {
	req, p, err := s.decodeSearch(w, r, a, "resource")
	if err != nil {
		return err
	}
	userID, ok, err := a.subjectOf(req.Subject)
	t := targets[*req.Resource.Type]
	if err != nil || !ok || t == nil {
		a.answer(w, p, []any{}, "")
		return err
	}
	g, err := a.grantsOf(userID)
	if err != nil {
		return err
	}
	var l lister
	switch {
	case !g.Active():
		a.answer(w, p, []any{}, "")
		return nil
	case t.module != nil:
		l, ok = a.recordLister(t, g, *req.Action.Name)
	case t.name == "customer":
		l, ok = a.customerLister(g, *req.Action.Name)
	default:
		l, ok = a.userLister(g, *req.Action.Name)
	}
	if !ok {
		a.answer(w, p, []any{}, "")
		return nil
	}
	results, next, err := a.collect(t, p, l)
	if err != nil {
		return err
	}
	a.answer(w, p, results, next)
	return nil
}

// A lister reads one store page of a phase from a cursor: the ids found
// with their external ids, the next cursor ("" at the end of the phase),
// and how many phases it has.
type lister struct {
	phases int
	page   func(phase byte, cursor string, limit int) ([]found, string, error)
}

type found struct {
	id       int64
	external string
}

// collect fills one page of results, phase after phase, naming each
// resource as the client does.
func (a *asker) collect(t *target, p paging, l lister) ([]any, string, error) {
	results := []any{}
	phase, cursor := p.phase, p.cursor
	for reads := 0; int(phase) < l.phases; reads++ {
		if reads == maxStorePages {
			return results, p.next(phase, cursor), nil
		}
		items, next, err := l.page(phase, cursor, p.limit-len(results))
		if err != nil {
			return nil, "", err
		}
		for _, f := range items {
			if n, ok := a.name(f.id, f.external); ok {
				results = append(results, entityJSON{Type: t.name, ID: n})
			}
		}
		if next == "" {
			phase, cursor = phase+1, ""
		} else {
			cursor = next
		}
		if len(results) >= p.limit {
			if int(phase) >= l.phases {
				return results, "", nil
			}
			return results, p.next(phase, cursor), nil
		}
	}
	return results, "", nil
}

// recordLister reads the module's records within the action's reaches:
// the JSON API's list query.
func (a *asker) recordLister(t *target, g *access.Grants, act string) (lister, bool) {
	rule, ok := records.RuleFor(t.module, g, act)
	if !ok {
		return lister{}, false
	}
	return lister{phases: 1, page: func(_ byte, cursor string, limit int) ([]found, string, error) {
		pg, err := a.s.store.ListRecords(a.ctx, a.account(), t.module, gatehouse.ListFilter{Cursor: cursor, Limit: limit}, rule.Reaches...)
		if err != nil {
			return nil, "", err
		}
		out := make([]found, 0, len(pg.Items))
		for _, rec := range pg.Items {
			if rule.Also == nil || rule.Also(rec.CustomerID) {
				out = append(out, found{rec.ID, rec.Values.Str(records.ExternalID)})
			}
		}
		return out, pg.NextCursor, nil
	}}, true
}

// customerLister reads the customers in the action's scope: the active
// ones, then the archived ones (which only all-customers grants reach).
func (a *asker) customerLister(g *access.Grants, act string) (lister, bool) {
	p, ok := permission("customers", act)
	if !ok || !p.CustomerScoped() {
		return lister{}, false
	}
	scope := usecase.CustomerReach(g, p)
	return lister{phases: 2, page: func(phase byte, cursor string, limit int) ([]found, string, error) {
		pg, err := a.s.store.ListCustomers(a.ctx, a.account(), scope, gatehouse.ListFilter{Cursor: cursor, Limit: limit, Archived: phase == 1})
		if err != nil {
			return nil, "", err
		}
		out := make([]found, len(pg.Items))
		for i, c := range pg.Items {
			out[i] = found{c.ID, c.ExternalID}
		}
		return out, pg.NextCursor, nil
	}}, true
}

// userLister reads the account's users when the action is viewing them,
// or those the subject may manage.
func (a *asker) userLister(g *access.Grants, act string) (lister, bool) {
	p, ok := permission("users", act)
	if !ok || catalog.Get(p).Area != "users" || !g.Check(p, 0) {
		return lister{}, false
	}
	return lister{phases: 1, page: func(_ byte, cursor string, limit int) ([]found, string, error) {
		pg, err := a.s.store.ListUsers(a.ctx, a.account(), gatehouse.ListFilter{Cursor: cursor, Limit: limit})
		if err != nil {
			return nil, "", err
		}
		out := make([]found, 0, len(pg.Items))
		for _, u := range pg.Items {
			if p == permUsersManage {
				ok, err := a.decideUser(g, act, resource{id: u.ID})
				if err != nil {
					return nil, "", err
				}
				if !ok {
					continue
				}
			}
			out = append(out, found{u.ID, u.ExternalID})
		}
		return out, pg.NextCursor, nil
	}}, true
}
