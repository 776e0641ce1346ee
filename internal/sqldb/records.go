package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The module records are stored generically from their description in
// package records: one query builder serves every module, and every query
// carries the account and the caller's reach as WHERE conditions.

// reachClause turns a reach into a WHERE condition; ok is false when it
// reaches nothing.
func (db *DB) reachClause(m *records.Module, r records.Reach) (string, []any, bool) {
	var ors []string
	var args []any
	nullable := m.Ownership != records.CustomerRequired
	if c, a, ok := db.scopeClause("customer_id", r.Customers); ok {
		if nullable {
			c = "(customer_id IS NOT NULL AND " + c + ")"
		}
		ors = append(ors, c)
		args = append(args, a...)
	}
	if r.Library && nullable {
		ors = append(ors, "customer_id IS NULL")
	}
	if r.OwnerID != 0 && m.OwnerField != "" {
		if c, a, ok := db.scopeClause("customer_id", r.Own); ok {
			ors = append(ors, "("+m.OwnerField+" = ? AND customer_id IS NOT NULL AND "+c+")")
			args = append(append(args, r.OwnerID), a...)
		}
	}
	switch len(ors) {
	case 0:
		return "", nil, false
	case 1:
		return ors[0], args, true
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, true
}

// reachWhere adds every reach as a condition; ok is false when one of
// them reaches nothing.
func (db *DB) reachWhere(l *listQuery, m *records.Module, reaches []records.Reach) bool {
	for _, r := range reaches {
		c, a, ok := db.reachClause(m, r)
		if !ok {
			return false
		}
		l.add(c, a...)
	}
	return true
}

func selectList(m *records.Module) string {
	cols := []string{"id", "customer_id"}
	for _, f := range m.Fields {
		cols = append(cols, f.Name)
	}
	cols = append(cols, "created_at", "updated_at")
	if m.Secret {
		cols = append(cols, "secret_sealed IS NOT NULL AS has_secret")
	}
	return strings.Join(cols, ", ")
}

func scanRecord(m *records.Module, row interface{ Scan(...any) error }) (records.Record, error) {
	var rec records.Record
	var customer sql.NullInt64
	var created, updated int64
	dest := []any{&rec.ID, &customer}
	vals := make([]any, len(m.Fields))
	for i, f := range m.Fields {
		switch f.Kind {
		case records.Int, records.Money:
			vals[i] = new(int64)
		case records.Bool:
			vals[i] = new(bool)
		case records.Time, records.Ref, records.UserRef:
			vals[i] = new(sql.NullInt64)
		default:
			vals[i] = new(string)
		}
	}
	dest = append(append(dest, vals...), &created, &updated)
	if m.Secret {
		dest = append(dest, &rec.HasSecret)
	}
	if err := row.Scan(dest...); err != nil {
		return rec, err
	}
	rec.CustomerID = customer.Int64
	rec.CreatedAt, rec.UpdatedAt = fromMS(created), fromMS(updated)
	rec.Values = make(records.Values, len(m.Fields))
	for i, f := range m.Fields {
		switch v := vals[i].(type) {
		case *int64:
			rec.Values[f.Name] = *v
		case *bool:
			rec.Values[f.Name] = *v
		case *string:
			rec.Values[f.Name] = *v
		case *sql.NullInt64:
			if f.Kind == records.Time {
				rec.Values[f.Name] = fromNullMS(*v)
			} else {
				rec.Values[f.Name] = v.Int64
			}
		}
	}
	return rec, nil
}

// sqlValue turns a field value into its column value.
func sqlValue(f records.Field, v any) any {
	switch f.Kind {
	case records.Ref, records.UserRef:
		if n, _ := v.(int64); n != 0 {
			return n
		}
		return nil
	case records.Time:
		if t, _ := v.(time.Time); !t.IsZero() {
			return ms(t)
		}
		return nil
	}
	if v == nil {
		return records.Zero(f.Kind)
	}
	return v
}

func idOrNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Record reads one record within every reach given; outside any of them
// it is not found, exactly like a missing id.
func (db *DB) Record(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, error) {
	return db.record(ctx, db.rdb, accountID, m, id, reaches...)
}

func (db *DB) record(ctx context.Context, q querier, accountID int64, m *records.Module, id int64, reaches ...records.Reach) (records.Record, error) {
	// Read by account and id, then decide the reach in memory: the cost
	// of a read does not grow with the caller's scope.
	rec, err := scanRecord(m, db.queryRow(ctx, q, `SELECT `+selectList(m)+` FROM `+m.Table+` WHERE account_id = ? AND id = ?`, accountID, id))
	if err != nil {
		return rec, notFound(err, m.Noun)
	}
	if !recordReached(m, rec, reaches) {
		return records.Record{}, gatehouse.NotFound(m.Noun)
	}
	if m.Lines {
		rec.Lines, err = db.lines(ctx, q, accountID, m, id)
	}
	return rec, err
}

func (db *DB) lines(ctx context.Context, q querier, accountID int64, m *records.Module, id int64) ([]records.Line, error) {
	rows, err := db.query(ctx, q, `SELECT description, quantity, unit_price, amount FROM line_items
		WHERE account_id = ? AND parent_table = ? AND parent_id = ? ORDER BY position`, accountID, m.Table, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []records.Line{}
	for rows.Next() {
		var l records.Line
		if err := rows.Scan(&l.Description, &l.Quantity, &l.UnitPrice, &l.Amount); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// CreateRecord adds a record. allow is where the caller may create: the
// customer (given, or taken from the parent record) must be in it.
func (db *DB) CreateRecord(ctx context.Context, accountID int64, m *records.Module, allow records.Reach, in records.Input) (records.Record, error) {
	var rec records.Record
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		v := m.Defaults()
		for k, val := range in.Values {
			v[k] = val
		}
		if err := m.Validate(v); err != nil {
			return err
		}
		if err := db.externalIDFree(ctx, tx, m.Table, m.Noun, accountID, 0, v.Str(records.ExternalID)); err != nil {
			return err
		}
		customer, err := db.resolveCustomer(ctx, tx, accountID, m, allow, in.CustomerID, v)
		if err != nil {
			return err
		}
		if err := checkOwner(m, customer, v, allow); err != nil {
			return err
		}
		if err := db.checkRefs(ctx, tx, accountID, m, customer, v, nil); err != nil {
			return err
		}
		var lines []records.Line
		if m.Lines {
			if in.Lines != nil {
				lines = *in.Lines
			}
			if lines, err = applyTotals(v, lines); err != nil {
				return err
			}
		}
		cols := []string{"account_id", "customer_id"}
		args := []any{accountID, idOrNull(customer)}
		for _, f := range m.Fields {
			cols = append(cols, f.Name)
			args = append(args, sqlValue(f, v[f.Name]))
		}
		now := ms(db.Now())
		cols = append(cols, "created_at", "updated_at")
		args = append(args, now, now)
		id, err := db.insert(ctx, tx, `INSERT INTO `+m.Table+` (`+strings.Join(cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols)-1)+`)`, args...)
		if err != nil {
			return db.externalIDTaken(err, m.Noun, "insert "+m.Key)
		}
		if m.Lines {
			if err := db.writeLines(ctx, tx, accountID, m, id, lines); err != nil {
				return err
			}
		}
		if err := db.writeSecret(ctx, tx, accountID, m, id, customer, in.Seal); err != nil {
			return err
		}
		if rec, err = db.record(ctx, tx, accountID, m, id); err != nil {
			return err
		}
		return db.auditRecord(ctx, tx, accountID, m, "create", nil, &rec, in.Seal != nil)
	})
	return rec, err
}

// auditRecord logs a change of a record in the change's own
// transaction. The values are the record's fields: a secret never is one.
func (db *DB) auditRecord(ctx context.Context, tx *sql.Tx, accountID int64, m *records.Module, action string, before, after *records.Record, secretSet bool) error {
	values := func(r *records.Record) any {
		if r == nil {
			return nil
		}
		v := map[string]any{"customer_id": r.CustomerID}
		for k, val := range r.Values {
			v[k] = val
		}
		if m.Secret {
			v["secret_changed"] = secretSet && after == r
		}
		return v
	}
	target := after
	if target == nil {
		target = before
	}
	return db.appendAudit(ctx, tx, accountID, audit.Event{Action: strings.ReplaceAll(m.Noun, " ", "_") + "." + action,
		TargetType: m.Noun, TargetID: target.ID, CustomerID: target.CustomerID, Before: values(before), After: values(after)})
}

// checkOwner refuses a record written in the name of someone the reaches
// do not let the caller write for: a holder of an own permission only
// (time logs, appointments, chats) writes records of their own.
func checkOwner(m *records.Module, customer int64, v records.Values, reaches ...records.Reach) error {
	if m.OwnerField == "" {
		return nil
	}
	for _, r := range reaches {
		if !r.MayOwn(customer, v.Int(m.OwnerField)) {
			return gatehouse.Invalid(m.OwnerField, "%s must be you: you may only write your own %s records for this customer", m.OwnerField, m.Noun)
		}
	}
	return nil
}

// resolveCustomer finds the customer of a new record and checks that the
// caller may create there. A customer outside allow reads exactly like a
// missing one.
func (db *DB) resolveCustomer(ctx context.Context, tx *sql.Tx, accountID int64, m *records.Module, allow records.Reach, given int64, v records.Values) (int64, error) {
	if m.CustomerFrom != "" {
		f, _ := m.Field(m.CustomerFrom)
		pm := records.MustLookup(f.Ref)
		cols := []string{"customer_id"}
		var copied []records.Field
		for _, cf := range m.Fields {
			if cf.FromParent {
				cols = append(cols, cf.Name)
				copied = append(copied, cf)
			}
		}
		var customer int64
		dest := []any{&customer}
		vals := make([]string, len(copied))
		for i := range copied {
			dest = append(dest, &vals[i])
		}
		err := db.queryRow(ctx, tx, `SELECT `+strings.Join(cols, ", ")+` FROM `+pm.Table+` WHERE account_id = ? AND id = ?`,
			accountID, v.Int(f.Name)).Scan(dest...)
		if err != nil || !allow.Allows(customer, 0) {
			if err != nil && err != sql.ErrNoRows {
				return 0, err
			}
			return 0, gatehouse.Invalid(f.Name, "%s not found", pm.Noun)
		}
		for i, cf := range copied {
			v[cf.Name] = vals[i]
		}
		return customer, nil
	}
	if given == 0 {
		if m.Ownership == records.CustomerRequired {
			return 0, gatehouse.Invalid("customer_id", "customer_id is required")
		}
		if !allow.Library {
			return 0, gatehouse.Errorf(gatehouse.EForbidden, "a %s with no customer needs this permission for all customers", m.Noun)
		}
		return 0, nil
	}
	var n int
	if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND id = ?`, accountID, given).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 || !allow.Allows(given, 0) {
		return 0, gatehouse.Invalid("customer_id", "customer not found")
	}
	return given, nil
}

// checkRefs checks the references a record makes (only those that differ
// from before, on update). A linked record of another customer reads
// exactly like a missing one, so no id of another customer is confirmed.
func (db *DB) checkRefs(ctx context.Context, tx *sql.Tx, accountID int64, m *records.Module, customer int64, v, before records.Values) error {
	for _, f := range m.Fields {
		if f.ReadOnly || f.Name == m.CustomerFrom || (f.Kind != records.Ref && f.Kind != records.UserRef) {
			continue
		}
		id := v.Int(f.Name)
		if id == 0 || (before != nil && before.Int(f.Name) == id) {
			continue
		}
		if f.Kind == records.UserRef {
			var n int
			if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM users WHERE account_id = ? AND id = ?`, accountID, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return gatehouse.Invalid(f.Name, "user not found")
			}
			continue
		}
		rm := records.MustLookup(f.Ref)
		var target sql.NullInt64
		err := db.queryRow(ctx, tx, `SELECT customer_id FROM `+rm.Table+` WHERE account_id = ? AND id = ?`, accountID, id).Scan(&target)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		ok := err == nil
		if ok && f.SameCustomer {
			ok = records.CanLink(customer, target.Int64)
		} else if ok {
			ok = records.LibraryOrSame(target.Int64, customer)
		}
		if !ok {
			return gatehouse.Invalid(f.Name, "%s not found for this customer", rm.Noun)
		}
	}
	return nil
}

func applyTotals(v records.Values, lines []records.Line) ([]records.Line, error) {
	out, sub, tax, total, err := records.Totals(lines, v.Int("tax_rate_bp"))
	if err != nil {
		return nil, err
	}
	v["subtotal"], v["tax"], v["total"] = sub, tax, total
	return out, nil
}

func (db *DB) writeLines(ctx context.Context, tx *sql.Tx, accountID int64, m *records.Module, id int64, lines []records.Line) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM line_items WHERE account_id = ? AND parent_table = ? AND parent_id = ?`, accountID, m.Table, id); err != nil {
		return err
	}
	for i, l := range lines {
		if _, err := db.exec(ctx, tx, `INSERT INTO line_items (account_id, parent_table, parent_id, position, description, quantity, unit_price, amount)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, accountID, m.Table, id, i, l.Description, l.Quantity, l.UnitPrice, l.Amount); err != nil {
			return fmt.Errorf("insert line: %w", err)
		}
	}
	return nil
}

func (db *DB) writeSecret(ctx context.Context, tx *sql.Tx, accountID int64, m *records.Module, id, customer int64, seal func(id, customer int64) ([]byte, error)) error {
	if !m.Secret || seal == nil {
		return nil
	}
	sealed, err := seal(id, customer)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, tx, `UPDATE `+m.Table+` SET secret_sealed = ? WHERE account_id = ? AND id = ?`, sealed, accountID, id)
	return err
}

// UpdateRecord changes a record found within every reach given. The
// customer never changes: children and links stay consistent with it.
func (db *DB) UpdateRecord(ctx context.Context, accountID int64, m *records.Module, id int64, in records.Input, reaches ...records.Reach) (records.Record, error) {
	var rec records.Record
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.record(ctx, tx, accountID, m, id, reaches...)
		if err != nil {
			return err
		}
		v := make(records.Values, len(before.Values))
		for k, val := range before.Values {
			v[k] = val
		}
		for k, val := range in.Values {
			v[k] = val
		}
		if err := m.Validate(v); err != nil {
			return err
		}
		if m.OwnerField != "" && v.Int(m.OwnerField) != before.Values.Int(m.OwnerField) {
			if err := checkOwner(m, before.CustomerID, v, reaches...); err != nil {
				return err
			}
		}
		if ext := v.Str(records.ExternalID); ext != before.Values.Str(records.ExternalID) {
			if err := db.externalIDFree(ctx, tx, m.Table, m.Noun, accountID, id, ext); err != nil {
				return err
			}
		}
		if err := db.checkRefs(ctx, tx, accountID, m, before.CustomerID, v, before.Values); err != nil {
			return err
		}
		lines := before.Lines
		if m.Lines {
			if in.Lines != nil {
				lines = *in.Lines
			}
			if lines, err = applyTotals(v, lines); err != nil {
				return err
			}
		}
		var sets []string
		var args []any
		for _, f := range m.Fields {
			sets = append(sets, f.Name+" = ?")
			args = append(args, sqlValue(f, v[f.Name]))
		}
		sets = append(sets, "updated_at = ?")
		args = append(args, ms(db.Now()), accountID, id)
		if _, err := db.exec(ctx, tx, `UPDATE `+m.Table+` SET `+strings.Join(sets, ", ")+` WHERE account_id = ? AND id = ?`, args...); err != nil {
			return db.externalIDTaken(err, m.Noun, "update "+m.Key)
		}
		if m.Lines && in.Lines != nil {
			if err := db.writeLines(ctx, tx, accountID, m, id, lines); err != nil {
				return err
			}
		}
		if err := db.writeSecret(ctx, tx, accountID, m, id, before.CustomerID, in.Seal); err != nil {
			return err
		}
		if rec, err = db.record(ctx, tx, accountID, m, id); err != nil {
			return err
		}
		return db.auditRecord(ctx, tx, accountID, m, "update", &before, &rec, in.Seal != nil)
	})
	return rec, err
}

// DeleteRecord removes a record found within every reach given.
func (db *DB) DeleteRecord(ctx context.Context, accountID int64, m *records.Module, id int64, reaches ...records.Reach) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		before, err := db.record(ctx, tx, accountID, m, id, reaches...)
		if err != nil {
			return err
		}
		if err := db.auditRecord(ctx, tx, accountID, m, "delete", &before, nil, false); err != nil {
			return err
		}
		for _, child := range records.All() {
			for _, f := range child.Fields {
				if f.Kind != records.Ref || f.Ref != m.Key || !f.Restrict {
					continue
				}
				var n int
				if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM `+child.Table+` WHERE account_id = ? AND `+f.Name+` = ?`, accountID, id).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return gatehouse.Errorf(gatehouse.EConflict, "this %s has %d %s records; it cannot be deleted", m.Noun, n, child.Noun)
				}
			}
		}
		if m.Lines {
			if _, err := db.exec(ctx, tx, `DELETE FROM line_items WHERE account_id = ? AND parent_table = ? AND parent_id = ?`, accountID, m.Table, id); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, tx, `DELETE FROM `+m.Table+` WHERE account_id = ? AND id = ?`, accountID, id)
		return err
	})
}
