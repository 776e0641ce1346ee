package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gatehouse/internal/audit"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// Example groups every new account starts with; both are editable.
var (
	techniciansPerms = []string{
		"customers.view", "customers.edit", "contacts.view", "contacts.create", "contacts.edit",
		"assets.view", "assets.edit", "assets.remote_access", "alerts.view", "alerts.manage",
		"tickets.view", "tickets.create", "tickets.edit", "timelogs.view", "timelogs.manage",
		"scripts.view", "scripts.run", "script_runs.view_output", "policies.view",
		"documentation.view", "documentation.create", "documentation.edit", "credentials.view",
		"appointments.view_all", "appointments.create", "appointments.edit", "chat.use",
		"reports.view", "products.view",
	}
	coManagedPerms = []string{
		"customers.view", "contacts.view", "contacts.create", "contacts.edit",
		"assets.view", "assets.edit", "alerts.view", "alerts.manage",
		"tickets.view", "tickets.create", "tickets.edit", "timelogs.view", "timelogs.manage",
		"scripts.view", "scripts.create", "scripts.edit", "scripts.run", "script_runs.view_output",
		"policies.view", "policies.create", "policies.edit", "policies.assign",
		"documentation.view", "documentation.create", "documentation.edit",
		"credentials.view", "credentials.reveal", "credentials.create", "credentials.edit",
		"invoices.view", "appointments.view_all", "appointments.create", "chat.use", "reports.view",
	}
)

func init() {
	for _, p := range append(append([]string(nil), techniciansPerms...), coManagedPerms...) {
		catalog.MustLookup(p)
	}
}

// CreateAccount makes an account with its example security groups.
func (db *DB) CreateAccount(ctx context.Context, name string) (gatehouse.Account, error) {
	var a gatehouse.Account
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = db.createAccount(ctx, tx, name)
		return err
	})
	return a, err
}

func (db *DB) createAccount(ctx context.Context, tx *sql.Tx, name string) (gatehouse.Account, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return gatehouse.Account{}, gatehouse.Invalid("account", "account name is required")
	}
	now := db.Now()
	var taken int
	if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM accounts WHERE name = ?`, name).Scan(&taken); err != nil {
		return gatehouse.Account{}, err
	}
	if taken > 0 {
		return gatehouse.Account{}, gatehouse.Errorf(gatehouse.EConflict, "account %q already exists", name)
	}
	slug, err := db.freeSlug(ctx, tx, gatehouse.Slug(name))
	if err != nil {
		return gatehouse.Account{}, err
	}
	id, err := db.insert(ctx, tx, `INSERT INTO accounts (name, slug, security_version, created_at) VALUES (?, ?, 1, ?)`, name, slug, ms(now))
	if err != nil {
		if db.d.IsUniqueViolation(err) {
			return gatehouse.Account{}, gatehouse.Errorf(gatehouse.EConflict, "account %q already exists", name)
		}
		return gatehouse.Account{}, fmt.Errorf("insert account: %w", err)
	}
	if err := db.appendAudit(ctx, tx, id, audit.Event{Action: "account.create", TargetType: "account", TargetID: id,
		After: map[string]any{"name": name}}); err != nil {
		return gatehouse.Account{}, err
	}
	examples := []gatehouse.SecurityGroup{
		{Name: "Technicians", Description: "Everyday work on every customer. New users join this group unless told otherwise.",
			AccessType: gatehouse.AllCustomers, Permissions: techniciansPerms, IsDefault: true},
		{Name: "Co-managed IT (example)", Description: "A client's own IT staff: full tools, for their own company only. Add their customer to the list.",
			AccessType: gatehouse.SelectCustomers, Permissions: coManagedPerms},
	}
	for _, g := range examples {
		if _, err := db.insertGroup(ctx, tx, id, &g); err != nil {
			return gatehouse.Account{}, err
		}
	}
	return gatehouse.Account{ID: id, Name: name, Slug: slug, SecurityVersion: 1, CreatedAt: fromMS(ms(now))}, nil
}

// freeSlug is base, or base with the lowest number that makes it unused.
func (db *DB) freeSlug(ctx context.Context, tx *sql.Tx, base string) (string, error) {
	slug := base
	for n := 2; ; n++ {
		var used int
		if err := db.queryRow(ctx, tx, `SELECT COUNT(*) FROM accounts WHERE slug = ?`, slug).Scan(&used); err != nil {
			return "", err
		}
		if used == 0 {
			return slug, nil
		}
		slug = fmt.Sprintf("%s-%d", base, n)
	}
}

// Account reads one account.
func (db *DB) Account(ctx context.Context, id int64) (gatehouse.Account, error) {
	return db.scanAccount(db.queryRow(ctx, db.rdb, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
}

// AccountByName reads one account by its unique name.
func (db *DB) AccountByName(ctx context.Context, name string) (gatehouse.Account, error) {
	return db.scanAccount(db.queryRow(ctx, db.rdb, `SELECT `+accountCols+` FROM accounts WHERE name = ?`, name))
}

// AccountBySlug reads the account a sign-in names.
func (db *DB) AccountBySlug(ctx context.Context, slug string) (gatehouse.Account, error) {
	return db.scanAccount(db.queryRow(ctx, db.rdb, `SELECT `+accountCols+` FROM accounts WHERE slug = ?`, strings.ToLower(strings.TrimSpace(slug))))
}

// SoleAccount is the deployment's account when it hosts exactly one;
// otherwise not found, and a sign-in must name its account.
func (db *DB) SoleAccount(ctx context.Context) (gatehouse.Account, error) {
	rows, err := db.query(ctx, db.rdb, `SELECT `+accountCols+` FROM accounts ORDER BY id LIMIT 2`)
	if err != nil {
		return gatehouse.Account{}, err
	}
	defer rows.Close()
	var found []gatehouse.Account
	for rows.Next() {
		a, err := scanAccountRow(rows)
		if err != nil {
			return a, err
		}
		found = append(found, a)
	}
	if err := rows.Err(); err != nil {
		return gatehouse.Account{}, err
	}
	if len(found) != 1 {
		return gatehouse.Account{}, gatehouse.NotFound("account")
	}
	return found[0], nil
}

const accountCols = `id, name, slug, security_version, created_at`

func scanAccountRow(row interface{ Scan(...any) error }) (gatehouse.Account, error) {
	var a gatehouse.Account
	var created int64
	err := row.Scan(&a.ID, &a.Name, &a.Slug, &a.SecurityVersion, &created)
	a.CreatedAt = fromMS(created)
	return a, err
}

func (db *DB) scanAccount(row interface{ Scan(...any) error }) (gatehouse.Account, error) {
	a, err := scanAccountRow(row)
	if err != nil {
		return a, notFound(err, "account")
	}
	return a, nil
}

// CountAccounts tells an empty deployment from a used one.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, db.rdb, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, err
}

// CreateAdmin creates the named account if it does not exist yet and a
// global admin in it, in one transaction.
func (db *DB) CreateAdmin(ctx context.Context, accountName string, u gatehouse.UserCreate) (gatehouse.Account, gatehouse.User, error) {
	var acct gatehouse.Account
	var user gatehouse.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		acct, err = db.scanAccount(db.queryRow(ctx, tx, `SELECT `+accountCols+` FROM accounts WHERE name = ?`, strings.TrimSpace(accountName)))
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			acct, err = db.createAccount(ctx, tx, accountName)
		}
		if err != nil {
			return err
		}
		u.GlobalAdmin = true
		u.Disabled = false
		user, err = db.createUser(ctx, tx, acct.ID, u)
		return err
	})
	return acct, user, err
}

// HasUsers reports whether any account has a user yet: on a fresh
// database no one can sign in until an admin is created.
func (db *DB) HasUsers(ctx context.Context) (bool, error) {
	var n int
	err := db.queryRow(ctx, db.rdb, `SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) AS u`).Scan(&n)
	return n > 0, err
}
