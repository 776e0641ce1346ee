package gen

import (
	"context"
	"time"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb"
)

// Progress is how far a Load has come, counted in rows over all tables.
type Progress struct {
	Table       string // the table just written to
	Done, Total int
}

// LoadOptions tune Load.
type LoadOptions struct {
	// PasswordHash is given to every generated user, the global admin
	// too; empty means nobody can sign in with a password.
	PasswordHash string
	// Progress, if set, is called after each batch of rows.
	Progress func(Progress)
}

// Rows is how many rows Load writes for ds, over all tables.
func (ds *Dataset) Rows() int {
	n := 1 + len(ds.Customers) + len(ds.Groups) + len(ds.Users) + len(ds.AssetCustomer)
	for _, c := range ds.Customers {
		n += len(c.Tags)
	}
	for _, g := range ds.Groups {
		n += len(g.Perms) + len(g.Customers)
	}
	for _, u := range ds.Users {
		n += len(u.Groups)
	}
	return n
}

// Load writes ds into db as a new account, in one transaction, and
// rebases ds's IDs onto the ones it wrote, so ds then describes the
// stored account exactly. If the account name is taken, nothing is
// written.
func Load(ctx context.Context, db *sqldb.DB, ds *Dataset, o LoadOptions) error {
	bl, err := db.BeginBulkLoad(ctx)
	if err != nil {
		return err
	}
	defer bl.Rollback()
	done, total := 0, ds.Rows()
	if o.Progress != nil {
		bl.Progress = func(table string, rows int) {
			done += rows
			o.Progress(Progress{Table: table, Done: done, Total: total})
		}
	}
	ids, err := bl.NextIDs()
	if err != nil {
		return err
	}
	ds.rebase(ids)

	if err := bl.Account(ds.AccountID, ds.Options.Account, ds.Now.AddDate(-5, 0, 0)); err != nil {
		return err
	}
	if bl.Progress != nil {
		bl.Progress("accounts", 1)
	}
	if err := bl.Customers(ds.AccountID, len(ds.Customers), func(i int) gatehouse.Customer {
		c := &ds.Customers[i]
		created := ds.past(uint64(i), 5*365*24*time.Hour)
		return gatehouse.Customer{ID: c.ID, Name: c.Name, Tags: c.Tags, City: c.City, Country: c.Country,
			Email: c.Email, Phone: c.Phone, Website: "https://www." + c.Domain, CreatedAt: created, UpdatedAt: created}
	}); err != nil {
		return err
	}
	if err := bl.Groups(ds.AccountID, len(ds.Groups), func(i int) gatehouse.SecurityGroup {
		g := &ds.Groups[i]
		created := ds.past(1<<40+uint64(i), 3*365*24*time.Hour)
		return gatehouse.SecurityGroup{ID: g.ID, Name: g.Name, Description: g.Description, AccessType: g.AccessType,
			CustomerIDs: ds.CustomerIDs(g), Permissions: g.PermKeys(), CreatedAt: created, UpdatedAt: created}
	}); err != nil {
		return err
	}
	if err := bl.Users(ds.AccountID, len(ds.Users), func(i int) gatehouse.User {
		u := &ds.Users[i]
		created := ds.past(2<<40+uint64(i), 3*365*24*time.Hour)
		gids := make([]int64, len(u.Groups))
		for j, g := range u.Groups {
			gids[j] = ds.Groups[g].ID
		}
		return gatehouse.User{ID: u.ID, Email: u.Email, Name: u.Name, PasswordHash: o.PasswordHash,
			GlobalAdmin: u.GlobalAdmin, GroupIDs: gids, CreatedAt: created, UpdatedAt: created}
	}); err != nil {
		return err
	}
	if err := bl.Assets(ds.AccountID, len(ds.AssetCustomer), func(i int) sqldb.AssetRow {
		a := ds.Asset(i)
		return sqldb.AssetRow{ID: a.ID, CustomerID: ds.Customers[a.Customer].ID, Name: a.Name, Kind: a.Kind,
			OS: a.OS, Serial: a.Serial, LastSeenAt: a.LastSeenAt, CreatedAt: a.CreatedAt}
	}); err != nil {
		return err
	}
	return bl.Commit()
}

// rebase moves every ID onto the first free ones of the store.
func (ds *Dataset) rebase(ids sqldb.BulkIDs) {
	ds.AccountID = ids.Account
	for i := range ds.Customers {
		ds.Customers[i].ID = ids.Customer + int64(i)
	}
	for i := range ds.Groups {
		ds.Groups[i].ID = ids.Group + int64(i)
	}
	for i := range ds.Users {
		ds.Users[i].ID = ids.User + int64(i)
	}
	ds.AssetBase = ids.Asset - 1
	ds.accessGroups = nil
}

// past is a deterministic moment within span before ds.Now.
func (ds *Dataset) past(key uint64, span time.Duration) time.Time {
	h := mix(ds.Seed ^ mix(key))
	return ds.Now.Add(-time.Duration(h % uint64(span))).Truncate(time.Millisecond)
}

// Attach matches ds to the account of the same name loaded earlier by
// Load, rebasing its IDs onto the stored ones, so a large account is
// generated in memory again (in seconds) instead of loaded again. ok is
// false when the store holds no such account.
func Attach(ctx context.Context, db *sqldb.DB, ds *Dataset) (ok bool, err error) {
	ids, ok, err := db.LoadedIDs(ctx, ds.Options.Account)
	if err != nil || !ok {
		return false, err
	}
	ds.rebase(ids)
	return true, nil
}
