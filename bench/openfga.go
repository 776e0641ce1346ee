package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/language/pkg/go/transformer"
	"github.com/openfga/openfga/pkg/logger"
	"github.com/openfga/openfga/pkg/server"
	"github.com/openfga/openfga/pkg/storage/migrate"
	"github.com/openfga/openfga/pkg/storage/sqlcommon"
	"github.com/openfga/openfga/pkg/storage/sqlite"
	"github.com/openfga/openfga/pkg/tuple"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
)

// relation is a permission key as an OpenFGA relation name.
func relation(p catalog.Perm) string { return strings.ReplaceAll(p.Key(), ".", "_") }

// openfgaModel writes Gatehouse's rule the way OpenFGA's documentation
// advises for group-based access: each permission is a relation that
// group members are assigned to directly ([group#member]), on the
// customer for a select-customers group and on the account for an
// all-customers group (which every customer inherits through its
// account). A check reads only the groups holding that permission on
// that customer or the account — no fan-out through all of a customer's
// groups, no intersections. Account-wide permissions exist only on the
// account, so only all-customers groups and admins grant them; an
// asset's view is its customer's assets_view.
func openfgaModel() string {
	var b strings.Builder
	b.WriteString("model\n  schema 1.1\ntype user\n")
	b.WriteString("type group\n  relations\n    define member: [user]\n")
	b.WriteString("type account\n  relations\n    define admin: [user]\n")
	for _, p := range catalog.All() {
		fmt.Fprintf(&b, "    define %s: [group#member] or admin\n", relation(p.Index))
	}
	b.WriteString("type customer\n  relations\n    define account: [account]\n")
	for _, p := range catalog.All() {
		if p.CustomerScoped {
			r := relation(p.Index)
			fmt.Fprintf(&b, "    define %s: [group#member] or %s from account\n", r, r)
		}
	}
	b.WriteString("type asset\n  relations\n    define customer: [customer]\n    define view: assets_view from customer\n")
	return b.String()
}

type openfgaEngine struct {
	srv     *server.Server
	ds      *gen.Dataset
	store   string
	modelID string
	account string
}

func fgaUser(id int64) string     { return "user:" + strconv.FormatInt(id, 10) }
func fgaGroup(id int64) string    { return "group:" + strconv.FormatInt(id, 10) }
func fgaCustomer(id int64) string { return "customer:" + strconv.FormatInt(id, 10) }

// newOpenFGA starts OpenFGA in-process on a SQLite datastore in dir,
// with ListObjects' result cap and deadline removed, and writes the
// dataset as tuples. It reports the tuple count.
func newOpenFGA(ctx context.Context, dir string, ds *gen.Dataset, progress func(done, total int)) (*openfgaEngine, int, error) {
	uri := "file:" + filepath.Join(dir, "openfga.db")
	if err := migrate.RunMigrations(migrate.MigrationConfig{Engine: "sqlite", URI: uri, Timeout: time.Minute, PingTimeout: 10 * time.Second}); err != nil {
		return nil, 0, fmt.Errorf("openfga migrations: %w", err)
	}
	store, err := sqlite.New(uri, sqlcommon.NewConfig(sqlcommon.WithLogger(logger.NewNoopLogger())))
	if err != nil {
		return nil, 0, fmt.Errorf("openfga datastore: %w", err)
	}
	srv, err := server.NewServerWithOpts(
		server.WithDatastore(store),
		server.WithLogger(logger.NewNoopLogger()),
		server.WithListObjectsMaxResults(0), // 0: no cap
		server.WithListObjectsDeadline(0),   // 0: no deadline
		server.WithMaxAuthorizationModelSizeInBytes(4<<20),
	)
	if err != nil {
		return nil, 0, err
	}
	e := &openfgaEngine{srv: srv, ds: ds, account: "account:" + strconv.FormatInt(ds.AccountID, 10)}
	st, err := srv.CreateStore(ctx, &openfgav1.CreateStoreRequest{Name: "gatehouse-bench"})
	if err != nil {
		return nil, 0, err
	}
	e.store = st.GetId()
	m, err := transformer.TransformDSLToProto(openfgaModel())
	if err != nil {
		return nil, 0, fmt.Errorf("openfga model: %w", err)
	}
	wm, err := srv.WriteAuthorizationModel(ctx, &openfgav1.WriteAuthorizationModelRequest{
		StoreId: e.store, SchemaVersion: m.GetSchemaVersion(), TypeDefinitions: m.GetTypeDefinitions(), Conditions: m.GetConditions(),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("openfga model: %w", err)
	}
	e.modelID = wm.GetAuthorizationModelId()

	tuples := e.tuples()
	// The datastore is written directly in large batches: the public
	// Write API takes 100 tuples a call, which only makes loading slower.
	const batch = 5000
	for i := 0; i < len(tuples); i += batch {
		if err := store.Write(ctx, e.store, nil, tuples[i:min(i+batch, len(tuples))]); err != nil {
			return nil, 0, fmt.Errorf("openfga tuples: %w", err)
		}
		if progress != nil {
			progress(min(i+batch, len(tuples)), len(tuples))
		}
	}
	return e, len(tuples), nil
}

func (e *openfgaEngine) tuples() []*openfgav1.TupleKey { return openfgaTuples(e.ds, e.account, true) }

// openfgaTuples writes the dataset as the model's tuples: each group's
// permissions assigned to its members on the account (all-customers) or
// on each customer of its list; memberships; admins; customers'
// account; and, with assets, each asset's customer.
func openfgaTuples(ds *gen.Dataset, account string, assets bool) []*openfgav1.TupleKey {
	var out []*openfgav1.TupleKey
	add := func(object, rel, user string) { out = append(out, tuple.NewTupleKey(object, rel, user)) }
	for i := range ds.Groups {
		g := &ds.Groups[i]
		members := fgaGroup(g.ID) + "#member"
		for _, p := range g.Perms {
			switch {
			case g.AccessType == gatehouse.AllCustomers:
				add(account, relation(p), members)
			case p.CustomerScoped():
				for _, c := range g.Customers {
					add(fgaCustomer(ds.CustomerID(c)), relation(p), members)
				}
			}
		}
	}
	for _, u := range ds.Users {
		if u.GlobalAdmin {
			add(account, "admin", fgaUser(u.ID))
		}
		for _, g := range u.Groups {
			add(fgaGroup(ds.Groups[g].ID), "member", fgaUser(u.ID))
		}
	}
	for _, c := range ds.Customers {
		add(fgaCustomer(c.ID), "account", account)
	}
	if assets {
		for i, c := range ds.AssetCustomer {
			add("asset:"+strconv.FormatInt(ds.AssetBase+int64(i)+1, 10), "customer", fgaCustomer(ds.CustomerID(c)))
		}
	}
	return out
}

// check asks about a customer's record, or the account for an
// account-wide permission (which ignores the customer in Gatehouse too).
func (e *openfgaEngine) check(ctx context.Context, userID int64, p catalog.Perm, customer int64) (bool, error) {
	object := e.account
	if p.CustomerScoped() {
		object = fgaCustomer(customer)
	}
	resp, err := e.srv.Check(ctx, &openfgav1.CheckRequest{
		StoreId: e.store, AuthorizationModelId: e.modelID,
		TupleKey: &openfgav1.CheckRequestTupleKey{User: fgaUser(userID), Relation: relation(p), Object: object},
	})
	if err != nil {
		return false, err
	}
	return resp.GetAllowed(), nil
}

func (e *openfgaEngine) listAssets(ctx context.Context, userID int64) ([]int64, error) {
	resp, err := e.srv.ListObjects(ctx, &openfgav1.ListObjectsRequest{
		StoreId: e.store, AuthorizationModelId: e.modelID, Type: "asset", Relation: "view", User: fgaUser(userID),
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(resp.GetObjects()))
	for _, o := range resp.GetObjects() {
		id, err := strconv.ParseInt(strings.TrimPrefix(o, "asset:"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("openfga returned %q", o)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (e *openfgaEngine) close() { e.srv.Close() }
