package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/sqlite"
)

var assetsView = catalog.MustLookup("assets.view")

// gatehouseEngine is the product's own path: the store loads each user's
// subject, the engine compiles it once, checks answer from memory, and
// lists are the store's filtered, keyset-paged query.
type gatehouseEngine struct {
	db     *sqldb.DB
	ds     *gen.Dataset
	grants map[int64]*access.Grants // by user ID
}

func newGatehouse(ctx context.Context, dir string, ds *gen.Dataset, progress func(gen.Progress)) (*gatehouseEngine, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		return nil, err
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{Progress: progress}); err != nil {
		db.Close()
		return nil, err
	}
	e := &gatehouseEngine{db: db, ds: ds, grants: make(map[int64]*access.Grants, len(ds.Users))}
	now := time.Now()
	for _, u := range ds.Users {
		s, _, err := db.Subject(ctx, ds.AccountID, u.ID)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("load subject %d: %w", u.ID, err)
		}
		e.grants[u.ID] = access.Compile(s, now)
	}
	return e, nil
}

func (e *gatehouseEngine) close() { e.db.Close() }

// listAssets runs the product's list query for the records userID's
// assets.view reaches: the first page of limit assets by name or, with
// limit 0, every page (500 a page, the most the API serves).
func (e *gatehouseEngine) listAssets(ctx context.Context, userID int64, limit int) ([]int64, error) {
	m, ok := records.Lookup("assets")
	if !ok {
		return nil, fmt.Errorf("no assets module")
	}
	reach := records.ViewReach(m, e.grants[userID])
	f := gatehouse.ListFilter{Limit: limit}
	if limit == 0 {
		f.Limit = 500
	}
	var ids []int64
	for {
		page, err := e.db.ListRecords(ctx, e.ds.AccountID, m, f, reach)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		if limit > 0 || page.NextCursor == "" {
			return ids, nil
		}
		f.Cursor = page.NextCursor
	}
}
