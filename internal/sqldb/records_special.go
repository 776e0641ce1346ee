package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

var (
	modScripts    = records.MustLookup("scripts")
	modScriptRuns = records.MustLookup("script-runs")
	modAssets     = records.MustLookup("assets")
	modPolicies   = records.MustLookup("policies")
	modAlerts     = records.MustLookup("alerts")
	modCampaigns  = records.MustLookup("campaigns")
	modInvoices   = records.MustLookup("invoices")
	modPayments   = records.MustLookup("payments")
	modLeads      = records.MustLookup("leads")
)

// CreateScriptRun queues a run of a script on an asset. The script is
// looked up within scriptReach (else not found), the asset within
// assetReach (else an invalid asset_id), and decide — the script-run rule
// — sees both customers before anything is written.
func (db *DB) CreateScriptRun(ctx context.Context, accountID, scriptID, assetID, requestedBy int64, scriptReach, assetReach records.Reach, decide func(scriptCustomer, assetCustomer int64) error) (records.Record, error) {
	var run records.Record
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		script, err := db.record(ctx, tx, accountID, modScripts, scriptID, scriptReach)
		if err != nil {
			return err
		}
		asset, err := db.record(ctx, tx, accountID, modAssets, assetID, assetReach)
		if err != nil {
			if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
				return gatehouse.Invalid("asset_id", "asset not found")
			}
			return err
		}
		if err := decide(script.CustomerID, asset.CustomerID); err != nil {
			return err
		}
		now := ms(db.Now())
		id, err := db.insert(ctx, tx, `INSERT INTO script_runs (account_id, customer_id, asset_id, script_id, status, requested_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`, accountID, asset.CustomerID, asset.ID, script.ID, idOrNull(requestedBy), now, now)
		if err != nil {
			return fmt.Errorf("insert script run: %w", err)
		}
		if run, err = db.record(ctx, tx, accountID, modScriptRuns, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "script.run", TargetType: "script", TargetID: script.ID,
			CustomerID: asset.CustomerID, After: map[string]any{"script_run_id": id, "asset_id": asset.ID, "asset": asset.Values.Str("name")}})
	})
	return run, err
}

// FinishScriptRun records a run's result, as an agent reports it.
func (db *DB) FinishScriptRun(ctx context.Context, accountID, id int64, status, output string) error {
	if status != "succeeded" && status != "failed" && status != "running" {
		return gatehouse.Invalid("status", "one of running, succeeded, failed")
	}
	now := ms(db.Now())
	res, err := db.exec(ctx, db.db, `UPDATE script_runs SET status = ?, output = ?, finished_at = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
		status, output, now, now, accountID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gatehouse.NotFound("script run")
	}
	return nil
}

// ScriptRunOutput reads a run's output within reach.
func (db *DB) ScriptRunOutput(ctx context.Context, accountID, id int64, reach records.Reach) (records.Record, string, error) {
	run, err := db.record(ctx, db.rdb, accountID, modScriptRuns, id, reach)
	if err != nil {
		return run, "", err
	}
	var out string
	err = db.queryRow(ctx, db.rdb, `SELECT output FROM script_runs WHERE account_id = ? AND id = ?`, accountID, id).Scan(&out)
	return run, out, err
}

// SetAssetPolicy assigns a policy (0: none) to an asset found within
// every one of assetReaches (as any change, the caller must see the asset
// as well as hold the assignment); the policy must be within policyReach
// and pass decide.
func (db *DB) SetAssetPolicy(ctx context.Context, accountID, assetID, policyID int64, assetReaches []records.Reach, policyReach records.Reach, decide func(policyCustomer, assetCustomer int64) error) (records.Record, error) {
	var rec records.Record
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		asset, err := db.record(ctx, tx, accountID, modAssets, assetID, assetReaches...)
		if err != nil {
			return err
		}
		if policyID != 0 {
			policy, err := db.record(ctx, tx, accountID, modPolicies, policyID, policyReach)
			if err != nil {
				if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
					return gatehouse.Invalid("policy_id", "policy not found")
				}
				return err
			}
			if err := decide(policy.CustomerID, asset.CustomerID); err != nil {
				return err
			}
		}
		if _, err := db.exec(ctx, tx, `UPDATE assets SET policy_id = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			idOrNull(policyID), ms(db.Now()), accountID, assetID); err != nil {
			return err
		}
		if rec, err = db.record(ctx, tx, accountID, modAssets, assetID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "asset.policy.set", TargetType: "asset", TargetID: assetID,
			CustomerID: asset.CustomerID, Before: map[string]any{"name": asset.Values.Str("name"), "policy_id": asset.Values.Int("policy_id")},
			After: map[string]any{"name": rec.Values.Str("name"), "policy_id": policyID}})
	})
	return rec, err
}

// PolicyCustomers lists the customers a policy found within reach is
// assigned to, limited to shown: a shared template assigned to many
// customers names only those the caller may see.
func (db *DB) PolicyCustomers(ctx context.Context, accountID, policyID int64, reach records.Reach, shown access.Scope) ([]int64, error) {
	if _, err := db.record(ctx, db.rdb, accountID, modPolicies, policyID, reach); err != nil {
		return nil, err
	}
	cond, args, ok := db.scopeClause("customer_id", shown)
	if !ok {
		return []int64{}, nil
	}
	return db.ids(ctx, db.rdb, `SELECT customer_id FROM policy_customers WHERE account_id = ? AND policy_id = ? AND `+cond+` ORDER BY customer_id`,
		append([]any{accountID, policyID}, args...)...)
}

// AssignPolicy assigns (or, with assign false, unassigns) a policy found
// within reach to a customer; decide sees both customers first.
func (db *DB) AssignPolicy(ctx context.Context, accountID, policyID, customerID int64, assign bool, reach records.Reach, decide func(policyCustomer, customer int64) error) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		policy, err := db.record(ctx, tx, accountID, modPolicies, policyID, reach)
		if err != nil {
			return err
		}
		var n int
		if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND id = ?`, accountID, customerID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return gatehouse.NotFound("customer")
		}
		if err := decide(policy.CustomerID, customerID); err != nil {
			return err
		}
		action := "policy.assign"
		if assign {
			_, err = db.exec(ctx, tx, `INSERT INTO policy_customers (account_id, policy_id, customer_id) VALUES (?, ?, ?)
				ON CONFLICT (policy_id, customer_id) DO NOTHING`, accountID, policyID, customerID)
		} else {
			action = "policy.unassign"
			_, err = db.exec(ctx, tx, `DELETE FROM policy_customers WHERE account_id = ? AND policy_id = ? AND customer_id = ?`, accountID, policyID, customerID)
		}
		if err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: action, TargetType: "policy", TargetID: policyID,
			CustomerID: customerID, After: map[string]any{"name": policy.Values.Str("name"), "customer_id": customerID}})
	})
}

// SealedSecret reads a credential's sealed secret within every reach.
func (db *DB) SealedSecret(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, []byte, error) {
	rec, err := db.record(ctx, db.rdb, accountID, m, id, reaches...)
	if err != nil {
		return rec, nil, err
	}
	var sealed []byte
	if err := db.queryRow(ctx, db.rdb, `SELECT secret_sealed FROM `+m.Table+` WHERE account_id = ? AND id = ?`, accountID, id).Scan(&sealed); err != nil {
		return rec, nil, err
	}
	return rec, sealed, nil
}

// ClearAlert marks an alert found within every reach cleared.
func (db *DB) ClearAlert(ctx context.Context, accountID, id, userID int64, reaches ...records.Reach) (records.Record, error) {
	var rec records.Record
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		a, err := db.record(ctx, tx, accountID, modAlerts, id, reaches...)
		if err != nil {
			return err
		}
		if a.Values.Str("status") == "cleared" {
			rec = a
			return nil
		}
		now := ms(db.Now())
		if _, err := db.exec(ctx, tx, `UPDATE alerts SET status = 'cleared', cleared_at = ?, cleared_by = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			now, idOrNull(userID), now, accountID, id); err != nil {
			return err
		}
		if rec, err = db.record(ctx, tx, accountID, modAlerts, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "alert.clear", TargetType: "alert", TargetID: id, CustomerID: a.CustomerID,
			Before: map[string]any{"message": a.Values.Str("message"), "status": a.Values.Str("status")},
			After:  map[string]any{"message": rec.Values.Str("message"), "status": rec.Values.Str("status")}})
	})
	return rec, err
}

// ConvertLead turns a lead found within every reach into a won lead of a
// customer. decide — the conversion rule — sees the lead's customer
// before anything is written. A lead with no customer gets a new one made
// from it (records.LeadCustomer) and is linked to it; a lead of a customer
// is marked won, and one already won stays as it is. The change, the new
// customer and their audit entries commit together or not at all. The
// customer comes back only when shown holds it, else as the zero value.
func (db *DB) ConvertLead(ctx context.Context, accountID, id int64, decide func(leadCustomer int64) error, shown access.Scope, reaches ...records.Reach) (records.Record, gatehouse.Customer, error) {
	var lead records.Record
	var customer gatehouse.Customer
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.record(ctx, tx, accountID, modLeads, id, reaches...)
		if err != nil {
			return err
		}
		if err := decide(before.CustomerID); err != nil {
			return err
		}
		customerID, created := before.CustomerID, false
		if customerID == 0 {
			c, err := db.insertCustomer(ctx, tx, accountID, records.LeadCustomer(before.Values))
			if err != nil {
				return err
			}
			customerID, created = c.ID, true
		}
		lead = before
		if created || before.Values.Str("status") != "won" {
			// Only the lead as read: a conversion that ran meanwhile has
			// linked it, and this one must not link it a second time.
			linked := "customer_id IS NULL"
			args := []any{customerID, ms(db.Now()), accountID, id}
			if !created {
				linked = "customer_id = ?"
				args = append(args, before.CustomerID)
			}
			res, err := db.exec(ctx, tx, `UPDATE leads SET customer_id = ?, status = 'won', updated_at = ? WHERE account_id = ? AND id = ? AND `+linked, args...)
			if err != nil {
				return fmt.Errorf("convert lead: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return gatehouse.Errorf(gatehouse.EConflict, "this lead changed while it was being converted; try again")
			}
			if lead, err = db.record(ctx, tx, accountID, modLeads, id); err != nil {
				return err
			}
			values := func(r records.Record) map[string]any {
				v := map[string]any{"customer_id": r.CustomerID}
				for k, val := range r.Values {
					v[k] = val
				}
				return v
			}
			after := values(lead)
			after["customer_created"] = created
			if err := db.appendAudit(ctx, tx, accountID, audit.Event{Action: "lead.convert", TargetType: "lead", TargetID: id,
				CustomerID: customerID, Before: values(before), After: after}); err != nil {
				return err
			}
		}
		customer, err = db.customer(ctx, tx, accountID, shown, customerID)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			customer, err = gatehouse.Customer{}, nil
		}
		return err
	})
	if err != nil {
		return records.Record{}, gatehouse.Customer{}, err
	}
	return lead, customer, nil
}

// Notes lists the notes of a parent record found within every reach,
// oldest first, paged by id.
func (db *DB) Notes(ctx context.Context, accountID int64, kind records.NoteKind, parentID int64, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Note], error) {
	page := gatehouse.Page[records.Note]{Items: []records.Note{}}
	if _, err := db.record(ctx, db.rdb, accountID, records.MustLookup(kind.Parent), parentID, reaches...); err != nil {
		return page, err
	}
	after := int64(0)
	if f.Cursor != "" {
		_, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return page, err
		}
		after = id
	}
	limit := pageLimit(f.Limit)
	rows, err := db.query(ctx, db.rdb, `SELECT id, parent_id, author_id, body, created_at FROM `+kind.Table+`
		WHERE account_id = ? AND parent_id = ? AND id > ? ORDER BY id LIMIT `+fmt.Sprint(limit+1), accountID, parentID, after)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var n records.Note
		var author sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &n.ParentID, &author, &n.Body, &created); err != nil {
			return page, err
		}
		n.AuthorID, n.CreatedAt = author.Int64, fromMS(created)
		page.Items = append(page.Items, n)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	page.Items, page.NextCursor = nextCursor(page.Items, limit, func(n records.Note) (string, int64) { return "", n.ID })
	return page, nil
}

// AddNote adds a note to a parent record found within every reach.
func (db *DB) AddNote(ctx context.Context, accountID int64, kind records.NoteKind, parentID, authorID int64, body string, reaches ...records.Reach) (records.Note, error) {
	n := records.Note{ParentID: parentID, AuthorID: authorID, Body: body}
	if strings.TrimSpace(body) == "" || len(body) > 20000 {
		return n, gatehouse.Invalid("body", "a body of 1 to 20000 characters is required")
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		parent := records.MustLookup(kind.Parent)
		p, err := db.record(ctx, tx, accountID, parent, parentID, reaches...)
		if err != nil {
			return err
		}
		now := db.Now()
		id, err := db.insert(ctx, tx, `INSERT INTO `+kind.Table+` (account_id, parent_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
			accountID, parentID, idOrNull(authorID), body, ms(now))
		if err != nil {
			return err
		}
		n.ID, n.CreatedAt = id, fromMS(ms(now))
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: strings.ReplaceAll(parent.Noun, " ", "_") + "." + kind.Noun + ".add",
			TargetType: parent.Noun, TargetID: parentID, CustomerID: p.CustomerID,
			After: map[string]any{parent.Title: p.Values.Str(parent.Title), kind.Noun + "_id": id, "body": body}})
	})
	return n, err
}

// Recipients lists the contacts with an email of the customers in
// audience, limited to the campaign's own customer when it has one.
func (db *DB) recipients(ctx context.Context, q querier, accountID, campaignCustomer int64, audience access.Scope) ([]records.Recipient, error) {
	out := []records.Recipient{}
	cond, args, ok := db.scopeClause("customer_id", audience)
	if !ok {
		return out, nil
	}
	query := `SELECT id, customer_id, name, email FROM contacts WHERE account_id = ? AND email <> '' AND ` + cond
	args = append([]any{accountID}, args...)
	if campaignCustomer != 0 {
		query += ` AND customer_id = ?`
		args = append(args, campaignCustomer)
	}
	rows, err := db.query(ctx, q, query+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r records.Recipient
		if err := rows.Scan(&r.ContactID, &r.CustomerID, &r.Name, &r.Email); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CampaignRecipients previews who a campaign found within reach reaches;
// audience gives the customers from the campaign's customer.
func (db *DB) CampaignRecipients(ctx context.Context, accountID, id int64, audience func(campaignCustomer int64) access.Scope, reaches ...records.Reach) ([]records.Recipient, error) {
	c, err := db.record(ctx, db.rdb, accountID, modCampaigns, id, reaches...)
	if err != nil {
		return nil, err
	}
	return db.recipients(ctx, db.rdb, accountID, c.CustomerID, audience(c.CustomerID))
}

// SendCampaign queues one outbox message per recipient and marks the
// campaign sent. A campaign is sent once.
func (db *DB) SendCampaign(ctx context.Context, accountID, id int64, audience func(campaignCustomer int64) access.Scope, reaches ...records.Reach) (records.Record, error) {
	var rec records.Record
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.record(ctx, tx, accountID, modCampaigns, id, reaches...)
		if err != nil {
			return err
		}
		if c.Values.Str("status") == "sent" {
			return gatehouse.Errorf(gatehouse.EConflict, "this campaign has already been sent")
		}
		rs, err := db.recipients(ctx, tx, accountID, c.CustomerID, audience(c.CustomerID))
		if err != nil {
			return err
		}
		now := ms(db.Now())
		for _, r := range rs {
			if _, err := db.exec(ctx, tx, `INSERT INTO outbox (account_id, customer_id, campaign_id, contact_id, to_email, to_name, subject, body, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, accountID, r.CustomerID, id, r.ContactID, r.Email, r.Name,
				c.Values.Str("subject"), c.Values.Str("body"), now); err != nil {
				return fmt.Errorf("queue mail: %w", err)
			}
		}
		if _, err := db.exec(ctx, tx, `UPDATE campaigns SET status = 'sent', sent_at = ?, recipient_count = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			now, len(rs), now, accountID, id); err != nil {
			return err
		}
		if rec, err = db.record(ctx, tx, accountID, modCampaigns, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "campaign.send", TargetType: "campaign", TargetID: id, CustomerID: c.CustomerID,
			After: map[string]any{"name": c.Values.Str("name"), "subject": c.Values.Str("subject"), "recipients": len(rs)}})
	})
	return rec, err
}

// maxAttempts is how often delivery of one message is tried.
const maxAttempts = 5

// PendingMail returns queued outbox messages, oldest first.
func (db *DB) PendingMail(ctx context.Context, limit int) ([]records.Mail, error) {
	rows, err := db.query(ctx, db.rdb, `SELECT id, account_id, to_email, to_name, subject, body, attempts FROM outbox
		WHERE status = 'queued' ORDER BY id LIMIT `+fmt.Sprint(pageLimit(limit)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []records.Mail
	for rows.Next() {
		var m records.Mail
		if err := rows.Scan(&m.ID, &m.AccountID, &m.To, &m.ToName, &m.Subject, &m.Body, &m.Attempts); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkMail records a delivery attempt: sent when sendErr is nil, else
// queued again until the attempts run out.
func (db *DB) MarkMail(ctx context.Context, id int64, sendErr error) error {
	now := ms(db.Now())
	if sendErr == nil {
		_, err := db.exec(ctx, db.db, `UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '' WHERE id = ?`, now, id)
		return err
	}
	msg := sendErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := db.exec(ctx, db.db, `UPDATE outbox SET attempts = attempts + 1, last_error = ?,
		status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'queued' END WHERE id = ?`, msg, maxAttempts, id)
	return err
}

// Summary reports per customer, for the customers in scope only: counts,
// and invoiced, received and outstanding money by currency. Each figure
// is further limited to the given reach of its module, so a report never
// shows what the caller could not list.
func (db *DB) Summary(ctx context.Context, accountID int64, scope access.Scope, counts []records.SummaryCount, invoices, payments records.Reach) ([]records.CustomerSummary, error) {
	out := []records.CustomerSummary{}
	cond, args, ok := db.scopeClause("id", scope)
	if !ok {
		return out, nil
	}
	rows, err := db.query(ctx, db.rdb, `SELECT id, name FROM customers WHERE account_id = ? AND `+cond+` ORDER BY name, id`, append([]any{accountID}, args...)...)
	if err != nil {
		return nil, err
	}
	index := map[int64]int{}
	for rows.Next() {
		var s records.CustomerSummary
		if err := rows.Scan(&s.CustomerID, &s.Name); err != nil {
			rows.Close()
			return nil, err
		}
		s.Counts = map[string]int64{}
		index[s.CustomerID] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	scan := func(m *records.Module, reach records.Reach, sel, where string, row func(customer int64, cur string, n int64)) error {
		l := listQuery{}
		l.add("account_id = ?", accountID)
		l.add("customer_id IS NOT NULL") // per customer: records with none are not counted
		c, a, _ := db.scopeClause("customer_id", scope)
		l.add(c, a...)
		if !db.reachWhere(&l, m, []records.Reach{reach}) {
			return nil
		}
		if where != "" {
			l.add(where)
		}
		group := "customer_id"
		if strings.Contains(sel, "currency") {
			group += ", currency"
		}
		rows, err := db.query(ctx, db.rdb, `SELECT `+sel+` FROM `+m.Table+` WHERE `+strings.Join(l.where, " AND ")+` GROUP BY `+group, l.args...)
		if err != nil {
			return fmt.Errorf("summary %s: %w", m.Key, err)
		}
		defer rows.Close()
		for rows.Next() {
			var customer, n int64
			cur := ""
			dest := []any{&customer, &n}
			if strings.Contains(sel, "currency") {
				dest = []any{&customer, &cur, &n}
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			row(customer, cur, n)
		}
		return rows.Err()
	}
	for _, sc := range counts {
		key := sc.Module.Key
		err := scan(sc.Module, sc.Reach, "customer_id, COUNT(*)", sc.Where, func(customer int64, _ string, n int64) {
			if i, ok := index[customer]; ok {
				out[i].Counts[key] = n
			}
		})
		if err != nil {
			return nil, err
		}
	}
	invoiced := map[int64]map[string]int64{}
	received := map[int64]map[string]int64{}
	add := func(into map[int64]map[string]int64) func(int64, string, int64) {
		return func(customer int64, cur string, n int64) {
			if into[customer] == nil {
				into[customer] = map[string]int64{}
			}
			into[customer][cur] += n
		}
	}
	if err := scan(modInvoices, invoices, "customer_id, currency, SUM(total)", "status <> 'void'", add(invoiced)); err != nil {
		return nil, err
	}
	if err := scan(modPayments, payments, "customer_id, currency, SUM(amount)", "", add(received)); err != nil {
		return nil, err
	}
	for i := range out {
		id := out[i].CustomerID
		for _, sc := range counts {
			if _, ok := out[i].Counts[sc.Module.Key]; !ok && (sc.Reach.Customers.Contains(id) || (sc.Reach.OwnerID != 0 && sc.Reach.Own.Contains(id))) {
				out[i].Counts[sc.Module.Key] = 0
			}
		}
		if invoices.Customers.Contains(id) {
			out[i].Invoiced = amounts(invoiced[id])
		}
		if payments.Customers.Contains(id) {
			out[i].Received = amounts(received[id])
		}
		if invoices.Customers.Contains(id) && payments.Customers.Contains(id) {
			diff := map[string]int64{}
			for c, n := range invoiced[id] {
				diff[c] += n
			}
			for c, n := range received[id] {
				diff[c] -= n
			}
			out[i].Outstanding = amounts(diff)
		}
	}
	return out, nil
}

func amounts(m map[string]int64) []records.Amount {
	out := []records.Amount{}
	for c, n := range m {
		out = append(out, records.Amount{Currency: c, Minor: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}
