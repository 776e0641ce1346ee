package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"gatehouse/internal/audit"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

const groupCols = `id, account_id, name, description, access_type, is_default, created_at, updated_at`

func scanGroup(row interface{ Scan(...any) error }) (gatehouse.SecurityGroup, error) {
	var g gatehouse.SecurityGroup
	var created, updated int64
	err := row.Scan(&g.ID, &g.AccountID, &g.Name, &g.Description, &g.AccessType, &g.IsDefault, &created, &updated)
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return g, err
}

// Group reads one security group with its permissions and customers.
func (db *DB) Group(ctx context.Context, accountID, id int64) (gatehouse.SecurityGroup, error) {
	return db.group(ctx, db.rdb, accountID, id)
}

func (db *DB) group(ctx context.Context, q querier, accountID, id int64) (gatehouse.SecurityGroup, error) {
	g, err := scanGroup(db.queryRow(ctx, q, `SELECT `+groupCols+` FROM security_groups WHERE account_id = ? AND id = ?`, accountID, id))
	if err != nil {
		return g, notFound(err, "security group")
	}
	one := []gatehouse.SecurityGroup{g}
	err = db.fillGroups(ctx, q, one)
	return one[0], err
}

// fillGroups loads the permissions, customers and member counts of
// groups in three queries, however many groups there are.
func (db *DB) fillGroups(ctx context.Context, q querier, gs []gatehouse.SecurityGroup) error {
	if len(gs) == 0 {
		return nil
	}
	index := make(map[int64]*gatehouse.SecurityGroup, len(gs))
	ids := make([]int64, len(gs))
	for i := range gs {
		g := &gs[i]
		g.Permissions, g.CustomerIDs, g.UserCount = []string{}, []int64{}, 0
		index[g.ID], ids[i] = g, g.ID
	}
	in, arg := db.d.InIDs("group_id"), db.d.IDsArg(ids)
	err := db.eachRow(ctx, q, `SELECT group_id, permission FROM security_group_permissions WHERE `+in, []any{arg}, func(scan func(...any) error) error {
		var id int64
		var p string
		err := scan(&id, &p)
		index[id].Permissions = append(index[id].Permissions, p)
		return err
	})
	if err != nil {
		return err
	}
	err = db.eachRow(ctx, q, `SELECT group_id, customer_id FROM security_group_customers WHERE `+in+` ORDER BY customer_id`, []any{arg}, func(scan func(...any) error) error {
		var id, c int64
		err := scan(&id, &c)
		index[id].CustomerIDs = append(index[id].CustomerIDs, c)
		return err
	})
	if err != nil {
		return err
	}
	err = db.eachRow(ctx, q, `SELECT group_id, COUNT(*) FROM memberships WHERE `+in+` GROUP BY group_id`, []any{arg}, func(scan func(...any) error) error {
		var id int64
		var n int
		err := scan(&id, &n)
		index[id].UserCount = n
		return err
	})
	for i := range gs {
		sortByCatalog(gs[i].Permissions)
	}
	return err
}

// eachRow runs a query and hands every row's Scan to fn.
func (db *DB) eachRow(ctx context.Context, q querier, query string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := db.query(ctx, q, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sortByCatalog orders permission keys as the catalog lists them.
func sortByCatalog(keys []string) {
	sort.SliceStable(keys, func(i, j int) bool {
		a, okA := catalog.Lookup(keys[i])
		b, okB := catalog.Lookup(keys[j])
		if okA != okB {
			return okA
		}
		return a < b
	})
}

func (db *DB) strings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := db.query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ListGroups pages the account's security groups by name.
func (db *DB) ListGroups(ctx context.Context, accountID int64, f gatehouse.ListFilter) (gatehouse.Page[gatehouse.SecurityGroup], error) {
	var page gatehouse.Page[gatehouse.SecurityGroup]
	l := listQuery{}
	l.add("account_id = ?", accountID)
	tail, limit, err := l.page("name", "id", f)
	if err != nil {
		return page, err
	}
	rows, err := db.query(ctx, db.rdb, `SELECT `+groupCols+` FROM security_groups`+tail, l.args...)
	if err != nil {
		return page, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, g)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	page.Items, page.NextCursor = nextCursor(page.Items, limit, func(g gatehouse.SecurityGroup) (string, int64) { return g.Name, g.ID })
	return page, db.fillGroups(ctx, db.rdb, page.Items)
}

// CreateGroup adds a security group.
func (db *DB) CreateGroup(ctx context.Context, accountID int64, g gatehouse.SecurityGroup) (gatehouse.SecurityGroup, error) {
	var out gatehouse.SecurityGroup
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		id, err := db.insertGroup(ctx, tx, accountID, &g)
		if err != nil {
			return err
		}
		out, err = db.group(ctx, tx, accountID, id)
		return err
	})
	return out, err
}

func (db *DB) insertGroup(ctx context.Context, tx *sql.Tx, accountID int64, g *gatehouse.SecurityGroup) (int64, error) {
	if err := db.validateGroup(ctx, tx, accountID, g); err != nil {
		return 0, err
	}
	now := ms(db.Now())
	id, err := db.insert(ctx, tx, `INSERT INTO security_groups (account_id, name, description, access_type, is_default, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, accountID, g.Name, g.Description, string(g.AccessType), g.IsDefault, now, now)
	if err != nil {
		if db.d.IsUniqueViolation(err) {
			return 0, groupNameTaken()
		}
		return 0, fmt.Errorf("insert group: %w", err)
	}
	if err := db.writeGroupSets(ctx, tx, accountID, id, g); err != nil {
		return 0, err
	}
	g.ID = id
	return id, db.appendAudit(ctx, tx, accountID, audit.Event{Action: "security_group.create", TargetType: "security_group", TargetID: id, After: groupView(*g)})
}

// groupView is a group as the audit log records it.
func groupView(g gatehouse.SecurityGroup) map[string]any {
	ids := g.CustomerIDs
	if ids == nil {
		ids = []int64{}
	}
	return map[string]any{"id": g.ID, "name": g.Name, "description": g.Description, "access_type": g.AccessType,
		"customer_ids": ids, "permissions": g.Permissions, "is_default": g.IsDefault}
}

func groupNameTaken() error {
	return &gatehouse.Error{Code: gatehouse.EConflict, Field: "name", Message: "a security group with this name already exists"}
}

// writeGroupSets replaces a group's permissions and customer list.
func (db *DB) writeGroupSets(ctx context.Context, tx *sql.Tx, accountID, id int64, g *gatehouse.SecurityGroup) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM security_group_permissions WHERE group_id = ?`, id); err != nil {
		return err
	}
	for _, p := range g.Permissions {
		if _, err := db.exec(ctx, tx, `INSERT INTO security_group_permissions (group_id, permission) VALUES (?, ?)`, id, p); err != nil {
			return fmt.Errorf("insert permission: %w", err)
		}
	}
	if _, err := db.exec(ctx, tx, `DELETE FROM security_group_customers WHERE group_id = ?`, id); err != nil {
		return err
	}
	for _, c := range g.CustomerIDs {
		if _, err := db.exec(ctx, tx, `INSERT INTO security_group_customers (account_id, group_id, customer_id) VALUES (?, ?, ?)`, accountID, id, c); err != nil {
			return fmt.Errorf("insert group customer: %w", err)
		}
	}
	return nil
}

// validateGroup checks and normalises a group before it is written.
// Every field at fault is named at once.
func (db *DB) validateGroup(ctx context.Context, q querier, accountID int64, g *gatehouse.SecurityGroup) error {
	var errs gatehouse.Invalids
	g.Name = strings.TrimSpace(g.Name)
	switch {
	case g.Name == "":
		errs.Add(gatehouse.Invalid("name", "a name is required"))
	case len(g.Name) > 100:
		errs.Add(gatehouse.Invalid("name", "at most 100 characters"))
	}
	if len(g.Description) > 2000 {
		errs.Add(gatehouse.Invalid("description", "at most 2000 characters"))
	}
	errs.Add(checkText("name", g.Name))
	errs.Add(checkText("description", g.Description))
	if g.AccessType == "" {
		g.AccessType = gatehouse.AllCustomers
	}
	if !g.AccessType.Valid() {
		errs.Add(gatehouse.Invalid("access_type", "must be all_customers or select_customers"))
	}
	if g.AccessType == gatehouse.AllCustomers && len(g.CustomerIDs) > 0 {
		errs.Add(gatehouse.Invalid("customer_ids", "a customer list applies only to select_customers groups"))
	}
	g.Permissions = dedupStrings(g.Permissions)
	errs.Add(checkGroupPermissions(g))
	if !errs.Empty() {
		return errs.Err()
	}
	sortByCatalog(g.Permissions)
	g.CustomerIDs = dedup(g.CustomerIDs)
	return db.checkCustomersExist(ctx, q, accountID, g.CustomerIDs, "customer_ids")
}

// checkGroupPermissions refuses the first permission the group cannot hold.
func checkGroupPermissions(g *gatehouse.SecurityGroup) error {
	for _, key := range g.Permissions {
		p, ok := catalog.Lookup(key)
		if !ok {
			return gatehouse.Invalid("permissions", "unknown permission %q", key)
		}
		if g.AccessType != gatehouse.AllCustomers && !p.CustomerScoped() {
			return gatehouse.Invalid("permissions", "%q is account-wide and can only be granted by an All Customers group", key)
		}
	}
	return nil
}

func (db *DB) checkCustomersExist(ctx context.Context, q querier, accountID int64, ids []int64, field string) error {
	for _, c := range ids {
		var n int
		if err := db.queryRow(ctx, q, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND id = ?`, accountID, c).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return gatehouse.Invalid(field, "customer %d not found", c)
		}
	}
	return nil
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

// UpdateGroup applies the set fields. check, if not nil, sees the group
// before and after the change inside the transaction and may refuse it.
func (db *DB) UpdateGroup(ctx context.Context, accountID, id int64, f gatehouse.GroupFields, check func(before, after gatehouse.SecurityGroup) error) (gatehouse.SecurityGroup, error) {
	var out gatehouse.SecurityGroup
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		before, err := db.group(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		after := before
		if f.AccessType != nil && *f.AccessType == gatehouse.SelectCustomers && f.CustomerIDs == nil && before.AccessType == gatehouse.AllCustomers {
			after.CustomerIDs = nil // switching to select with no list: no customers
		}
		f.Apply(&after)
		if err := db.validateGroup(ctx, tx, accountID, &after); err != nil {
			return err
		}
		if check != nil {
			if err := check(before, after); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, tx, `UPDATE security_groups SET name = ?, description = ?, access_type = ?, is_default = ?, updated_at = ?
			WHERE account_id = ? AND id = ?`, after.Name, after.Description, string(after.AccessType), after.IsDefault, ms(db.Now()), accountID, id)
		if err != nil {
			if db.d.IsUniqueViolation(err) {
				return groupNameTaken()
			}
			return fmt.Errorf("update group: %w", err)
		}
		if err := db.writeGroupSets(ctx, tx, accountID, id, &after); err != nil {
			return err
		}
		if out, err = db.group(ctx, tx, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "security_group.update", TargetType: "security_group", TargetID: id,
			Before: groupView(before), After: groupView(out)})
	})
	return out, err
}

// DeleteGroup removes a group and its memberships; check may refuse it.
func (db *DB) DeleteGroup(ctx context.Context, accountID, id int64, check func(gatehouse.SecurityGroup) error) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		g, err := db.group(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(g); err != nil {
				return err
			}
		}
		if _, err = db.exec(ctx, tx, `DELETE FROM security_groups WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, accountID, audit.Event{Action: "security_group.delete", TargetType: "security_group", TargetID: id, Before: groupView(g)})
	})
}

// CopyGroup makes a new group with another's scope and permissions.
func (db *DB) CopyGroup(ctx context.Context, accountID, id int64, name string, check func(gatehouse.SecurityGroup) error) (gatehouse.SecurityGroup, error) {
	var out gatehouse.SecurityGroup
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.bumpSecurityVersion(ctx, tx, accountID); err != nil {
			return err
		}
		src, err := db.group(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(src); err != nil {
				return err
			}
		}
		cp := gatehouse.SecurityGroup{Name: name, Description: src.Description, AccessType: src.AccessType,
			CustomerIDs: src.CustomerIDs, Permissions: src.Permissions}
		newID, err := db.insertGroup(ctx, tx, accountID, &cp)
		if err != nil {
			return err
		}
		out, err = db.group(ctx, tx, accountID, newID)
		return err
	})
	return out, err
}
