package sqldb

import (
	"context"
	"database/sql"
	"sync"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// Subject loads what the decision engine compiles for one user: flags,
// memberships, and each group's permissions and resolved scope. It reads
// in one transaction so the picture is consistent.
func (db *DB) Subject(ctx context.Context, accountID, userID int64) (access.Subject, int64, error) {
	var s access.Subject
	var version int64
	// Inside a caller's transaction the groups may be changing and the
	// version is not yet committed: nothing read there is kept.
	_, inTx := ctx.Value(txKey{}).(*sql.Tx)
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		if err := db.queryRow(ctx, tx, `SELECT security_version FROM accounts WHERE id = ?`, accountID).Scan(&version); err != nil {
			return notFound(err, "account")
		}
		u, err := db.user(ctx, tx, accountID, userID)
		if err != nil {
			return err
		}
		s = access.Subject{UserID: u.ID, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled}
		var groups *groupCache
		if !inTx {
			groups = db.groups.at(accountID, version)
		}
		s.Memberships, err = db.memberships(ctx, tx, accountID, userID, groups)
		return err
	})
	return s, version, err
}

// groupCaches keeps each account's groups as the engine sees them —
// permissions and resolved customer lists — for the security version
// they were read at. Every change to a group, its customers or a
// customer's archiving moves the version, so compiling the next user's
// grants reads only their memberships. The version is read before the
// groups, so a kept group is never older than its version.
type groupCaches struct {
	mu       sync.Mutex
	accounts map[int64]*groupCache
}

type groupCache struct {
	mu      sync.Mutex
	version int64
	groups  map[int64]*access.Group
}

// at is the account's cache for version, emptied when the version moved.
func (c *groupCaches) at(accountID, version int64) *groupCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.accounts == nil {
		c.accounts = map[int64]*groupCache{}
	}
	gc := c.accounts[accountID]
	if gc == nil || gc.version < version {
		gc = &groupCache{version: version, groups: map[int64]*access.Group{}}
		c.accounts[accountID] = gc
	}
	if gc.version > version {
		return nil // an older reader: it neither reads nor fills the newer cache
	}
	return gc
}

func (gc *groupCache) get(id int64) *access.Group {
	if gc == nil {
		return nil
	}
	gc.mu.Lock()
	defer gc.mu.Unlock()
	return gc.groups[id]
}

func (gc *groupCache) put(g *access.Group) {
	if gc != nil {
		gc.mu.Lock()
		gc.groups[g.ID] = g
		gc.mu.Unlock()
	}
}

func (db *DB) memberships(ctx context.Context, tx *sql.Tx, accountID, userID int64, cache *groupCache) ([]access.Membership, error) {
	rows, err := db.query(ctx, tx, `SELECT g.id, g.name, g.access_type, m.expires_at FROM memberships m
		JOIN security_groups g ON g.id = m.group_id WHERE m.account_id = ? AND m.user_id = ? ORDER BY g.id`, accountID, userID)
	if err != nil {
		return nil, err
	}
	var out []access.Membership
	selects := map[int64]bool{}
	for rows.Next() {
		g := &access.Group{}
		var kind string
		var expires sql.NullInt64
		if err := rows.Scan(&g.ID, &g.Name, &kind, &expires); err != nil {
			rows.Close()
			return nil, err
		}
		g.Scope = access.All()
		if gatehouse.AccessType(kind) != gatehouse.AllCustomers {
			selects[g.ID] = true
		}
		out = append(out, access.Membership{Group: g, ExpiresAt: fromNullMS(expires)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, m := range out {
		if g := cache.get(m.Group.ID); g != nil {
			out[i].Group = g // shared and never changed: Compile copies what it keeps
			continue
		}
		if err := db.fillAccessGroup(ctx, tx, m.Group, selects[m.Group.ID]); err != nil {
			return nil, err
		}
		cache.put(m.Group)
	}
	return out, nil
}

// fillAccessGroup loads a group's permissions and, for a select-customers
// group, its customer list as the group's scope.
func (db *DB) fillAccessGroup(ctx context.Context, tx *sql.Tx, g *access.Group, selectCustomers bool) error {
	keys, err := db.strings(ctx, tx, `SELECT permission FROM security_group_permissions WHERE group_id = ?`, g.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if p, ok := catalog.Lookup(k); ok { // keys dropped from the catalog grant nothing
			g.Perms = append(g.Perms, p)
		}
	}
	if !selectCustomers {
		return nil
	}
	ids, err := db.ids(ctx, tx, `SELECT gc.customer_id FROM security_group_customers gc
		JOIN customers c ON c.id = gc.customer_id WHERE gc.group_id = ? AND c.archived_at IS NULL`, g.ID)
	if err != nil {
		return err
	}
	g.Scope = access.Only(ids...)
	return nil
}

// readTx runs fn in a read-only transaction.
func (db *DB) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(tx)
	}
	tx, err := db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.classify(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return db.classify(err)
	}
	return db.classify(tx.Commit())
}

// SecurityVersion reads the account's current security version.
func (db *DB) SecurityVersion(ctx context.Context, accountID int64) (int64, error) {
	var v int64
	err := db.queryRow(ctx, db.rdb, `SELECT security_version FROM accounts WHERE id = ?`, accountID).Scan(&v)
	return v, notFound(err, "account")
}

// AccountSubjects loads every user of the account with their memberships
// in four queries, for reviews that decide for all users at once.
func (db *DB) AccountSubjects(ctx context.Context, accountID int64) ([]gatehouse.AccountSubject, error) {
	var out []gatehouse.AccountSubject
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		groups, err := db.accountGroups(ctx, tx, accountID)
		if err != nil {
			return err
		}
		rows, err := db.query(ctx, tx, `SELECT `+userCols+` FROM users WHERE account_id = ? ORDER BY name, id`, accountID)
		if err != nil {
			return err
		}
		index := map[int64]int{}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return err
			}
			index[u.ID] = len(out)
			out = append(out, gatehouse.AccountSubject{User: u, Subject: access.Subject{UserID: u.ID, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled}})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = db.query(ctx, tx, `SELECT user_id, group_id, expires_at FROM memberships WHERE account_id = ? ORDER BY user_id, group_id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var userID, groupID int64
			var expires sql.NullInt64
			if err := rows.Scan(&userID, &groupID, &expires); err != nil {
				return err
			}
			i, ok := index[userID]
			if !ok || groups[groupID] == nil {
				continue
			}
			s := &out[i]
			s.User.GroupIDs = append(s.User.GroupIDs, groupID)
			s.Subject.Memberships = append(s.Subject.Memberships, access.Membership{Group: groups[groupID], ExpiresAt: fromNullMS(expires)})
		}
		return rows.Err()
	})
	return out, err
}

// accountGroups loads every group of the account as the engine sees it.
func (db *DB) accountGroups(ctx context.Context, tx *sql.Tx, accountID int64) (map[int64]*access.Group, error) {
	groups := map[int64]*access.Group{}
	custs := map[int64][]int64{}
	rows, err := db.query(ctx, tx, `SELECT id, name, access_type FROM security_groups WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		g := &access.Group{Scope: access.All()}
		var kind string
		if err := rows.Scan(&g.ID, &g.Name, &kind); err != nil {
			rows.Close()
			return nil, err
		}
		if gatehouse.AccessType(kind) != gatehouse.AllCustomers {
			custs[g.ID] = []int64{}
		}
		groups[g.ID] = g
	}
	rows.Close()
	rows, err = db.query(ctx, tx, `SELECT p.group_id, p.permission FROM security_group_permissions p
		JOIN security_groups g ON g.id = p.group_id WHERE g.account_id = ?`, accountID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return nil, err
		}
		if p, ok := catalog.Lookup(key); ok && groups[id] != nil {
			groups[id].Perms = append(groups[id].Perms, p)
		}
	}
	rows.Close()
	rows, err = db.query(ctx, tx, `SELECT gc.group_id, gc.customer_id FROM security_group_customers gc
		JOIN customers c ON c.id = gc.customer_id WHERE gc.account_id = ? AND c.archived_at IS NULL`, accountID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, c int64
		if err := rows.Scan(&id, &c); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := custs[id]; ok {
			custs[id] = append(custs[id], c)
		}
	}
	rows.Close()
	for id, ids := range custs {
		groups[id].Scope = access.Only(ids...)
	}
	return groups, rows.Err()
}
