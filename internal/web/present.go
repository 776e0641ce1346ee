package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones work on hosts without a zoneinfo database

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// How values read on the module pages: money in the record's currency
// with two decimals, rates as percentages, times in the viewer's time
// zone, statuses as labelled badges, references as the named record.

// The viewer's time zone is the browser's: a small script in app.js puts
// its IANA name (Intl.DateTimeFormat) into this cookie. Without one, or
// with a name the server does not know, times show in UTC.
const zoneCookie = "gatehouse_tz"

var (
	zoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$`)
	zones    sync.Map // name → *time.Location
)

// zoneOf is the viewer's time zone.
func zoneOf(r *http.Request) *time.Location {
	c, err := r.Cookie(zoneCookie)
	if err != nil {
		return time.UTC
	}
	name, err := url.PathUnescape(c.Value)
	if err != nil {
		return time.UTC
	}
	return loadZone(name)
}

// loadZone finds a zone by IANA name; a malformed or unknown name is UTC.
func loadZone(name string) *time.Location {
	if name == "" || len(name) > 64 || !zoneName.MatchString(name) {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// cell is one shown value: text, optionally a link, a status badge, a
// machine-readable time, or a note that something is not shown.
type cell struct {
	Text  string
	Href  string
	Badge string // the badge's tone: ok, info, warn, bad, neutral
	Time  string // RFC 3339, for <time datetime>
	Muted bool
	Long  bool // multi-line text
	Mono  bool
	Num   bool // right-aligned figure
}

func text(s string) cell {
	if s == "" {
		return cell{Text: "—", Muted: true}
	}
	return cell{Text: s}
}

// formatAmount shows minor units as "USD 1,250.00".
func formatAmount(minor int64, currency string) string {
	s := groupThousands(formatMoney(minor))
	if currency == "" {
		return s
	}
	return currency + " " + s
}

// groupThousands puts commas into the whole part of "1234567.89".
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// formatPercent shows basis points as a percentage: 825 is "8.25".
func formatPercent(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", frac), "0")
	}
	return s
}

// parsePercent reads "8.25" or "8.25 %" as basis points.
func parsePercent(field, raw string) (int64, error) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(raw), "%"))
	if s == "" {
		return 0, nil
	}
	s = strings.ReplaceAll(s, ",", ".")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 || len(whole) > 5 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, gatehouse.Invalid(field, "a percentage such as 8.25")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, _ := strconv.ParseInt(whole+frac, 10, 64)
	return n, nil
}

// formatDate shows "2026-03-02" as "Mon 2 Mar 2026".
func formatDate(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return d.Format("Mon 2 Jan 2006")
}

// formatTime shows an instant in the viewer's zone.
func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006, 15:04 MST")
}

func timeCell(t time.Time, loc *time.Location) cell {
	if t.IsZero() {
		return text("")
	}
	return cell{Text: formatTime(t, loc), Time: t.UTC().Format(time.RFC3339)}
}

// enumLabel turns "in_progress" into "In progress".
func enumLabel(v string) string { return capitalize(strings.ReplaceAll(v, "_", " ")) }

// badgeFields are the enums shown as badges.
var badgeFields = map[string]bool{"status": true, "priority": true, "severity": true}

// badgeTones colour a badge; the label always says the value in words.
var badgeTones = map[string]string{
	"open": "info", "in_progress": "info", "new": "info", "sent": "info", "running": "info", "info": "neutral",
	"waiting": "warn", "queued": "warn", "paused": "warn", "contacted": "warn", "qualified": "warn", "warning": "warn", "high": "warn",
	"resolved": "ok", "succeeded": "ok", "paid": "ok", "accepted": "ok", "active": "ok", "won": "ok", "cleared": "ok",
	"failed": "bad", "critical": "bad", "urgent": "bad", "declined": "bad", "lost": "bad",
}

func badgeCell(v string) cell {
	tone := badgeTones[v]
	if tone == "" {
		tone = "neutral"
	}
	return cell{Text: enumLabel(v), Badge: tone}
}

// moduleFieldLabels name fields where the generic rule (drop the _id,
// _at or _bp suffix, spaces for underscores) does not read well.
var moduleFieldLabels = map[string]string{
	"tax_rate_bp": "Tax rate", "last_seen_at": "Last seen", "requested_by": "Requested by", "cleared_by": "Cleared by",
	"estimate_id": "From estimate", "recipient_count": "Recipients", "os": "OS", "url": "URL", "assignee_id": "Assignee",
	"worked_on": "Worked on", "number": "Number", "billing_interval": "Billing interval", "valid_until": "Valid until",
}

// labelOf names a field of a module for people.
func labelOf(m *records.Module, name string) string {
	if v, ok := views[m.Key]; ok {
		if l, ok := v.labels[name]; ok {
			return l
		}
	}
	return fieldLabelOf(name)
}

// fieldLabelOf names a field by the generic rule.
func fieldLabelOf(name string) string {
	if l, ok := moduleFieldLabels[name]; ok {
		return l
	}
	if l, ok := fieldLabels[name]; ok {
		return l
	}
	for _, suffix := range []string{"_id", "_at", "_bp"} {
		name = strings.TrimSuffix(name, suffix)
	}
	return capitalize(strings.ReplaceAll(name, "_", " "))
}

// formatMinutes shows 135 as "2 h 15 min".
func formatMinutes(n int64) string {
	switch {
	case n < 60:
		return fmt.Sprintf("%d min", n)
	case n%60 == 0:
		return fmt.Sprintf("%d h", n/60)
	}
	return fmt.Sprintf("%d h %d min", n/60, n%60)
}
