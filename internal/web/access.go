package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/accessmap"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/csvexport"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// The pages that show and prove access: a user's effective access, the
// explain form, a customer's access review and the access map. Each one
// asks the same use case as the JSON API for its answer, so the pages and
// the API cannot disagree.

func (s *Server) accessRoutes() []Route {
	return []Route{
		{Pattern: "GET /users/{id}/access", Need: need("users.view"), handle: s.handleEffectiveAccess},
		{Pattern: "GET /access/explain", Need: need("users.view"), handle: s.handleExplain},
		{Pattern: "GET /customers/{id}/access", Need: need("users.view"), handle: s.handleAccessReview},
		{Pattern: "GET /customers/{id}/access.csv", Need: need("users.view"), handle: s.handleAccessReviewCSV},
		{Pattern: "GET /access/map", Need: need("users.view"), handle: s.handleAccessMap},
		{Pattern: "GET /access/map.svg", Need: need("users.view"), handle: s.handleAccessMapSVG},
		{Pattern: "GET /audit", Need: need("audit_log.view"), handle: s.handleAudit},
		{Pattern: "GET /audit.csv", Need: need("audit_log.view"), handle: s.handleAuditCSV},
	}
}

var permUsersView = catalog.MustLookup("users.view")

// permLabel names a permission for people: "Assets: View".
func permLabel(key string) string {
	p, ok := catalog.Lookup(key)
	if !ok {
		return key
	}
	perm := catalog.Get(p)
	if a, ok := catalog.AreaOf(key); ok {
		for _, act := range a.Actions {
			if act.Key == perm.Action {
				return a.Label + ": " + act.Label
			}
		}
		return a.Label + ": " + perm.Action
	}
	return key
}

// groupLink is a group shown on a page, linked when the viewer may open it.
type groupLink struct {
	ID   int64
	Name string
	Link bool
}

func groupLinks(c *authz.Caller, refs []access.GroupRef) []groupLink {
	link := c.Grants.Holds(permGroupsView)
	out := make([]groupLink, 0, len(refs))
	for _, g := range refs {
		out = append(out, groupLink{ID: g.ID, Name: g.Name, Link: link})
	}
	return out
}

// customerNamer names customers the caller may see; others show as a
// number, which the API shows too.
func (s *Server) customerNamer(ctx context.Context, c *authz.Caller, ids []int64) (func(int64) string, error) {
	visible := c.Grants.Scope(permCustomersView)
	var shown []int64
	for _, id := range ids {
		if id != 0 && visible.Contains(id) && !slices.Contains(shown, id) {
			shown = append(shown, id)
		}
	}
	names := map[int64]string{}
	for len(shown) > 0 {
		n := min(len(shown), 500)
		page, err := s.store.ListCustomers(ctx, c.AccountID, access.Only(shown[:n]...), gatehouse.ListFilter{Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, cu := range page.Items {
			names[cu.ID] = cu.Name
		}
		shown = shown[n:]
	}
	return func(id int64) string {
		if n, ok := names[id]; ok {
			return n
		}
		return "Customer #" + strconv.FormatInt(id, 10)
	}, nil
}

// scopeText describes where a permission applies, naming up to a few
// customers.
func scopeText(sc access.Scope, name func(int64) string) string {
	const shown = 8
	list := func(ids []int64) string {
		var names []string
		for _, id := range ids[:min(len(ids), shown)] {
			names = append(names, name(id))
		}
		slices.Sort(names)
		out := strings.Join(names, ", ")
		if len(ids) > shown {
			out += fmt.Sprintf(" and %d more", len(ids)-shown)
		}
		return out
	}
	switch sc.Kind {
	case access.ScopeAll:
		return "All customers"
	case access.ScopeAllExcept:
		return "All customers except " + list(sc.IDs)
	case access.ScopeOnly:
		if len(sc.IDs) > 0 {
			return list(sc.IDs)
		}
	}
	return "No customers"
}

type effectiveRow struct {
	Key      string
	Label    string
	Category string
	Where    string
	Groups   []groupLink
}

type effectivePage struct {
	User gatehouse.User
	Rows []effectiveRow
}

// handleEffectiveAccess lists every permission the user holds, where, and
// through which groups.
func (s *Server) handleEffectiveAccess(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, eff, err := s.uc.EffectiveAccess(r.Context(), c, id)
	if err != nil {
		return err
	}
	var ids []int64
	for _, e := range eff {
		ids = append(ids, e.Scope.IDs...)
	}
	name, err := s.customerNamer(r.Context(), c, ids)
	if err != nil {
		return err
	}
	p := effectivePage{User: u}
	for _, e := range eff {
		pm := catalog.Get(catalog.MustLookup(e.Permission))
		where := scopeText(e.Scope, name)
		if e.Hidden {
			where += " (and customers you cannot see)"
		}
		p.Rows = append(p.Rows, effectiveRow{Key: e.Permission, Label: permLabel(e.Permission), Category: pm.Category,
			Where: where, Groups: groupLinks(c, e.Groups)})
	}
	s.render(w, r, c, http.StatusOK, "effective_access", "Effective access of "+u.Email, p)
	return nil
}

// choice is one option of a select.
type choice struct {
	Value    string
	Label    string
	Selected bool
}

type choiceGroup struct {
	Label   string
	Choices []choice
}

type explainPage struct {
	Users       []choice
	Permissions []choiceGroup
	Customers   []choice
	MoreCusts   bool
	Err         *formError
	Asked       bool
	Result      *explainResult
}

type explainResult struct {
	User       gatehouse.User
	Permission string
	Label      string
	Customer   string
	Allowed    bool
	Reason     string
	Message    string
	Granting   []groupLink
	Elsewhere  []groupLink
}

const pickerLimit = 1000

// handleExplain shows the explain form and, once asked, the decision and
// its reasons, exactly as the API's explain endpoint answers.
func (s *Server) handleExplain(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	q := r.URL.Query()
	userVal, permVal, custVal := q.Get("user"), q.Get("permission"), q.Get("customer")
	p := explainPage{Asked: userVal != "" || permVal != "" || custVal != ""}

	users, err := s.store.ListUsers(r.Context(), c.AccountID, gatehouse.ListFilter{Limit: 500})
	if err != nil {
		return err
	}
	foundUser := userVal == ""
	for _, u := range users.Items {
		v := strconv.FormatInt(u.ID, 10)
		foundUser = foundUser || v == userVal
		p.Users = append(p.Users, choice{Value: v, Label: userLabel(u), Selected: v == userVal})
	}
	if !foundUser { // a user beyond the picker's first page, named in the link
		p.Users = append(p.Users, choice{Value: userVal, Label: "User #" + userVal, Selected: true})
	}
	for _, cat := range catalog.Categories() {
		grp := choiceGroup{Label: cat}
		for _, pm := range catalog.All() {
			if pm.Category == cat {
				grp.Choices = append(grp.Choices, choice{Value: pm.Key, Label: permLabel(pm.Key), Selected: pm.Key == permVal})
			}
		}
		p.Permissions = append(p.Permissions, grp)
	}
	custs, err := s.store.ListCustomers(r.Context(), c.AccountID, c.Grants.Scope(permCustomersView), gatehouse.ListFilter{Limit: pickerLimit})
	if err != nil {
		return err
	}
	p.MoreCusts = custs.NextCursor != ""
	found := custVal == ""
	for _, cu := range custs.Items {
		v := strconv.FormatInt(cu.ID, 10)
		found = found || v == custVal
		p.Customers = append(p.Customers, choice{Value: v, Label: cu.Name, Selected: v == custVal})
	}
	if !found { // a customer beyond the picker's first page, named in the link
		p.Customers = append(p.Customers, choice{Value: custVal, Label: "Customer #" + custVal, Selected: true})
	}

	status := http.StatusOK
	if p.Asked {
		res, err := s.explain(r, c, userVal, permVal, custVal)
		switch {
		case err == nil:
			p.Result = res
		case gatehouse.ErrorCode(err) == gatehouse.ENotFound:
			p.Err = &formError{Message: "No such user or customer, or none you have access to.", Status: http.StatusNotFound}
		default:
			fe, ok := formProblem(err)
			if !ok {
				return err
			}
			p.Err = fe
		}
		if p.Err != nil {
			status = p.Err.Status
		}
	}
	s.render(w, r, c, status, "explain", "Explain access", p)
	return nil
}

func userLabel(u gatehouse.User) string {
	if u.Name != "" && u.Name != u.Email {
		return u.Name + " <" + u.Email + ">"
	}
	return u.Email
}

func (s *Server) explain(r *http.Request, c *authz.Caller, userVal, permVal, custVal string) (*explainResult, error) {
	userID, err := strconv.ParseInt(userVal, 10, 64)
	if err != nil || userID <= 0 {
		return nil, gatehouse.Invalid("user", "choose a user")
	}
	var customerID int64
	if custVal != "" {
		if customerID, err = strconv.ParseInt(custVal, 10, 64); err != nil || customerID <= 0 {
			return nil, gatehouse.Invalid("customer", "choose a customer")
		}
	}
	if permVal == "" {
		return nil, gatehouse.Invalid("permission", "choose a permission")
	}
	u, e, err := s.uc.Explain(r.Context(), c, userID, permVal, customerID)
	if err != nil {
		return nil, err
	}
	res := &explainResult{User: u, Permission: permVal, Label: permLabel(permVal), Allowed: e.Allowed, Reason: string(e.Reason),
		Message: e.Message, Granting: groupLinks(c, e.Granting), Elsewhere: groupLinks(c, e.Elsewhere)}
	if customerID != 0 {
		name, err := s.customerNamer(r.Context(), c, []int64{customerID})
		if err != nil {
			return nil, err
		}
		res.Customer = name(customerID)
	}
	return res, nil
}

type reviewGrant struct {
	Groups []groupLink // empty: a global admin's implicit grant
	Perms  []string    // labels
}

type reviewRow struct {
	User   gatehouse.User
	Count  int
	Grants []reviewGrant
}

type reviewPage struct {
	Customer gatehouse.Customer
	Rows     []reviewRow
}

// handleAccessReview lists who can access the customer, with which
// permissions and through which groups.
func (s *Server) handleAccessReview(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	cu, review, err := s.uc.AccessReview(r.Context(), c, id)
	if err != nil {
		return err
	}
	p := reviewPage{Customer: cu}
	for _, ru := range review {
		row := reviewRow{User: ru.User, Count: len(ru.Permissions)}
		// One line per set of granting groups, its permissions listed.
		index := map[string]int{}
		for _, perm := range ru.Permissions {
			var key []string
			for _, g := range perm.Groups {
				key = append(key, strconv.FormatInt(g.ID, 10))
			}
			k := strings.Join(key, ",")
			i, ok := index[k]
			if !ok {
				i = len(row.Grants)
				index[k] = i
				row.Grants = append(row.Grants, reviewGrant{Groups: groupLinks(c, perm.Groups)})
			}
			row.Grants[i].Perms = append(row.Grants[i].Perms, permLabel(perm.Permission))
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, c, http.StatusOK, "access_review", "Access review of "+cu.Name, p)
	return nil
}

func (s *Server) handleAccessReviewCSV(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "customer")
	if err != nil {
		return err
	}
	_, review, err := s.uc.AccessReview(r.Context(), c, id)
	if err != nil {
		return err
	}
	return csvexport.Write(w, fmt.Sprintf("customer-%d-access.csv", id), usecase.ReviewCSVHeader, usecase.ReviewCSV(review))
}

type accessMapPage struct {
	By     string
	Q      string
	SVG    string // the picture's URL
	Groups bool
}

// handleAccessMap shows the picture of users (or groups) against
// customers, with a filter on the customer name for larger accounts.
func (s *Server) handleAccessMap(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	q := r.URL.Query()
	by := q.Get("by")
	if by != "groups" {
		by = "users"
	}
	v := url.Values{"by": {by}}
	if f := strings.TrimSpace(q.Get("q")); f != "" {
		v.Set("q", f)
	}
	p := accessMapPage{By: by, Q: v.Get("q"), SVG: "/access/map.svg?" + v.Encode(), Groups: by == "groups"}
	s.render(w, r, c, http.StatusOK, "access_map", "Access map", p)
	return nil
}

// handleAccessMapSVG serves the same picture as the API: the same
// customers, the same rows, the same cells.
func (s *Server) handleAccessMapSVG(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	m, err := s.uc.AccessMap(r.Context(), c, r.URL.Query().Get("by") == "groups", r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, err = w.Write(accessmap.Render(m))
	return err
}
