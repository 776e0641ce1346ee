package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
)

// appendAudit writes an event into the account's chain inside tx, so the
// change and its record commit or vanish together.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, accountID int64, ev audit.Event) error {
	before, err := audit.Encode(ev.Before)
	if err != nil {
		return err
	}
	after, err := audit.Encode(ev.After)
	if err != nil {
		return err
	}
	if after, err = audit.Marked(after, audit.MarksFrom(ctx)); err != nil {
		return err
	}
	if _, err := db.exec(ctx, tx, `INSERT INTO audit_heads (account_id, seq, hash) VALUES (?, 0, '') ON CONFLICT (account_id) DO NOTHING`, accountID); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e := audit.Entry{AccountID: accountID, At: fromMS(ms(db.Now())), Actor: audit.ActorFrom(ctx), Action: ev.Action,
		TargetType: ev.TargetType, TargetID: ev.TargetID, CustomerID: ev.CustomerID, Before: before, After: after}
	// The update locks the head row: appends to one account queue here.
	if err := db.queryRow(ctx, tx, `UPDATE audit_heads SET seq = seq + 1 WHERE account_id = ? RETURNING seq, hash`, accountID).Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e.Hash = audit.ComputeHash(e)
	_, err = db.exec(ctx, tx, `INSERT INTO audit_log (account_id, seq, at, actor_user_id, actor_email, source_ip, action,
		target_type, target_id, customer_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		accountID, e.Seq, ms(e.At), nullID(e.Actor.UserID), e.Actor.Email, e.Actor.IP, e.Action,
		e.TargetType, nullID(e.TargetID), nullID(e.CustomerID), nullJSON(before), nullJSON(after), e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	_, err = db.exec(ctx, tx, `UPDATE audit_heads SET hash = ? WHERE account_id = ?`, e.Hash, accountID)
	return err
}

// RecordAudit appends an event on its own, for events that change
// nothing else (sign-ins, failed sign-ins, reveals).
func (db *DB) RecordAudit(ctx context.Context, accountID int64, ev audit.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, accountID, ev) })
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullJSON(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

const auditCols = `id, account_id, seq, at, actor_user_id, actor_email, source_ip, action, target_type, target_id, customer_id, before_json, after_json, prev_hash, hash`

func scanAudit(row interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	var actor, target, customer sql.NullInt64
	var before, after sql.NullString
	err := row.Scan(&e.ID, &e.AccountID, &e.Seq, &at, &actor, &e.Actor.Email, &e.Actor.IP, &e.Action, &e.TargetType,
		&target, &customer, &before, &after, &e.PrevHash, &e.Hash)
	e.At, e.Actor.UserID, e.TargetID, e.CustomerID = fromMS(at), actor.Int64, target.Int64, customer.Int64
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, err
}

// ListAudit pages the account's audit entries, newest first, limited in
// the query to the scope: events of customers in scope, and account-level
// events only when accountLevel is true (an all-customers grant).
func (db *DB) ListAudit(ctx context.Context, accountID int64, scope access.Scope, accountLevel bool, f audit.Filter) (gatehouse.Page[audit.Entry], error) {
	page := gatehouse.Page[audit.Entry]{Items: []audit.Entry{}}
	l := listQuery{}
	l.add("account_id = ?", accountID)
	cond, args, ok := db.scopeClause("customer_id", scope)
	switch {
	case ok && accountLevel:
		l.add("(customer_id IS NULL OR "+cond+")", args...)
	case ok:
		l.add("customer_id IS NOT NULL AND "+cond, args...)
	case accountLevel:
		l.add("customer_id IS NULL")
	default:
		return page, nil
	}
	if err := auditWhere(&l, f); err != nil {
		return page, err
	}
	limit := pageLimit(f.Limit)
	rows, err := db.query(ctx, db.rdb, `SELECT `+auditCols+` FROM audit_log WHERE `+strings.Join(l.where, " AND ")+
		` ORDER BY seq DESC LIMIT `+strconv.Itoa(limit+1), l.args...)
	if err != nil {
		return page, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, e)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].Seq, 10)
	}
	return page, rows.Err()
}

func auditWhere(l *listQuery, f audit.Filter) error {
	switch {
	case strings.HasSuffix(f.Action, "."):
		l.add("action LIKE ? ESCAPE '\\'", strings.ReplaceAll(strings.ReplaceAll(f.Action, "_", `\_`), "%", `\%`)+"%")
	case f.Action != "":
		l.add("action = ?", f.Action)
	}
	if f.ActorUserID != 0 {
		l.add("actor_user_id = ?", f.ActorUserID)
	}
	if f.CustomerID != 0 {
		l.add("customer_id = ?", f.CustomerID)
	}
	if f.TargetType != "" {
		l.add("target_type = ?", f.TargetType)
	}
	if f.TargetID != 0 {
		l.add("target_id = ?", f.TargetID)
	}
	if !f.Since.IsZero() {
		l.add("at >= ?", ms(f.Since))
	}
	if !f.Until.IsZero() {
		l.add("at < ?", ms(f.Until))
	}
	if f.Q != "" {
		p := likePattern(f.Q)
		l.add(`(lower(actor_email) LIKE ? ESCAPE '\' OR lower(action) LIKE ? ESCAPE '\')`, p, p)
	}
	if f.Cursor != "" {
		seq, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil {
			return gatehouse.Invalid("cursor", "malformed cursor")
		}
		l.add("seq < ?", seq)
	}
	return nil
}

// VerifyAudit walks every account's chain (or one account's) and returns
// the first problem of each broken chain, and how many entries verified.
func (db *DB) VerifyAudit(ctx context.Context, accountID int64) ([]audit.Problem, int64, error) {
	heads := map[int64][2]any{}
	q := `SELECT a.id, COALESCE(h.seq, 0), COALESCE(h.hash, '') FROM accounts a LEFT JOIN audit_heads h ON h.account_id = a.id`
	var args []any
	if accountID != 0 {
		q += ` WHERE a.id = ?`
		args = append(args, accountID)
	}
	rows, err := db.query(ctx, db.rdb, q+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, 0, err
	}
	var accounts []int64
	for rows.Next() {
		var id, seq int64
		var hash string
		if err := rows.Scan(&id, &seq, &hash); err != nil {
			rows.Close()
			return nil, 0, err
		}
		accounts = append(accounts, id)
		heads[id] = [2]any{seq, hash}
	}
	rows.Close()
	var problems []audit.Problem
	var total int64
	for _, id := range accounts {
		p, n, err := db.verifyAccount(ctx, id, heads[id][0].(int64), heads[id][1].(string))
		if err != nil {
			return nil, 0, err
		}
		total += n
		if p != nil {
			problems = append(problems, *p)
		}
	}
	return problems, total, nil
}

func (db *DB) verifyAccount(ctx context.Context, accountID, headSeq int64, headHash string) (*audit.Problem, int64, error) {
	rows, err := db.query(ctx, db.rdb, `SELECT `+auditCols+` FROM audit_log WHERE account_id = ? ORDER BY seq`, accountID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	v := audit.NewVerifier(accountID)
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, 0, err
		}
		if p := v.Next(e); p != nil {
			return p, v.Count(), nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return v.End(headSeq, headHash), v.Count(), nil
}
