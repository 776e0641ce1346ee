package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/csvexport"
	"gatehouse/internal/gatehouse"
)

var permAuditView = catalog.MustLookup("audit_log.view")

// auditActions are offered as suggestions in the action filter; any
// action, or a prefix ending in ".", may be typed.
var auditActions = []string{
	"auth.", "user.", "security_group.", "customer.", "token.", "credential.reveal",
	"user.create", "user.update", "user.delete", "security_group.create", "security_group.update", "security_group.delete",
	"customer.create", "customer.update", "customer.delete", "customer.security_groups.update",
}

// auditForm is the filter form as typed, kept to fill the form again and
// to build the paging and CSV links.
type auditForm struct {
	Action   string
	Q        string
	Actor    string
	Customer string
	Since    string // YYYY-MM-DD
	Until    string // YYYY-MM-DD, inclusive
}

func (f auditForm) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"action": f.Action, "q": f.Q, "actor": f.Actor, "customer": f.Customer,
		"since": f.Since, "until": f.Until} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// auditFilter reads the form into the store's filter. Dates are whole
// days in UTC; "until" includes its day.
func auditFilter(r *http.Request) (auditForm, audit.Filter, error) {
	q := r.URL.Query()
	form := auditForm{Action: strings.TrimSpace(q.Get("action")), Q: strings.TrimSpace(q.Get("q")), Actor: q.Get("actor"),
		Customer: q.Get("customer"), Since: q.Get("since"), Until: q.Get("until")}
	f := audit.Filter{Action: form.Action, Q: form.Q, Cursor: q.Get("cursor"), Limit: 50}
	for _, p := range []struct {
		name, val string
		dst       *int64
	}{{"actor", form.Actor, &f.ActorUserID}, {"customer", form.Customer, &f.CustomerID}} {
		if p.val == "" {
			continue
		}
		n, err := strconv.ParseInt(p.val, 10, 64)
		if err != nil || n <= 0 {
			return form, f, gatehouse.Invalid(p.name, "choose from the list")
		}
		*p.dst = n
	}
	for _, p := range []struct {
		name, val string
		dst       *time.Time
		next      bool
	}{{"since", form.Since, &f.Since, false}, {"until", form.Until, &f.Until, true}} {
		if p.val == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, p.val)
		if err != nil {
			return form, f, gatehouse.Invalid(p.name, "a date as YYYY-MM-DD")
		}
		if p.next {
			d = d.AddDate(0, 0, 1)
		}
		*p.dst = d
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return form, f, gatehouse.Invalid("until", "the end date is before the start date")
	}
	return form, f, nil
}

type auditRow struct {
	Seq      int64
	At       string
	Actor    string
	ActorID  int64
	IP       string
	Action   string
	Target   string
	Customer string
	Before   string
	After    string
}

type auditPage struct {
	Form         auditForm
	Err          *formError
	Rows         []auditRow
	Next         string
	CSV          string
	Actions      []string
	Users        []choice // the actor picker, for holders of users.view
	Customers    []choice
	AccountLevel bool
}

// handleAudit lists the audit entries the caller may see — the API's own
// scoped listing: their audit customers' events, and account-level
// events only for all-customers holders.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	form, f, ferr := auditFilter(r)
	p := auditPage{Form: form, Actions: auditActions, AccountLevel: c.Grants.HoldsAll(permAuditView)}
	if err := s.auditPickers(r, c, &p); err != nil {
		return err
	}
	status := http.StatusOK
	if ferr != nil {
		fe, ok := formProblem(ferr)
		if !ok {
			return ferr
		}
		p.Err, status = fe, fe.Status
		s.render(w, r, c, status, "audit", "Audit log", p)
		return nil
	}
	page, err := s.uc.AuditPage(r.Context(), c, f)
	if err != nil {
		fe, ok := formProblem(err)
		if !ok {
			return err
		}
		p.Err, status = fe, fe.Status
		s.render(w, r, c, status, "audit", "Audit log", p)
		return nil
	}
	var ids []int64
	for _, e := range page.Items {
		ids = append(ids, e.CustomerID)
	}
	name, err := s.customerNamer(r.Context(), c, ids)
	if err != nil {
		return err
	}
	for _, e := range page.Items {
		row := auditRow{Seq: e.Seq, At: e.At.UTC().Format("2006-01-02 15:04:05 UTC"), Actor: e.Actor.Email, ActorID: e.Actor.UserID,
			IP: e.Actor.IP, Action: e.Action, Before: prettyJSON(e.Before), After: prettyJSON(e.After)}
		if row.Actor == "" {
			row.Actor = "system"
		}
		if e.TargetType != "" {
			row.Target = strings.ReplaceAll(e.TargetType, "_", " ")
			if e.TargetID != 0 {
				row.Target += " #" + strconv.FormatInt(e.TargetID, 10)
			}
		}
		if e.CustomerID == 0 {
			row.Customer = "— (account)"
		} else {
			row.Customer = name(e.CustomerID)
		}
		p.Rows = append(p.Rows, row)
	}
	if page.NextCursor != "" {
		v := form.values()
		v.Set("cursor", page.NextCursor)
		p.Next = "/audit?" + v.Encode()
	}
	p.CSV = "/audit.csv"
	if v := form.values(); len(v) > 0 {
		p.CSV += "?" + v.Encode()
	}
	s.render(w, r, c, status, "audit", "Audit log", p)
	return nil
}

// auditPickers fills the actor and customer choices: users only for
// holders of users.view, customers only those in both the caller's audit
// scope and their customers.view scope.
func (s *Server) auditPickers(r *http.Request, c *authz.Caller, p *auditPage) error {
	if c.Grants.Holds(permUsersView) {
		users, err := s.store.ListUsers(r.Context(), c.AccountID, gatehouse.ListFilter{Limit: 500})
		if err != nil {
			return err
		}
		for _, u := range users.Items {
			v := strconv.FormatInt(u.ID, 10)
			p.Users = append(p.Users, choice{Value: v, Label: userLabel(u), Selected: v == p.Form.Actor})
		}
	}
	custs, err := s.store.ListCustomers(r.Context(), c.AccountID, c.Grants.Scope(permCustomersView), gatehouse.ListFilter{Limit: pickerLimit})
	if err != nil {
		return err
	}
	audited := c.Grants.Scope(permAuditView)
	for _, cu := range custs.Items {
		if audited.Contains(cu.ID) {
			v := strconv.FormatInt(cu.ID, 10)
			p.Customers = append(p.Customers, choice{Value: v, Label: cu.Name, Selected: v == p.Form.Customer})
		}
	}
	return nil
}

// handleAuditCSV downloads every entry the page's filter matches.
func (s *Server) handleAuditCSV(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	_, f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.Cursor, f.Limit = "", gatehouse.ExportPage
	return csvexport.Stream(w, csvexport.Options{Log: s.log, WriteTimeout: s.WriteTimeout}, "audit.csv", audit.CSVHeader, func(cursor string) (gatehouse.Page[audit.Entry], error) {
		f.Cursor = cursor
		return s.uc.AuditPage(r.Context(), c, f)
	}, audit.Entry.CSVRow)
}

func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
