package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// BulkLoad writes a whole generated account in one transaction with
// multi-row INSERTs. The caller chooses the IDs (from NextIDs), so rows
// of one table reference another's without reading anything back. Rows
// are checked as the product's own writes check them, but in memory:
// nothing here queries per row.
type BulkLoad struct {
	db  *DB
	tx  *sql.Tx
	ctx context.Context
	// Progress, if set, hears of every batch written: the table and how
	// many of its rows the batch held.
	Progress func(table string, rows int)
}

// bulkTables are the tables a bulk load assigns IDs in.
var bulkTables = []string{"accounts", "customers", "security_groups", "users", "assets"}

// BeginBulkLoad starts a bulk load. On PostgreSQL it locks the tables it
// assigns IDs in against other writers until Commit or Rollback.
func (db *DB) BeginBulkLoad(ctx context.Context) (*BulkLoad, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	if db.d.Name() == "postgres" {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE `+strings.Join(bulkTables, ", ")+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("lock tables: %w", err)
		}
	}
	return &BulkLoad{db: db, tx: tx, ctx: ctx}, nil
}

// BulkIDs are the first free ID of each table.
type BulkIDs struct {
	Account, Customer, Group, User, Asset int64
}

// NextIDs reads the first ID above every existing row of each table.
func (b *BulkLoad) NextIDs() (BulkIDs, error) {
	var ids BulkIDs
	for i, dst := range []*int64{&ids.Account, &ids.Customer, &ids.Group, &ids.User, &ids.Asset} {
		if err := b.tx.QueryRowContext(b.ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+bulkTables[i]).Scan(dst); err != nil {
			return ids, fmt.Errorf("next id of %s: %w", bulkTables[i], err)
		}
	}
	return ids, nil
}

// Rollback abandons the load.
func (b *BulkLoad) Rollback() error { return b.tx.Rollback() }

// Commit makes the load visible. On PostgreSQL it first moves each
// identity sequence past the IDs the load chose.
func (b *BulkLoad) Commit() error {
	if b.db.d.Name() == "postgres" {
		for _, t := range bulkTables {
			q := `SELECT setval(pg_get_serial_sequence('` + t + `', 'id'), (SELECT MAX(id) FROM ` + t + `)) WHERE EXISTS (SELECT 1 FROM ` + t + `)`
			if _, err := b.tx.ExecContext(b.ctx, q); err != nil {
				b.tx.Rollback()
				return fmt.Errorf("advance %s sequence: %w", t, err)
			}
		}
	}
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Account inserts an account row; a bulk-loaded account starts with no
// example groups, only what the load writes.
func (b *BulkLoad) Account(id int64, name string, createdAt time.Time) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return gatehouse.Invalid("account", "account name is required")
	}
	slug, err := b.db.freeSlug(b.ctx, b.tx, gatehouse.Slug(name))
	if err != nil {
		return err
	}
	_, err = b.db.exec(b.ctx, b.tx, `INSERT INTO accounts (id, name, slug, security_version, created_at) VALUES (?, ?, ?, 1, ?)`, id, name, slug, ms(createdAt))
	if err != nil && b.db.d.IsUniqueViolation(err) {
		return gatehouse.Errorf(gatehouse.EConflict, "account %q already exists", name)
	}
	return err
}

// Customers inserts n customers, with their tags; row(i) gives the i-th,
// its ID set.
func (b *BulkLoad) Customers(accountID int64, n int, row func(i int) gatehouse.Customer) error {
	cs := b.inserter("customers", "id", "account_id", "name", "notes", "email", "phone", "website", "address_line1",
		"address_line2", "city", "region", "postal_code", "country", "created_at", "updated_at")
	tags := b.inserter("customer_tags", "customer_id", "tag")
	tags.parent = cs
	for i := range n {
		c := row(i)
		if strings.TrimSpace(c.Name) == "" {
			return gatehouse.Invalid("name", "customer %d has no name", c.ID)
		}
		if err := cs.row(c.ID, accountID, c.Name, c.Notes, c.Email, c.Phone, c.Website, c.AddressLine1, c.AddressLine2,
			c.City, c.Region, c.PostalCode, c.Country, ms(c.CreatedAt), ms(c.UpdatedAt)); err != nil {
			return err
		}
		for _, t := range dedupStrings(c.Tags) {
			if err := tags.row(c.ID, t); err != nil {
				return err
			}
		}
	}
	return closeAll(cs, tags)
}

// Groups inserts n security groups with their permissions and customer
// lists. They are checked as CreateGroup checks them (known permissions,
// account-wide ones only in all-customers groups, lists only in
// select-customers groups); customer IDs are checked by the foreign key.
func (b *BulkLoad) Groups(accountID int64, n int, row func(i int) gatehouse.SecurityGroup) error {
	gs := b.inserter("security_groups", "id", "account_id", "name", "description", "access_type", "is_default", "created_at", "updated_at")
	perms := b.inserter("security_group_permissions", "group_id", "permission")
	custs := b.inserter("security_group_customers", "account_id", "group_id", "customer_id")
	perms.parent, custs.parent = gs, gs
	for i := range n {
		g := row(i)
		if strings.TrimSpace(g.Name) == "" {
			return gatehouse.Invalid("name", "group %d has no name", g.ID)
		}
		if !g.AccessType.Valid() {
			return gatehouse.Invalid("access_type", "group %q: must be all_customers or select_customers", g.Name)
		}
		if g.AccessType == gatehouse.AllCustomers && len(g.CustomerIDs) > 0 {
			return gatehouse.Invalid("customer_ids", "group %q: a customer list applies only to select_customers groups", g.Name)
		}
		if err := gs.row(g.ID, accountID, g.Name, g.Description, string(g.AccessType), g.IsDefault, ms(g.CreatedAt), ms(g.UpdatedAt)); err != nil {
			return err
		}
		for _, key := range dedupStrings(g.Permissions) {
			p, ok := catalog.Lookup(key)
			if !ok {
				return gatehouse.Invalid("permissions", "group %q: unknown permission %q", g.Name, key)
			}
			if g.AccessType != gatehouse.AllCustomers && !p.CustomerScoped() {
				return gatehouse.Invalid("permissions", "group %q: %q is account-wide and can only be granted by an All Customers group", g.Name, key)
			}
			if err := perms.row(g.ID, key); err != nil {
				return err
			}
		}
		for _, c := range dedup(g.CustomerIDs) {
			if err := custs.row(accountID, g.ID, c); err != nil {
				return err
			}
		}
	}
	return closeAll(gs, perms, custs)
}

// Users inserts n users with their memberships (GroupIDs).
func (b *BulkLoad) Users(accountID int64, n int, row func(i int) gatehouse.User) error {
	us := b.inserter("users", "id", "account_id", "email", "name", "password_hash", "global_admin", "disabled", "created_at", "updated_at")
	mems := b.inserter("memberships", "account_id", "user_id", "group_id")
	mems.parent = us
	for i := range n {
		u := row(i)
		email, err := gatehouse.NormalizeEmail(u.Email)
		if err != nil {
			return err
		}
		if err := us.row(u.ID, accountID, email, u.Name, u.PasswordHash, u.GlobalAdmin, u.Disabled, ms(u.CreatedAt), ms(u.UpdatedAt)); err != nil {
			return err
		}
		for _, g := range dedup(u.GroupIDs) {
			if err := mems.row(accountID, u.ID, g); err != nil {
				return err
			}
		}
	}
	return closeAll(us, mems)
}

// AssetRow is one asset for a bulk load.
type AssetRow struct {
	ID         int64
	CustomerID int64
	Name       string
	Kind       string
	OS         string
	Serial     string
	LastSeenAt time.Time // zero: never seen
	CreatedAt  time.Time
}

// Assets inserts n assets.
func (b *BulkLoad) Assets(accountID int64, n int, row func(i int) AssetRow) error {
	as := b.inserter("assets", "id", "account_id", "customer_id", "name", "kind", "os", "serial", "last_seen_at", "created_at", "updated_at")
	for i := range n {
		a := row(i)
		if strings.TrimSpace(a.Name) == "" {
			return gatehouse.Invalid("name", "asset %d has no name", a.ID)
		}
		var seen any
		if !a.LastSeenAt.IsZero() {
			seen = ms(a.LastSeenAt)
		}
		if err := as.row(a.ID, accountID, a.CustomerID, a.Name, a.Kind, a.OS, a.Serial, seen, ms(a.CreatedAt), ms(a.CreatedAt)); err != nil {
			return err
		}
	}
	return closeAll(as)
}

// inserter batches rows of one table into multi-row INSERTs, reusing one
// prepared statement for every full batch.
type inserter struct {
	b       *BulkLoad
	table   string
	cols    []string
	perStmt int
	args    []any
	full    *sql.Stmt
	parent  *inserter // flushed first, so a child row never precedes its parent
}

// maxBulkArgs keeps a statement well under both engines' limits on bound
// parameters (SQLite 32,766; PostgreSQL 65,535).
const maxBulkArgs = 8000

func (b *BulkLoad) inserter(table string, cols ...string) *inserter {
	per := max(1, min(500, maxBulkArgs/len(cols)))
	return &inserter{b: b, table: table, cols: cols, perStmt: per, args: make([]any, 0, per*len(cols))}
}

func (in *inserter) statement(rows int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + in.table + " (" + strings.Join(in.cols, ", ") + ") VALUES ")
	tuple := "(" + strings.Repeat("?, ", len(in.cols)-1) + "?)"
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(tuple)
	}
	return in.b.db.d.Rebind(sb.String())
}

func (in *inserter) row(vals ...any) error {
	in.args = append(in.args, vals...)
	if len(in.args) == in.perStmt*len(in.cols) {
		return in.flush()
	}
	return nil
}

func (in *inserter) flush() error {
	if in.parent != nil {
		if err := in.parent.flush(); err != nil {
			return err
		}
	}
	rows := len(in.args) / len(in.cols)
	if rows == 0 {
		return nil
	}
	var err error
	if rows == in.perStmt {
		if in.full == nil {
			if in.full, err = in.b.tx.PrepareContext(in.b.ctx, in.statement(rows)); err != nil {
				return fmt.Errorf("prepare insert into %s: %w", in.table, err)
			}
		}
		_, err = in.full.ExecContext(in.b.ctx, in.args...)
	} else {
		_, err = in.b.tx.ExecContext(in.b.ctx, in.statement(rows), in.args...)
	}
	if err != nil {
		if in.b.db.d.IsUniqueViolation(err) {
			return gatehouse.Errorf(gatehouse.EConflict, "%s: a row already exists (%v)", in.table, err)
		}
		return fmt.Errorf("insert into %s: %w", in.table, err)
	}
	in.args = in.args[:0]
	if in.b.Progress != nil {
		in.b.Progress(in.table, rows)
	}
	return nil
}

func (in *inserter) close() error {
	err := in.flush()
	if in.full != nil {
		if cerr := in.full.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func closeAll(ins ...*inserter) error {
	var first error
	for _, in := range ins {
		if err := in.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// LoadedIDs finds a bulk-loaded account by name and the first ID of each
// table it wrote (a load assigns consecutive IDs), so a generated dataset
// can be matched to an account loaded earlier. ok is false when no such
// account exists.
func (db *DB) LoadedIDs(ctx context.Context, accountName string) (ids BulkIDs, ok bool, err error) {
	err = db.queryRow(ctx, db.rdb, `SELECT id FROM accounts WHERE name = ?`, accountName).Scan(&ids.Account)
	if err == sql.ErrNoRows {
		return ids, false, nil
	}
	if err != nil {
		return ids, false, err
	}
	for i, dst := range []*int64{&ids.Customer, &ids.Group, &ids.User, &ids.Asset} {
		var v sql.NullInt64
		if err := db.queryRow(ctx, db.rdb, `SELECT MIN(id) FROM `+bulkTables[i+1]+` WHERE account_id = ?`, ids.Account).Scan(&v); err != nil {
			return ids, false, err
		}
		*dst = v.Int64
	}
	return ids, true, nil
}
