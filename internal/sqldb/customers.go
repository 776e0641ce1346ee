package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

const customerCols = `id, account_id, name, notes, email, phone, website, address_line1, address_line2, city, region, postal_code, country, external_id, archived_at, created_at, updated_at`

func scanCustomer(row interface{ Scan(...any) error }) (gatehouse.Customer, error) {
	var c gatehouse.Customer
	var created, updated int64
	var archived sql.NullInt64
	err := row.Scan(&c.ID, &c.AccountID, &c.Name, &c.Notes, &c.Email, &c.Phone, &c.Website, &c.AddressLine1, &c.AddressLine2,
		&c.City, &c.Region, &c.PostalCode, &c.Country, &c.ExternalID, &archived, &created, &updated)
	c.CreatedAt, c.UpdatedAt, c.ArchivedAt = fromMS(created), fromMS(updated), fromNullMS(archived)
	return c, err
}

// Customer reads one customer inside scope; outside it answers not found,
// exactly as for a missing id.
func (db *DB) Customer(ctx context.Context, accountID int64, scope access.Scope, id int64) (gatehouse.Customer, error) {
	return db.customer(ctx, db.rdb, accountID, scope, id)
}

func (db *DB) customer(ctx context.Context, q querier, accountID int64, scope access.Scope, id int64) (gatehouse.Customer, error) {
	// The scope is decided in memory: a read costs the same for a caller
	// of one customer as for one of thousands.
	if !scope.Contains(id) {
		return gatehouse.Customer{}, gatehouse.NotFound("customer")
	}
	c, err := scanCustomer(db.queryRow(ctx, q, `SELECT `+customerCols+` FROM customers WHERE account_id = ? AND id = ?`, accountID, id))
	if err != nil {
		return c, notFound(err, "customer")
	}
	c.Tags, err = db.strings(ctx, q, `SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag`, id)
	return c, err
}

// ListCustomers pages the customers inside scope by name.
func (db *DB) ListCustomers(ctx context.Context, accountID int64, scope access.Scope, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.Customer], error) {
	page := gatehouse.Page[gatehouse.Customer]{Items: []gatehouse.Customer{}}
	cond, args, ok := db.scopeClause("id", scope)
	if !ok {
		return page, nil
	}
	l := listQuery{}
	l.add("account_id = ?", accountID)
	l.add(cond, args...)
	if f.Archived {
		l.add("archived_at IS NOT NULL")
	} else {
		l.add("archived_at IS NULL")
	}
	tail, limit, err := l.page("name", "id", f)
	if err != nil {
		return page, err
	}
	rows, err := db.query(ctx, db.rdb, `SELECT `+customerCols+` FROM customers`+tail, l.args...)
	if err != nil {
		return page, fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, c)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	page.Items, page.NextCursor = nextCursor(page.Items, limit, func(c gatehouse.Customer) (string, int64) { return c.Name, c.ID })
	return page, db.fillTags(ctx, page.Items)
}

// fillTags loads the tags of a page of customers in one query.
func (db *DB) fillTags(ctx context.Context, cs []gatehouse.Customer) error {
	if len(cs) == 0 {
		return nil
	}
	index := make(map[int64]int, len(cs))
	ids := make([]int64, len(cs))
	for i := range cs {
		index[cs[i].ID], ids[i] = i, cs[i].ID
		cs[i].Tags = []string{}
	}
	rows, err := db.query(ctx, db.rdb, `SELECT customer_id, tag FROM customer_tags WHERE `+db.d.InIDs("customer_id")+` ORDER BY tag`, db.d.IDsArg(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		c := &cs[index[id]]
		c.Tags = append(c.Tags, tag)
	}
	return rows.Err()
}

// CreateCustomer adds a customer. All-customers groups include it at once.
func (db *DB) CreateCustomer(ctx context.Context, accountID int64, f gatehouse.CustomerFields) (gatehouse.Customer, error) {
	var c gatehouse.Customer
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = db.insertCustomer(ctx, tx, accountID, f)
		return err
	})
	return c, err
}

// insertCustomer adds a customer and its audit entry inside tx.
func (db *DB) insertCustomer(ctx context.Context, tx *sql.Tx, accountID int64, f gatehouse.CustomerFields) (gatehouse.Customer, error) {
	var c gatehouse.Customer
	f.Apply(&c)
	if err := validateCustomer(&c); err != nil {
		return c, err
	}
	now := ms(db.Now())
	id, err := db.insert(ctx, tx, `INSERT INTO customers (account_id, name, notes, email, phone, website, address_line1, address_line2,
		city, region, postal_code, country, external_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		accountID, c.Name, c.Notes, c.Email, c.Phone, c.Website, c.AddressLine1, c.AddressLine2, c.City, c.Region, c.PostalCode, c.Country,
		c.ExternalID, now, now)
	if err != nil {
		return c, db.externalIDTaken(err, "customer", "insert customer")
	}
	if err := db.writeTags(ctx, tx, id, c.Tags); err != nil {
		return c, err
	}
	if c, err = db.customer(ctx, tx, accountID, access.All(), id); err != nil {
		return c, err
	}
	return c, db.appendAudit(ctx, tx, accountID, audit.Event{Action: "customer.create", TargetType: "customer", TargetID: id, CustomerID: id, After: c})
}

// UpdateCustomer applies the set fields to a customer inside scope.
func (db *DB) UpdateCustomer(ctx context.Context, accountID int64, scope access.Scope, id int64, f gatehouse.CustomerFields) (gatehouse.Customer, error) {
	var c gatehouse.Customer
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = db.customer(ctx, tx, accountID, scope, id); err != nil {
			return err
		}
		before := c
		before.Tags = append([]string{}, c.Tags...)
		f.Apply(&c)
		if err := validateCustomer(&c); err != nil {
			return err
		}
		if c.ExternalID != before.ExternalID {
			// Another tool's decisions name the customer by it: moving it
			// changes answers, so it moves the security version too.
			if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, tx, `UPDATE customers SET name = ?, notes = ?, email = ?, phone = ?, website = ?, address_line1 = ?, address_line2 = ?,
			city = ?, region = ?, postal_code = ?, country = ?, external_id = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			c.Name, c.Notes, c.Email, c.Phone, c.Website, c.AddressLine1, c.AddressLine2, c.City, c.Region, c.PostalCode, c.Country,
			c.ExternalID, ms(db.Now()), accountID, id)
		if err != nil {
			return db.externalIDTaken(err, "customer", "update customer")
		}
		if f.Tags != nil {
			if err := db.writeTags(ctx, tx, id, c.Tags); err != nil {
				return err
			}
		}
		if c, err = db.customer(ctx, tx, accountID, scope, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "customer.update", TargetType: "customer", TargetID: id, CustomerID: id, Before: before, After: c})
	})
	return c, err
}

// DeleteCustomer removes a customer inside scope, and with it the
// customer's place in every group's list.
func (db *DB) DeleteCustomer(ctx context.Context, accountID int64, scope access.Scope, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		c, err := db.customer(ctx, tx, accountID, scope, id)
		if err != nil {
			return err
		}
		if err := db.auditCascade(ctx, tx, accountID, id); err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM customers WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "customer.delete", TargetType: "customer", TargetID: id, CustomerID: id, Before: c})
	})
}

func (db *DB) writeTags(ctx context.Context, tx *sql.Tx, customerID int64, tags []string) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM customer_tags WHERE customer_id = ?`, customerID); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := db.exec(ctx, tx, `INSERT INTO customer_tags (customer_id, tag) VALUES (?, ?)`, customerID, t); err != nil {
			return fmt.Errorf("insert tag: %w", err)
		}
	}
	return nil
}

// validateCustomer checks every field, naming each one at fault.
func validateCustomer(c *gatehouse.Customer) error {
	var errs gatehouse.Invalids
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		errs.Add(gatehouse.Invalid("name", "a name is required"))
	}
	if len(c.Name) > 200 {
		errs.Add(gatehouse.Invalid("name", "at most 200 characters"))
	}
	for _, f := range []struct{ field, v string }{{"name", c.Name}, {"notes", c.Notes}, {"email", c.Email}, {"phone", c.Phone},
		{"website", c.Website}, {"address_line1", c.AddressLine1}, {"address_line2", c.AddressLine2}, {"city", c.City},
		{"region", c.Region}, {"postal_code", c.PostalCode}, {"country", c.Country}} {
		if limit := fieldLimit(f.field); f.field != "name" && len(f.v) > limit {
			errs.Add(gatehouse.Invalid(f.field, "at most %d characters", limit))
		}
		errs.Add(checkText(f.field, f.v))
	}
	ext, err := gatehouse.NormalizeExternalID(c.ExternalID)
	errs.Add(err)
	c.ExternalID = ext
	tags := make([]string, 0, len(c.Tags))
	for _, t := range c.Tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > 50 || !utf8.ValidString(t) {
			errs.Add(gatehouse.Invalid("tags", "tags are 1 to 50 characters of UTF-8 text"))
			break
		}
		tags = append(tags, t)
	}
	c.Tags = dedupStrings(tags)
	return errs.Err()
}

// externalIDTaken turns a unique violation of an insert or update into
// a conflict naming external_id: the only other unique key the row has
// is its id.
func (db *DB) externalIDTaken(err error, noun, doing string) error {
	if db.d.IsUniqueViolation(err) {
		return &gatehouse.Error{Code: gatehouse.EConflict, Field: "external_id", Message: "another " + noun + " has this external id"}
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// checkText refuses text that is not valid UTF-8.
func checkText(field, s string) error { return gatehouse.CheckText(field, s) }

func fieldLimit(field string) int {
	if field == "notes" {
		return 10000
	}
	return 200
}

// CustomerGroupIDs lists the groups whose customer list holds the customer.
func (db *DB) CustomerGroupIDs(ctx context.Context, accountID int64, scope access.Scope, customerID int64) ([]int64, error) {
	return db.customerGroupIDs(ctx, db.rdb, accountID, scope, customerID)
}

// CustomerGroupDiff is what SetCustomerGroups would change: the groups
// gaining the customer and those losing it. Groups that are missing or
// are not select-customers groups are refused, naming the field.
func (db *DB) CustomerGroupDiff(ctx context.Context, accountID int64, scope access.Scope, customerID int64, groupIDs []int64) (added, removed []gatehouse.SecurityGroup, err error) {
	err = db.readTx(ctx, func(tx *sql.Tx) error {
		current, err := db.customerGroupIDs(ctx, tx, accountID, scope, customerID)
		if err != nil {
			return err
		}
		added, removed, err = db.groupDiff(ctx, tx, accountID, current, dedup(groupIDs))
		return err
	})
	return added, removed, err
}

func (db *DB) customerGroupIDs(ctx context.Context, q querier, accountID int64, scope access.Scope, customerID int64) ([]int64, error) {
	if _, err := db.customer(ctx, q, accountID, scope, customerID); err != nil {
		return nil, err
	}
	return db.ids(ctx, q, `SELECT group_id FROM security_group_customers WHERE account_id = ? AND customer_id = ? ORDER BY group_id`, accountID, customerID)
}

// SetCustomerGroups makes groupIDs exactly the select-customers groups
// that list the customer: the same rows a group's customer list edits.
func (db *DB) SetCustomerGroups(ctx context.Context, accountID int64, scope access.Scope, customerID int64, groupIDs []int64) ([]int64, error) {
	var out []int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		current, err := db.customerGroupIDs(ctx, tx, accountID, scope, customerID)
		if err != nil {
			return err
		}
		added, removed, err := db.groupDiff(ctx, tx, accountID, current, dedup(groupIDs))
		if err != nil {
			return err
		}
		for _, g := range removed {
			if _, err := db.exec(ctx, tx, `DELETE FROM security_group_customers WHERE group_id = ? AND customer_id = ?`, g.ID, customerID); err != nil {
				return err
			}
		}
		for _, g := range added {
			if _, err := db.exec(ctx, tx, `INSERT INTO security_group_customers (account_id, group_id, customer_id) VALUES (?, ?, ?)`, accountID, g.ID, customerID); err != nil {
				return err
			}
		}
		if out, err = db.ids(ctx, tx, `SELECT group_id FROM security_group_customers WHERE account_id = ? AND customer_id = ? ORDER BY group_id`, accountID, customerID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "customer.security_groups.update", TargetType: "customer",
			TargetID: customerID, CustomerID: customerID, Before: map[string]any{"security_group_ids": current},
			After: map[string]any{"security_group_ids": out}})
	})
	return out, err
}

// groupDiff loads the groups to add and remove, refusing groups that are
// missing or are not select-customers groups.
func (db *DB) groupDiff(ctx context.Context, tx querier, accountID int64, current, wanted []int64) (added, removed []gatehouse.SecurityGroup, err error) {
	has := make(map[int64]bool, len(current))
	for _, id := range current {
		has[id] = true
	}
	want := make(map[int64]bool, len(wanted))
	for _, id := range wanted {
		want[id] = true
		if has[id] {
			continue
		}
		g, err := db.group(ctx, tx, accountID, id)
		if err != nil {
			if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
				return nil, nil, gatehouse.Invalid("security_group_ids", "security group %d not found", id)
			}
			return nil, nil, err
		}
		if g.AccessType != gatehouse.SelectCustomers {
			return nil, nil, gatehouse.Invalid("security_group_ids", "%q covers all customers; only Select Customers groups take a customer list", g.Name)
		}
		added = append(added, g)
	}
	for _, id := range current {
		if !want[id] {
			g, err := db.group(ctx, tx, accountID, id)
			if err != nil {
				return nil, nil, err
			}
			removed = append(removed, g)
		}
	}
	return added, removed, nil
}

func dedupStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// auditCascade writes a delete entry for every record the customer's
// deletion takes with it, before the foreign keys cascade: nothing leaves
// the database without a trace.
func (db *DB) auditCascade(ctx context.Context, tx *sql.Tx, accountID, customerID int64) error {
	for _, m := range records.All() {
		var gone []records.Record
		err := db.eachRow(ctx, tx, `SELECT `+selectList(m)+` FROM `+m.Table+` WHERE account_id = ? AND customer_id = ?`,
			[]any{accountID, customerID}, func(scan func(...any) error) error {
				rec, err := scanRecord(m, scanner(scan))
				gone = append(gone, rec)
				return err
			})
		if err != nil {
			return err
		}
		for i := range gone {
			if err := db.auditRecord(ctx, tx, accountID, m, "delete", &gone[i], nil, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanner adapts a row's Scan function to what scanRecord reads.
type scanner func(...any) error

func (s scanner) Scan(dest ...any) error { return s(dest...) }

// SetCustomerArchived archives a customer inside scope, or brings it back.
// Archiving takes it out of every select-customers group's reach, so it is
// a security change.
func (db *DB) SetCustomerArchived(ctx context.Context, accountID int64, scope access.Scope, id int64, archived bool) (gatehouse.Customer, error) {
	var c gatehouse.Customer
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		before, err := db.customer(ctx, tx, accountID, scope, id)
		if err != nil {
			return err
		}
		at, action := any(nil), "customer.unarchive"
		if archived {
			at, action = ms(db.Now()), "customer.archive"
		}
		if _, err := db.exec(ctx, tx, `UPDATE customers SET archived_at = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			at, ms(db.Now()), accountID, id); err != nil {
			return err
		}
		if c, err = db.customer(ctx, tx, accountID, scope, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: action, TargetType: "customer", TargetID: id, CustomerID: id,
			Before: map[string]any{"name": before.Name, "archived": before.Archived()}, After: map[string]any{"name": c.Name, "archived": c.Archived()}})
	})
	return c, err
}

// CustomerRecordCounts counts the records of every module that belong to
// the customer: what deleting it would take with it.
func (db *DB) CustomerRecordCounts(ctx context.Context, accountID, id int64) (map[string]int, error) {
	out := map[string]int{}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		for _, m := range records.All() {
			var n int
			if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM `+m.Table+` WHERE account_id = ? AND customer_id = ?`, accountID, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				out[m.Key] = n
			}
		}
		return nil
	})
	return out, err
}
