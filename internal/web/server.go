// Package web is the server-rendered admin: sign-in, customers, security
// groups and users. Every page is declared in one route table with the
// permission it needs and served through the same authz gate as the JSON
// API; a session cookie carries the same kind of token the API's sign-in
// issues, and every state-changing form carries a CSRF token tied to it.
package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/usecase"
)

// Store is what the web admin reads directly: the API's reads, plus the
// module records. Every security-relevant change goes through the use
// cases.
type Store interface {
	Account(ctx context.Context, id int64) (gatehouse.Account, error)
	ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error)
	Customer(ctx context.Context, accountID int64, scope access.Scope, id int64) (gatehouse.Customer, error)
	CustomerGroupIDs(ctx context.Context, accountID int64, scope access.Scope, customerID int64) ([]int64, error)
	ListGroups(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.SecurityGroup], error)
	Group(ctx context.Context, accountID, id int64) (gatehouse.SecurityGroup, error)
	ListUsers(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.User], error)
	User(ctx context.Context, accountID, id int64) (gatehouse.User, error)
	// HasUsers is false on a fresh database, where the sign-in page says
	// how to create the first admin.
	HasUsers(ctx context.Context) (bool, error)

	ListRecords(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Record], error)
	Record(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, error)
	CreateRecord(ctx context.Context, accountID int64, m *records.Module, allow records.Reach, in records.Input) (records.Record, error)
	UpdateRecord(ctx context.Context, accountID int64, m *records.Module, id int64, in records.Input, reaches ...records.Reach) (records.Record, error)
	DeleteRecord(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) error
	Notes(ctx context.Context, accountID int64, kind records.NoteKind, parentID int64, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Note], error)

	// The readable pages' reads besides the lists: samples of related
	// records and the names behind references, each within a reach.
	SampleRecords(ctx context.Context, accountID int64, m *records.Module, match records.Match, limit int, reaches ...records.Reach) (records.Sample, error)
	RecordTitles(ctx context.Context, accountID int64, m *records.Module, ids []int64, reaches ...records.Reach) (map[int64]string, error)
	UserNames(ctx context.Context, accountID int64, ids []int64) (map[int64]string, error)
}

// Server serves the web admin.
type Server struct {
	store  Store
	gate   *authz.Gate
	uc     *usecase.Service // every security-relevant rule
	log    *slog.Logger
	pages  *pages
	assets *assets
	cop    *http.CrossOriginProtection
	held   heldSecrets // secrets of forms a page posts on

	// WriteTimeout is the HTTP server's; a CSV download extends it page
	// by page.
	WriteTimeout time.Duration
}

// New parses the templates and hashes the static files; a missing or
// broken template fails here, at start-up, not on first use.
func New(store Store, uc *usecase.Service, gate *authz.Gate, log *slog.Logger) (*Server, error) {
	s := &Server{store: store, gate: gate, uc: uc, log: log, cop: http.NewCrossOriginProtection()}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.assets); err != nil {
		return nil, err
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, gatehouse.Errorf(gatehouse.EForbidden, "this form was sent from another site and was refused"))
	}))
	return s, nil
}

// handlerFunc is a page's handler; errors go to the one boundary, fail.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *authz.Caller) error

// Mount registers every route of the table on mux, and makes every other
// path outside the API a "page not found".
func (s *Server) Mount(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		mux.Handle(rt.Pattern, s.enforce(rt))
	}
	mux.Handle("/", s.enforce(Route{Pattern: "/", Need: need(authz.Public), handle: s.notFound}))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	return gatehouse.NotFound("page")
}

// enforce is the one path from a request to a page: cross-origin check,
// session, CSRF token on every state-changing request, the route's
// declared requirement, then the handler.
func (s *Server) enforce(rt Route) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		var caller *authz.Caller
		if rt.Need.Permission != authz.Public {
			token := sessionToken(r)
			var err error
			if caller, err = s.gate.Authenticate(r.Context(), token, s.gate.Addrs.Addr(r)); err != nil {
				if gatehouse.ErrorCode(err) == gatehouse.EUnauthorized {
					s.signInFirst(w, r)
					return
				}
				s.fail(w, r, nil, err)
				return
			}
			if !safeMethod(r.Method) {
				if err := readForm(w, r); err != nil {
					s.fail(w, r, caller, err)
					return
				}
				if !validCSRF(token, r.PostFormValue(csrfField)) {
					s.fail(w, r, caller, gatehouse.Errorf(gatehouse.EForbidden, "the form has expired; go back, reload the page and try again"))
					return
				}
				if err := s.restoreHeld(r, caller); err != nil {
					s.fail(w, r, caller, err)
					return
				}
			}
			if err := s.authorize(caller, rt); err != nil {
				s.refused(w, r, caller, rt, err)
				return
			}
		} else if !safeMethod(r.Method) {
			if err := readForm(w, r); err != nil {
				s.fail(w, r, caller, err)
				return
			}
		}
		// Storage attributes its audit entries to the actor in the context.
		r = r.WithContext(audit.WithActor(r.Context(), s.gate.Actor(r, caller)))
		if err := rt.handle(w, r, caller); err != nil {
			s.fail(w, r, caller, err)
		}
	})
	return s.cop.Handler(h)
}

// authorize checks the caller against the route's declared requirement,
// or failing that against one of the permissions that also open it.
func (s *Server) authorize(c *authz.Caller, rt Route) error {
	err := s.gate.Authorize(c, rt.Need)
	if gatehouse.ErrorCode(err) != gatehouse.EForbidden {
		return err
	}
	for _, p := range rt.Also {
		if s.gate.Authorize(c, authz.Requirement{Permission: p}) == nil {
			return nil
		}
	}
	return err
}

// refused answers a request its route's requirement turned down. A
// route asking for a recent second factor asks for it inline — and when
// the form already carries one, checks it and lets the request go on as
// sent, so the action resumes. A user who must enrol a factor is taken
// to enrolment.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, c *authz.Caller, rt Route, err error) {
	switch gatehouse.ErrorCode(err) {
	case gatehouse.EStepUp:
		proof, ok := stepUpProof(r)
		if !ok || safeMethod(r.Method) {
			s.renderStepUp(w, r, c, nil)
			return
		}
		ctx := audit.WithActor(r.Context(), s.gate.Actor(r, c))
		if _, err := s.uc.StepUp(ctx, c, proof, s.gate.Addrs.Addr(r)); err != nil {
			s.renderStepUp(w, r, c, err)
			return
		}
		if err := s.authorize(c, rt); err != nil {
			s.fail(w, r, c, err)
			return
		}
		r = r.WithContext(audit.WithActor(r.Context(), s.gate.Actor(r, c)))
		if err := rt.handle(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
		return
	case gatehouse.EEnrol:
		if r.Method == http.MethodGet {
			http.Redirect(w, r, enrolPath, http.StatusSeeOther)
			return
		}
	}
	s.fail(w, r, c, err)
}

const maxForm = 1 << 20

// readForm parses a posted form of at most maxForm bytes; a larger one is
// refused as too large, naming the limit, rather than read as empty.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseForm()
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return gatehouse.Errorf(gatehouse.ETooLarge, "the form is larger than %d bytes", maxForm)
	}
	return nil // a malformed form reads as empty and fails its checks
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// signInFirst sends a visitor without a valid session to the sign-in
// page, back to where they were going afterwards.
func (s *Server) signInFirst(w http.ResponseWriter, r *http.Request) {
	clearSession(w, r)
	if r.Method != http.MethodGet {
		s.fail(w, r, nil, gatehouse.Errorf(gatehouse.EUnauthorized, "your session has ended; sign in again"))
		return
	}
	target := "/signin"
	if r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// errorPage is what the error template shows.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// fail is the one boundary from an error to an HTML page. A record that
// is missing and one outside the caller's scope read exactly the same;
// internal errors are logged and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, c *authz.Caller, err error) {
	code := gatehouse.ErrorCode(err)
	p := errorPage{Status: gatehouse.HTTPStatus(code)}
	switch code {
	case gatehouse.ENotFound:
		p.Heading = "Page not found"
		p.Message = "There is nothing here, or nothing you have access to."
	case gatehouse.EForbidden:
		p.Heading = "Access denied"
		p.Message = domainMessage(err)
	case gatehouse.EUnauthorized:
		p.Heading = "Sign in required"
		p.Message = domainMessage(err)
	case gatehouse.ETooMany:
		p.Heading = "Too many attempts"
		p.Message = domainMessage(err)
	case gatehouse.ETooLarge:
		p.Heading = "Too large"
		p.Message = domainMessage(err)
	case gatehouse.EUnavailable:
		s.log.Warn("store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(gatehouse.RetryAfterSeconds))
		p.Heading = "Temporarily unavailable"
		p.Message = "The database cannot be reached or does not take changes right now. Nothing was changed; try again in a few seconds."
	case gatehouse.EInternal:
		s.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Heading = "Something went wrong"
		p.Message = "An internal error occurred; it has been logged. Please try again."
	default:
		p.Heading = "The request could not be completed"
		p.Message = domainMessage(err)
		var e *gatehouse.Error
		if asDomain(err, &e) && e.Field != "" {
			p.Message = fieldLabel(e.Field) + ": " + e.Message
		}
	}
	s.render(w, r, c, p.Status, "error", p.Heading, p)
}

func domainMessage(err error) string {
	var e *gatehouse.Error
	if asDomain(err, &e) {
		m := e.Message
		if m != "" {
			return strings.ToUpper(m[:1]) + m[1:] + "."
		}
	}
	return ""
}

// render executes a page into a buffer first, so a template error turns
// into an error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c *authz.Caller, status int, name, title string, data any) {
	v := view{Title: title, Data: data, Caller: c, Path: r.URL.Path}
	if c != nil {
		v.Nav = navFor(c, r.URL.Path)
		v.CSRF = csrfToken(sessionToken(r))
		v.Flash = takeFlash(w, r)
		if acct, err := s.store.Account(r.Context(), c.AccountID); err == nil {
			v.Account = acct.Name
		}
	}
	var buf bytes.Buffer
	if err := s.pages.execute(&buf, name, v); err != nil {
		s.log.Error("template failed", "page", name, "err", err)
		if name != "error" {
			s.fail(w, r, c, err)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// view is what every template receives.
type view struct {
	Title   string
	Account string
	Caller  *authz.Caller
	Nav     []navItem
	Path    string
	CSRF    string
	Flash   string
	Data    any
}

// redirect answers a successful form with 303 See Other and a message
// shown once on the next page.
func redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		setFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
