package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements of the read pool by query text.
// SQLite spends most of a merged list's time preparing it (a branch per
// customer), and a caller's list has the same text on every request: only
// the bound customer ids change. Statements are kept up to a bound and
// never evicted, so one in use is never closed under its user; past the
// bound, queries run unprepared as before.
type stmtCache struct {
	mu    sync.RWMutex
	max   int
	stmts map[string]*sql.Stmt
}

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, stmts: map[string]*sql.Stmt{}}
}

// query runs query on pool, through a cached statement when it can.
func (c *stmtCache) query(ctx context.Context, pool *sql.DB, query string, args ...any) (*sql.Rows, error) {
	if c == nil || c.max == 0 {
		return pool.QueryContext(ctx, query, args...)
	}
	c.mu.RLock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= c.max
	c.mu.RUnlock()
	if !ok && !full {
		prepared, err := pool.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if st, ok = c.stmts[query]; !ok && len(c.stmts) < c.max {
			c.stmts[query], st, ok = prepared, prepared, true
		} else {
			prepared.Close()
		}
		c.mu.Unlock()
	}
	if !ok {
		return pool.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
