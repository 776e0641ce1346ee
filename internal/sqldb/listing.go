package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// Module lists cost what the caller's reach holds, not what the table
// holds. The reach is split into sources, each an index range already in
// the list's order:
//
//   - a reach of at most mergeMax listed customers gives one source per
//     customer, read from the (account, customer, sort key, id) index;
//     the query merges them, so a page reads about one page of rows plus
//     one row per customer;
//   - a larger reach (or all customers) walks the (account, sort key,
//     id, customer) index in order and keeps the rows in scope; that
//     reach holds a large share of the rows, so a page walks few more;
//   - records with no customer, and a caller's own records, are sources
//     of their own.
//
// A cursor is a keyset position (sort value, id), in either direction.
// PostgreSQL seeks it as one row comparison; SQLite cannot seek a row
// value whose last column is the rowid, so there each source is read as
// two ranges: the rest of the cursor's sort value (by id), then the values
// past it. SQLite merges the ranges lazily in a compound query ordered
// like the list; PostgreSQL reads the customers' ranges through one
// lateral join (planning a branch per customer costs more than running
// it). Either way the ranges read only the sort key and id, and the
// page's rows are read last, by id.

// mergeMax is the largest customer list read one customer at a time.
const mergeMax = 100

// searchCandidates bounds the ids a text search takes from the search
// index; a term matching more rows is common enough that reading the
// list in order and keeping matching rows finds a page quickly.
const searchCandidates = 2000

// minIndexedSearch is the shortest term the trigram indexes serve.
const minIndexedSearch = 3

// listSpec is a validated module list request.
type listSpec struct {
	m     *records.Module
	key   records.Field // the sort key
	desc  bool          // the list's order
	back  bool          // reading the page before the cursor
	at    *cursor       // nil: the first page
	limit int
}

// queryDesc is the order the query reads in: reversed when paging back.
func (s listSpec) queryDesc() bool { return s.desc != s.back }

func (s listSpec) orderBy() string {
	dir := ""
	if s.queryDesc() {
		dir = " DESC"
	}
	if s.key.Name == records.IDSort {
		return "id" + dir
	}
	return s.key.Name + dir + ", id" + dir
}

// cursor is a position in a sorted list, bound to its sort key and order.
type cursor struct {
	back bool
	sort string
	desc bool
	id   int64
	text string
	num  int64
	// isText: the sort key is text (else a number).
	isText bool
}

const cursorVersion = "k1"

func (c cursor) encode() string {
	dir, order := "n", "a"
	if c.back {
		dir = "p"
	}
	if c.desc {
		order = "d"
	}
	val := c.text
	if !c.isText {
		val = strconv.FormatInt(c.num, 10)
	}
	return base64URL(strings.Join([]string{cursorVersion, dir, order, c.sort, strconv.FormatInt(c.id, 36), val}, "|"))
}

func parseCursor(s string, key records.Field, desc bool) (*cursor, error) {
	bad := gatehouse.Invalid("cursor", "malformed cursor")
	raw, err := unbase64URL(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.SplitN(raw, "|", 6)
	if len(parts) != 6 || parts[0] != cursorVersion || (parts[1] != "n" && parts[1] != "p") || (parts[2] != "a" && parts[2] != "d") {
		return nil, bad
	}
	c := &cursor{back: parts[1] == "p", desc: parts[2] == "d", sort: parts[3], isText: key.TextSort()}
	if c.sort != key.Name || c.desc != desc {
		return nil, gatehouse.Invalid("cursor", "the cursor belongs to another sort order; start from the first page")
	}
	if c.id, err = strconv.ParseInt(parts[4], 36, 64); err != nil {
		return nil, bad
	}
	if c.isText {
		c.text = parts[5]
	} else if c.num, err = strconv.ParseInt(parts[5], 10, 64); err != nil {
		return nil, bad
	}
	return c, nil
}

// sortValue is a record's value of the sort key, as the cursor holds it.
func sortValue(key records.Field, rec records.Record) (text string, num int64) {
	switch {
	case key.Name == records.IDSort:
		return "", rec.ID
	case key.TextSort():
		return rec.Values.Str(key.Name), 0
	case key.Kind == records.Time:
		return "", ms(rec.Values.Time(key.Name))
	}
	return "", rec.Values.Int(key.Name)
}

func (s listSpec) cursorAt(rec records.Record, back bool) string {
	text, num := sortValue(s.key, rec)
	return cursor{back: back, sort: s.key.Name, desc: s.desc, id: rec.ID, text: text, num: num, isText: s.key.TextSort()}.encode()
}

// newListSpec checks the sort, the filters and the cursor of f.
func newListSpec(m *records.Module, f gatehouse.ListFilter) (listSpec, error) {
	s := listSpec{m: m, limit: pageLimit(f.Limit)}
	name, desc := m.DefaultSort()
	if f.Sort != "" {
		name, desc = f.Sort, f.Desc
	} else if f.Desc {
		desc = !desc
	}
	key, ok := m.SortField(name)
	if !ok {
		return s, gatehouse.Invalid("sort", "one of %s", strings.Join(m.SortKeys(), ", "))
	}
	s.key, s.desc = key, desc
	for field, v := range f.Where {
		fd, ok := m.Field(field)
		if !ok || !fd.Filter {
			return s, gatehouse.Invalid(field, "%s lists cannot be filtered by %s", m.Noun, field)
		}
		if !slices.Contains(fd.Enum, v) {
			return s, gatehouse.Invalid(field, "one of %s", strings.Join(fd.Enum, ", "))
		}
	}
	if f.Cursor != "" {
		c, err := parseCursor(f.Cursor, key, desc)
		if err != nil {
			return s, err
		}
		s.at, s.back = c, c.back
	}
	return s, nil
}

// source is one range of the list's rows: a WHERE condition an index
// serves in the list's order.
type source struct {
	cond string
	args []any
	// customers, when set, are read one range each (cond is unused).
	customers []int64
}

// sources splits a reach into ranges that do not overlap.
func (db *DB) sources(m *records.Module, r records.Reach) []source {
	nullable := m.Ownership != records.CustomerRequired
	library := r.Library && nullable
	var out []source
	// The walk's scope condition is kept off the customer indexes: it is
	// checked in the order index, whose last column is the customer.
	walkCol := db.d.Unindexed("customer_id")
	switch c := r.Customers; {
	case c.Kind == access.ScopeAll && (library || !nullable):
		return append(out, source{cond: "1=1"})
	case c.Kind == access.ScopeAll:
		out = append(out, source{cond: walkCol + " IS NOT NULL"})
	case c.Kind == access.ScopeOnly && len(c.IDs) == 1:
		out = append(out, source{cond: "customer_id = ?", args: []any{c.IDs[0]}})
	case c.Kind == access.ScopeOnly && len(c.IDs) <= mergeMax:
		out = append(out, source{customers: c.IDs})
	default:
		// IN and NOT IN are false for a NULL customer: no library rows.
		if cond, args, ok := db.scopeClause(walkCol, c); ok {
			out = append(out, source{cond: cond, args: args})
		}
	}
	if library {
		out = append(out, source{cond: "customer_id IS NULL"})
	}
	if r.OwnerID != 0 && m.OwnerField != "" && r.Customers.Kind != access.ScopeAll {
		if cond, args, ok := db.scopeClause("customer_id", r.Own); ok {
			own := source{cond: m.OwnerField + " = ? AND customer_id IS NOT NULL AND " + cond, args: append([]any{r.OwnerID}, args...)}
			if c, a, ok := db.scopeClause("customer_id", r.Customers); ok {
				own.cond += " AND NOT (" + c + ")"
				own.args = append(own.args, a...)
			}
			out = append(out, own)
		}
	}
	return out
}

// keysetArms are the ranges after (or before) the cursor, in the order
// the query reads: the rest of the cursor's value by id, then the values
// past it. The first page has one arm with no condition.
func (s listSpec) keysetArms(rowValues bool) []source {
	if s.at == nil {
		return []source{{cond: ""}}
	}
	op := ">"
	if s.queryDesc() {
		op = "<"
	}
	if s.key.Name == records.IDSort {
		return []source{{cond: "id " + op + " ?", args: []any{s.at.id}}}
	}
	var v any = s.at.num
	if s.key.TextSort() {
		v = s.at.text
	}
	if rowValues {
		return []source{{cond: "(" + s.key.Name + ", id) " + op + " (?, ?)", args: []any{v, s.at.id}}}
	}
	return []source{
		{cond: s.key.Name + " = ? AND id " + op + " ?", args: []any{v, s.at.id}},
		{cond: s.key.Name + " " + op + " ?", args: []any{v}},
	}
}

// listWhere is what every range of a list shares: the account, the
// further reaches, the filters and the text search.
type listWhere struct {
	listQuery
	// reach, when set, replaces the split sources: the search index gave
	// few enough candidates to read them all.
	reach *source
}

// ListRecords pages a module's records within every reach given, ordered,
// filtered and counted as f asks. A customer filter narrows the reach; it
// never widens it.
func (db *DB) ListRecords(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, reaches ...records.Reach) (gatehouse.Page[records.Record], error) {
	page := gatehouse.Page[records.Record]{Items: []records.Record{}}
	spec, err := newListSpec(m, f)
	if err != nil {
		return page, err
	}
	err = db.listRows(ctx, accountID, spec, f, reaches, selectList(m), func(q rowScanner) error {
		rec, err := scanRecord(m, q)
		page.Items = append(page.Items, rec)
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list %s: %w", m.Key, err)
	}
	page.Items, page.NextCursor, page.PrevCursor = spec.cut(page.Items)
	if f.Total {
		page.Total, page.TotalCapped, err = db.countRecords(ctx, accountID, m, f, reaches)
	}
	return page, err
}

type rowScanner interface{ Scan(...any) error }

// cut trims the extra row the query read to learn of a further page,
// puts a backward page in the list's order, and makes its cursors.
func (s listSpec) cut(items []records.Record) ([]records.Record, string, string) {
	more := len(items) > s.limit
	if more {
		items = items[:s.limit]
	}
	if s.back {
		slices.Reverse(items)
	}
	if len(items) == 0 {
		return items, "", ""
	}
	var next, prev string
	if s.back || more {
		// Paging back, the page the cursor came from follows this one.
		next = s.cursorAt(items[len(items)-1], false)
	}
	if s.back && more || !s.back && s.at != nil {
		prev = s.cursorAt(items[0], true)
	}
	return items, next, prev
}

// listFilters builds the conditions every range shares; ok is false when
// nothing can match.
func (db *DB) listFilters(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, sortKey string, reaches []records.Reach) (w listWhere, first records.Reach, ok bool, err error) {
	if len(reaches) == 0 {
		reaches = []records.Reach{{Customers: access.All(), Library: true}}
	}
	first = reaches[0]
	if f.CustomerID != 0 {
		first = first.ForCustomer(f.CustomerID)
	}
	if first.None() {
		return w, first, false, nil
	}
	w.add("account_id = ?", accountID)
	for _, r := range reaches[1:] {
		c, a, ok := db.reachClause(m, r)
		if !ok {
			return w, first, false, nil
		}
		w.add(c, a...)
	}
	for _, fd := range m.FilterFields() {
		if v, set := f.Where[fd.Name]; set {
			// Checked in the list's index (filter columns trail it), not
			// read through the filter's own index and sorted; filtering
			// on the sort key itself is a range of its index.
			col := fd.Name
			if fd.Name != sortKey {
				col = db.d.Unindexed(col)
			}
			w.add(col+" = ?", v)
		}
	}
	if f.Q != "" {
		ids, few, err := db.searchIDs(ctx, accountID, m, f.Q)
		if err != nil {
			return w, first, false, err
		}
		if few {
			if len(ids) == 0 {
				return w, first, false, nil
			}
			c, a, ok := db.reachClause(m, first)
			if !ok {
				return w, first, false, nil
			}
			w.reach = &source{cond: c, args: a}
			w.add(db.d.InIDs("id"), db.d.IDsArg(ids))
			// Read the candidates by id and sort them: no index of the
			// account's list order may drive this query instead.
			w.where[0] = db.d.Unindexed("account_id") + " = ?"
		} else {
			c, a, err := db.textMatch(m, f.Q)
			if err != nil {
				return w, first, false, err
			}
			w.add(c, a...)
		}
	}
	return w, first, true, nil
}

// listRows runs a module list and scans each row it reads (up to one
// more than the page) in query order.
func (db *DB) listRows(ctx context.Context, accountID int64, s listSpec, f gatehouse.ListFilter, reaches []records.Reach, cols string, scan func(rowScanner) error) error {
	query, args, err := db.listSQL(ctx, accountID, s, f, reaches, cols)
	if err != nil || query == "" {
		return err
	}
	rows, err := db.stmts.query(ctx, db.rdb, query, args...) // already rebound
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// listSQL writes a module list's query; "" when nothing can match.
func (db *DB) listSQL(ctx context.Context, accountID int64, s listSpec, f gatehouse.ListFilter, reaches []records.Reach, cols string) (string, []any, error) {
	w, first, ok, err := db.listFilters(ctx, accountID, s.m, f, s.key.Name, reaches)
	if err != nil || !ok {
		return "", nil, err
	}
	srcs := []source{}
	if w.reach != nil {
		srcs = append(srcs, *w.reach)
	} else {
		srcs = db.sources(s.m, first)
	}
	if len(srcs) == 0 {
		return "", nil, nil
	}
	query, args := s.compound(s.m.Table, cols, srcs, w.listQuery, db.d)
	return db.d.Rebind(query), args, nil
}

// ListQuery is the query ListRecords runs for f, in the engine's own
// placeholders, for tests that check the engine's plan of it; "" when
// nothing can match.
func (db *DB) ListQuery(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, reaches ...records.Reach) (string, []any, error) {
	spec, err := newListSpec(m, f)
	if err != nil {
		return "", nil, err
	}
	return db.listSQL(ctx, accountID, spec, f, reaches, selectList(m))
}

// compound writes the list query: one SELECT per (source, keyset arm),
// each ordered and limited, merged in order when there are several. The
// ranges read only the sort key and id (from the index alone where the
// filters allow); the page's rows are read last, by id.
func (s listSpec) compound(table, cols string, srcs []source, common listQuery, d Dialect) (string, []any) {
	limit := " LIMIT " + strconv.Itoa(s.limit+1)
	order := " ORDER BY " + s.orderBy()
	keys := "id"
	if s.key.Name != records.IDSort {
		keys = s.key.Name + ", id"
	}
	var arms []string
	var args []any
	arm := func(src source, k source) {
		where := append(slices.Clone(common.where), src.cond)
		if k.cond != "" {
			where = append(where, k.cond)
		}
		arms = append(arms, "SELECT "+keys+" FROM "+table+" WHERE "+strings.Join(where, " AND "))
		args = append(append(append(args, common.args...), src.args...), k.args...)
	}
	whole := len(srcs) == 1 && srcs[0].customers == nil
	for _, src := range srcs {
		for _, k := range s.keysetArms(d.RowValueSeek()) {
			switch {
			case src.customers == nil:
				arm(src, k)
			case d.LateralMerge():
				// One range per customer, each limited to a page, joined
				// laterally: a plan of constant size whatever the count.
				where := append(slices.Clone(common.where), "customer_id = c.cid")
				if k.cond != "" {
					where = append(where, k.cond)
				}
				arms = append(arms, "SELECT k."+strings.ReplaceAll(keys, ", ", ", k.")+" FROM unnest(?::bigint[]) AS c(cid) CROSS JOIN LATERAL (SELECT "+keys+
					" FROM "+table+" WHERE "+strings.Join(where, " AND ")+order+limit+") AS k")
				args = append(append(append(args, d.IDsArg(src.customers)), common.args...), k.args...)
			default:
				for _, id := range src.customers {
					arm(source{cond: "customer_id = ?", args: []any{id}}, k)
				}
			}
		}
	}
	if len(arms) == 1 && whole {
		return strings.Replace(arms[0], "SELECT "+keys+" ", "SELECT "+cols+" ", 1) + order + limit, args
	}
	var b strings.Builder
	b.WriteString("SELECT " + cols + " FROM " + table + " WHERE id IN (SELECT id FROM (")
	for i, a := range arms {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString(a)
	}
	b.WriteString(order + limit + ") AS k)" + order)
	return b.String(), args
}

// countRecords counts the records a list filter matches, up to TotalCap.
func (db *DB) countRecords(ctx context.Context, accountID int64, m *records.Module, f gatehouse.ListFilter, reaches []records.Reach) (int, bool, error) {
	w, first, ok, err := db.listFilters(ctx, accountID, m, f, "", reaches)
	if err != nil || !ok {
		return 0, false, err
	}
	if w.reach == nil {
		c, a, ok := db.reachClause(m, first)
		if !ok {
			return 0, false, nil
		}
		w.add(c, a...)
	} else {
		w.add(w.reach.cond, w.reach.args...)
	}
	var n int
	err = db.queryRow(ctx, db.rdb, `SELECT COUNT(*) FROM (SELECT 1 FROM `+m.Table+` WHERE `+strings.Join(w.where, " AND ")+
		` LIMIT `+strconv.Itoa(gatehouse.TotalCap+1)+`) AS c`, w.args...).Scan(&n)
	if err != nil {
		return 0, false, fmt.Errorf("count %s: %w", m.Key, err)
	}
	if n > gatehouse.TotalCap {
		return gatehouse.TotalCap, true, nil
	}
	return n, false, nil
}

// recordReached reports whether a record read by id is within every
// reach: the same rule as the lists' WHERE clause, decided in memory.
func recordReached(m *records.Module, rec records.Record, reaches []records.Reach) bool {
	for _, r := range reaches {
		if !r.Allows(rec.CustomerID, rec.Owner(m)) {
			return false
		}
	}
	return true
}
