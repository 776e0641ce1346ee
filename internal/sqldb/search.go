package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// Text search runs on each engine's trigram index (SQLite FTS5 with the
// trigram tokenizer, PostgreSQL pg_trgm), over a module's searchable
// columns, case-insensitively. A term of three characters or more first
// asks the index for its matching ids; when there are few (at most
// searchCandidates in the account), the list reads just those rows, in
// scope. A term matching more rows is common enough that reading the list
// in its order and keeping the rows that match finds a page within a few
// hundred rows; shorter terms, which no trigram index serves, are read
// that way too.

// searchIDs asks the index for the ids of records of m whose searchable
// text contains q (the account's, or on SQLite every account's: the list
// reading them keeps the account's). few is false when the index cannot
// answer or there are more than searchCandidates.
func (db *DB) searchIDs(ctx context.Context, accountID int64, m *records.Module, q string) (ids []int64, few bool, err error) {
	cols := m.SearchFields()
	if len(cols) == 0 {
		return nil, false, gatehouse.Invalid("q", "%s lists cannot be searched", m.Noun)
	}
	if utf8.RuneCountInString(q) < minIndexedSearch {
		return nil, false, nil
	}
	query, args := db.d.SearchCandidates(m.Table, cols, q, accountID)
	rows, err := db.query(ctx, db.rdb, query+` LIMIT `+fmt.Sprint(searchCandidates+1), args...)
	if err != nil {
		return nil, false, fmt.Errorf("search %s: %w", m.Key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, false, err
		}
		ids = append(ids, id)
	}
	return ids, len(ids) <= searchCandidates, rows.Err()
}

// textMatch is the row filter of a search the index did not narrow.
func (db *DB) textMatch(m *records.Module, q string) (string, []any, error) {
	cols := m.SearchFields()
	if len(cols) == 0 {
		return "", nil, gatehouse.Invalid("q", "%s lists cannot be searched", m.Noun)
	}
	ors := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		ors[i] = "lower(" + c + `) LIKE ? ESCAPE '\'`
		args[i] = likePattern(q)
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, nil
}

// SearchExpr is the text PostgreSQL's trigram index covers for a module:
// its searchable columns, lower-cased, joined by a character no search
// term holds (so a match never spans two columns).
func SearchExpr(cols []string) string {
	return "lower(" + strings.Join(cols, ` || E'\x1f' || `) + ")"
}

// FTSQuery quotes a term as one FTS5 phrase: with the trigram tokenizer
// it matches the term as a substring, case-insensitively.
func FTSQuery(q string) string { return `"` + strings.ReplaceAll(q, `"`, `""`) + `"` }

// Search finds up to perModule records of each part, and customers within
// customers, whose searchable text contains q: each module's hits are
// its list's first page for ?q=, so search and lists agree.
func (db *DB) Search(ctx context.Context, accountID int64, q string, customers access.Scope, parts []records.SearchPart, perModule int) ([]records.Hit, error) {
	hits := []records.Hit{}
	if cond, args, ok := db.scopeClause("id", customers); ok {
		rows, err := db.query(ctx, db.rdb, `SELECT id, name FROM customers WHERE account_id = ? AND `+cond+
			` AND lower(name) LIKE ? ESCAPE '\' ORDER BY name, id LIMIT `+fmt.Sprint(perModule), append(append([]any{accountID}, args...), likePattern(q))...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			h := records.Hit{Module: "customers"}
			if err := rows.Scan(&h.ID, &h.Title); err != nil {
				rows.Close()
				return nil, err
			}
			h.CustomerID = h.ID
			hits = append(hits, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, p := range parts {
		m := p.Module
		if len(m.SearchFields()) == 0 || m.Title == "" {
			continue
		}
		f := gatehouse.ListFilter{Q: q, Limit: perModule}
		spec, err := newListSpec(m, f)
		if err != nil {
			return nil, err
		}
		cols := "id, customer_id, " + m.Title
		if spec.key.Name != records.IDSort && spec.key.Name != m.Title {
			cols += ", " + spec.key.Name
		}
		var found []records.Hit
		err = db.listRows(ctx, accountID, spec, f, []records.Reach{p.Reach}, cols, func(row rowScanner) error {
			h := records.Hit{Module: m.Key}
			var customer sql.NullInt64
			var title any
			dest := []any{&h.ID, &customer, &title}
			if spec.key.Name != records.IDSort && spec.key.Name != m.Title {
				dest = append(dest, new(any))
			}
			if err := row.Scan(dest...); err != nil {
				return err
			}
			h.CustomerID, h.Title = customer.Int64, asText(title)
			found = append(found, h)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("search %s: %w", m.Key, err)
		}
		if len(found) > perModule {
			found = found[:perModule]
		}
		hits = append(hits, found...)
	}
	return hits, nil
}

// asText reads a title column whatever the driver returned for it.
func asText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
