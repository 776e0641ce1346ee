package main

import (
	"context"
	"flag"
	"strconv"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/sqldb"
)

// query is one decision the race asks: may user do perm on a record of
// customer?
type query struct {
	user     int64
	perm     catalog.Perm
	customer int64
}

// service is one engine running as a decision service over loopback
// HTTP. Requests are prepared once, so the load spends its time on the
// wire and in the servers.
type service interface {
	name() string
	addr() string
	// check is the request for one decision; fresh asks the engine to
	// answer from data at least as new as every committed change.
	check(q query, fresh bool) []byte
	decided(body []byte) (bool, error)
	batch(qs []query) []byte
	batched(body []byte, n int) ([]bool, error)
	// list is the customers user may use perm on, as the listing page of
	// an application would read them: through the engine, then the
	// customers' rows from SQL.
	list(ctx context.Context, w *wire, user int64, perm catalog.Perm) ([]int64, error)
	// removeMember takes user out of group through the engine's own
	// write path.
	removeMember(ctx context.Context, w *wire, user, group int64) error
	stop()
	// process is the server's process, for its CPU time.
	process() *proc
}

// datasetFlags are the options every process regenerates the account
// from: the same options give the same account.
func datasetFlags(fs *flag.FlagSet, o *gen.Options) {
	fs.IntVar(&o.Customers, "customers", 5000, "customers")
	fs.IntVar(&o.Users, "users", 2000, "users (one global admin comes on top)")
	fs.IntVar(&o.Groups, "groups", 200, "security groups")
	fs.IntVar(&o.Assets, "assets", 0, "assets (the race decides on customers; assets only make the database bigger)")
	fs.Uint64Var(&o.Seed, "seed", 1, "dataset and request seed")
}

func datasetArgs(o gen.Options) []string {
	return []string{"-customers", strconv.Itoa(o.Customers), "-users", strconv.Itoa(o.Users), "-groups", strconv.Itoa(o.Groups),
		"-assets", strconv.Itoa(o.Assets), "-seed", strconv.FormatUint(o.Seed, 10)}
}

// idBase is where Gatehouse's store put the account's rows, so another
// process's copy of the dataset uses the same ids.
type idBase struct {
	account, customer, group, user int64
}

func baseOf(ds *gen.Dataset) idBase {
	return idBase{ds.AccountID, ds.Customers[0].ID, ds.Groups[0].ID, ds.Users[0].ID}
}

func (b *idBase) flags(fs *flag.FlagSet) {
	fs.Int64Var(&b.account, "account-id", 1, "the account's id")
	fs.Int64Var(&b.customer, "customer-base", 1, "the first customer's id")
	fs.Int64Var(&b.group, "group-base", 1, "the first group's id")
	fs.Int64Var(&b.user, "user-base", 1, "the first user's id")
}

func (b idBase) args() []string {
	return []string{"-account-id", strconv.FormatInt(b.account, 10), "-customer-base", strconv.FormatInt(b.customer, 10),
		"-group-base", strconv.FormatInt(b.group, 10), "-user-base", strconv.FormatInt(b.user, 10)}
}

func (b idBase) apply(ds *gen.Dataset) {
	ds.AccountID = b.account
	for i := range ds.Customers {
		ds.Customers[i].ID = b.customer + int64(i)
	}
	for i := range ds.Groups {
		ds.Groups[i].ID = b.group + int64(i)
	}
	for i := range ds.Users {
		ds.Users[i].ID = b.user + int64(i)
	}
}

// listSQL reads the customers' rows an engine named, with the query
// Gatehouse's own customer list runs: the ids as the scope, keyset pages
// of 500 by name.
type listSQL struct {
	db      *sqldb.DB
	account int64
}

func (l *listSQL) rows(ctx context.Context, ids []int64) ([]int64, error) {
	scope := access.Only(ids...)
	f := gatehouse.ListFilter{Limit: 500}
	out := make([]int64, 0, len(ids))
	for {
		page, err := l.db.ListCustomers(ctx, l.account, scope, f)
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			out = append(out, c.ID)
		}
		if page.NextCursor == "" {
			return out, nil
		}
		f.Cursor = page.NextCursor
	}
}
