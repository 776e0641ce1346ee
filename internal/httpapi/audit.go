package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

var permAuditView = catalog.MustLookup("audit_log.view")

type auditJSON struct {
	ID         ID              `json:"id"`
	Seq        int64           `json:"seq" doc:"the entry's place in the account's hash chain" example:"118"`
	At         time.Time       `json:"at"`
	ActorID    *ID             `json:"actor_user_id"`
	ActorEmail string          `json:"actor_email" example:"owner@example.com"`
	SourceIP   string          `json:"source_ip" example:"203.0.113.9"`
	Action     string          `json:"action" example:"security_group.update"`
	TargetType string          `json:"target_type" example:"security_group"`
	TargetID   *ID             `json:"target_id"`
	CustomerID *ID             `json:"customer_id"`
	Before     json.RawMessage `json:"before" nullable:"true" doc:"the target before the change"`
	After      json.RawMessage `json:"after" nullable:"true" doc:"the target after the change"`
	Hash       string          `json:"hash" doc:"SHA-256 over the entry and the previous hash" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
}

func optID(v int64) *ID {
	if v == 0 {
		return nil
	}
	id := ID(v)
	return &id
}

func toAuditJSON(e audit.Entry) auditJSON {
	return auditJSON{ID: ID(e.ID), Seq: e.Seq, At: e.At, ActorID: optID(e.Actor.UserID), ActorEmail: e.Actor.Email,
		SourceIP: e.Actor.IP, Action: e.Action, TargetType: e.TargetType, TargetID: optID(e.TargetID),
		CustomerID: optID(e.CustomerID), Before: e.Before, After: e.After, Hash: e.Hash}
}

// auditFilter reads the list's query parameters.
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), TargetType: q.Get("target_type"), Q: q.Get("q"), Cursor: q.Get("cursor")}
	ids := []struct {
		name string
		dst  *int64
	}{{"actor", &f.ActorUserID}, {"customer", &f.CustomerID}, {"target_id", &f.TargetID}}
	for _, p := range ids {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return f, gatehouse.Invalid(p.name, "an id is a string of digits")
			}
			*p.dst = n
		}
	}
	times := []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}}
	for _, p := range times {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, gatehouse.Invalid(p.name, "an RFC 3339 time, e.g. 2026-01-31T00:00:00Z")
			}
			*p.dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, gatehouse.Invalid("limit", "limit is a number from 1 to 500")
		}
		f.Limit = n
	}
	return f, nil
}

// listAudit shows the events of customers in the caller's audit scope;
// account-level events only to all-customers holders.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return s.exportAudit(w, r, c, f)
	}
	// The use case limits the entries to the caller's audit_log.view
	// scope in the query, so counts and pages never include anything else.
	page, err := s.uc.AuditPage(r.Context(), c, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(page, toAuditJSON))
}

// exportAudit writes every entry the list would page through as CSV.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request, c *authz.Caller, f audit.Filter) error {
	f.Limit = gatehouse.ExportPage
	return streamCSV(w, s, "audit.csv", audit.CSVHeader, func(cursor string) (gatehouse.Page[audit.Entry], error) {
		f.Cursor = cursor
		return s.uc.AuditPage(r.Context(), c, f)
	}, audit.Entry.CSVRow)
}
