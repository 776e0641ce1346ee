// Package audit defines the security audit trail: events with actor,
// time, source address and before/after values, hash-chained per
// account so that an edited, removed or reordered entry is detected.
// It does no I/O; storage appends and reads entries.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Actor is who caused an event and from where.
type Actor struct {
	UserID int64
	Email  string
	IP     string
}

type actorKey struct{}

// WithActor stores the actor in ctx; the enforcement path sets it for
// every authenticated request so storage can attribute its writes.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx; the zero Actor is "the system"
// (command line, start-up).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

type marksKey struct{}

// WithMark adds key: value to the After of every entry written with the
// returned context: a use case notes how the actor acted (a reveal made
// without a second factor is marked "mfa": "none") on the entry the
// store writes for it.
func WithMark(ctx context.Context, key string, value any) context.Context {
	marks := map[string]any{key: value}
	for k, v := range MarksFrom(ctx) {
		if k != key {
			marks[k] = v
		}
	}
	return context.WithValue(ctx, marksKey{}, marks)
}

// MarksFrom returns the marks of ctx.
func MarksFrom(ctx context.Context) map[string]any {
	m, _ := ctx.Value(marksKey{}).(map[string]any)
	return m
}

// Marked adds marks to an encoded After value: to its members when it is
// an object, or as the whole value when there is none.
func Marked(after json.RawMessage, marks map[string]any) (json.RawMessage, error) {
	if len(marks) == 0 {
		return after, nil
	}
	obj := map[string]any{}
	if len(after) > 0 && string(after) != "null" {
		d := json.NewDecoder(bytes.NewReader(after))
		d.UseNumber()
		if err := d.Decode(&obj); err != nil {
			return after, nil // not an object: left as it is
		}
	}
	for k, v := range marks {
		obj[k] = v
	}
	return json.Marshal(obj)
}

// Event is what happened. Before and After are JSON values (nil when
// there is none) of the changed record.
type Event struct {
	Action     string // e.g. "user.update", "auth.sign_in_failed"
	TargetType string // "user", "security_group", "customer", …
	TargetID   int64
	CustomerID int64 // 0: an account-level event
	Before     any
	After      any
}

// Entry is a stored event with its place in the chain.
type Entry struct {
	ID         int64
	AccountID  int64
	Seq        int64
	At         time.Time
	Actor      Actor
	Action     string
	TargetType string
	TargetID   int64
	CustomerID int64
	Before     json.RawMessage
	After      json.RawMessage
	PrevHash   string
	Hash       string
}

// Encode turns a before/after value into the stored JSON.
func Encode(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return compact(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode audit value: %w", err)
	}
	return b, nil
}

func compact(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ComputeHash is the entry's hash: SHA-256 over every field that matters,
// length-prefixed so no two different entries serialise alike, and over
// the previous entry's hash, which chains them.
func ComputeHash(e Entry) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	num := func(n int64) { field(strconv.FormatInt(n, 10)) }
	num(e.AccountID)
	num(e.Seq)
	num(e.At.UnixMilli())
	num(e.Actor.UserID)
	field(e.Actor.Email)
	field(e.Actor.IP)
	field(e.Action)
	field(e.TargetType)
	num(e.TargetID)
	num(e.CustomerID)
	field(string(e.Before))
	field(string(e.After))
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is the first place a chain stops being trustworthy.
type Problem struct {
	AccountID int64
	Seq       int64 // the entry's sequence number (or the expected one, if missing)
	EntryID   int64 // 0 when the entry is missing
	Reason    string
}

func (p Problem) Error() string {
	if p.EntryID == 0 {
		return fmt.Sprintf("account %d: audit entry #%d: %s", p.AccountID, p.Seq, p.Reason)
	}
	return fmt.Sprintf("account %d: audit entry #%d (row id %d): %s", p.AccountID, p.Seq, p.EntryID, p.Reason)
}

// Verifier checks one account's entries, fed in sequence order.
type Verifier struct {
	AccountID int64
	prevHash  string
	nextSeq   int64
	count     int64
}

// NewVerifier starts a chain check for an account.
func NewVerifier(accountID int64) *Verifier {
	return &Verifier{AccountID: accountID, nextSeq: 1}
}

// Next checks the next entry and reports the first problem.
func (v *Verifier) Next(e Entry) *Problem {
	switch {
	case e.AccountID != v.AccountID:
		return &Problem{v.AccountID, e.Seq, e.ID, "belongs to another account"}
	case e.Seq > v.nextSeq:
		return &Problem{v.AccountID, v.nextSeq, 0, "missing (the chain jumps from #" +
			strconv.FormatInt(v.nextSeq-1, 10) + " to #" + strconv.FormatInt(e.Seq, 10) + ")"}
	case e.Seq < v.nextSeq:
		return &Problem{v.AccountID, e.Seq, e.ID, "out of order or duplicated"}
	case e.PrevHash != v.prevHash:
		return &Problem{v.AccountID, e.Seq, e.ID, "does not link to the entry before it"}
	case ComputeHash(e) != e.Hash:
		return &Problem{v.AccountID, e.Seq, e.ID, "its content was changed after it was written"}
	}
	v.prevHash, v.nextSeq = e.Hash, e.Seq+1
	v.count++
	return nil
}

// End checks the chain ends where the account's recorded head says, so
// that removing the newest entries is caught too.
func (v *Verifier) End(headSeq int64, headHash string) *Problem {
	if headSeq != v.nextSeq-1 {
		return &Problem{v.AccountID, v.nextSeq, 0, fmt.Sprintf("missing (the chain ends at #%d but %d entries were written)", v.nextSeq-1, headSeq)}
	}
	if headHash != v.prevHash {
		return &Problem{v.AccountID, headSeq, 0, "the last entry does not match the recorded chain head"}
	}
	return nil
}

// Count is how many entries verified.
func (v *Verifier) Count() int64 { return v.count }

// Filter narrows an audit list.
type Filter struct {
	Action      string // exact, or a prefix ending in "." ("user.")
	ActorUserID int64
	CustomerID  int64
	TargetType  string
	TargetID    int64
	Since       time.Time
	Until       time.Time
	Q           string // actor email or action substring
	Cursor      string // the seq to continue below
	Limit       int
}
