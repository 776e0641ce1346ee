package storetest

import (
	"fmt"
	"strings"
	"testing"

	"gatehouse/internal/access"
	"gatehouse/internal/audit"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/sqldb"
)

func auditTests() []namedTest {
	return []namedTest{
		{"security changes are audited with actor and before/after", testAuditRecordsChanges},
		{"an edited or removed audit row breaks the chain at that row", testAuditTamper},
		{"an edit to any column of an audit row breaks the chain at that row", testAuditTamperEveryColumn},
		{"the audit list is limited in the query to the caller's scope", testAuditScope},
	}
}

func testAuditRecordsChanges(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	actx := audit.WithActor(ctx, audit.Actor{UserID: 42, Email: "boss@x.example", IP: "192.0.2.7"})
	g, err := db.CreateGroup(actx, a.ID, gatehouse.SecurityGroup{Name: "G", AccessType: gatehouse.AllCustomers, Permissions: []string{"assets.view"}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(actx, a.ID, gatehouse.UserCreate{Email: "u@x.example", GroupIDs: []int64{}})
	if err != nil {
		t.Fatal(err)
	}
	yes, hash := true, "$argon2id$new"
	ids := []int64{g.ID}
	if _, err := db.UpdateUser(actx, a.ID, u.ID, gatehouse.UserUpdate{GlobalAdmin: &yes, GroupIDs: &ids, PasswordHash: &hash}); err != nil {
		t.Fatal(err)
	}
	page, err := db.ListAudit(ctx, a.ID, access.All(), true, audit.Filter{Action: "user."})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Items {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "user.global_admin.grant,user.update,user.create" {
		t.Fatalf("user events newest first = %v", actions)
	}
	upd := page.Items[1]
	if upd.Actor.Email != "boss@x.example" || upd.Actor.IP != "192.0.2.7" || upd.Actor.UserID != 42 {
		t.Fatalf("actor not recorded: %+v", upd.Actor)
	}
	if !strings.Contains(string(upd.Before), `"security_group_ids":[]`) || !strings.Contains(string(upd.After), `"password_changed":true`) {
		t.Fatalf("before/after = %s → %s", upd.Before, upd.After)
	}
	if strings.Contains(string(upd.After), "argon2id") {
		t.Fatal("the audit log holds a password hash")
	}
	problems, n, err := db.VerifyAudit(ctx, 0)
	if err != nil || len(problems) != 0 || n < 5 {
		t.Fatalf("verify: %v, %d entries, %v", problems, n, err)
	}
}

func testAuditTamper(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	for _, n := range []string{"One", "Two", "Three"} {
		mustCustomer(t, db, a.ID, n)
	}
	page, _ := db.ListAudit(ctx, a.ID, access.All(), true, audit.Filter{Action: "customer.create"})
	victim := page.Items[1] // "Two"
	if _, err := db.SQL().Exec(rebind(db, `UPDATE audit_log SET after_json = ? WHERE id = ?`), `{"Name":"Evil"}`, victim.ID); err != nil {
		t.Fatal(err)
	}
	problems, _, err := db.VerifyAudit(ctx, a.ID)
	if err != nil || len(problems) != 1 || problems[0].EntryID != victim.ID || problems[0].Seq != victim.Seq {
		t.Fatalf("edited row %d (#%d): problems %+v, %v", victim.ID, victim.Seq, problems, err)
	}

	b := mustAccount(t, db, "B")
	mustCustomer(t, db, b.ID, "Solo")
	mustCustomer(t, db, b.ID, "Duo")
	page, _ = db.ListAudit(ctx, b.ID, access.All(), true, audit.Filter{})
	newest := page.Items[0]
	if _, err := db.SQL().Exec(rebind(db, `DELETE FROM audit_log WHERE id = ?`), newest.ID); err != nil {
		t.Fatal(err)
	}
	problems, _, _ = db.VerifyAudit(ctx, b.ID)
	if len(problems) != 1 || problems[0].Seq != newest.Seq {
		t.Fatalf("removed newest #%d: problems %+v", newest.Seq, problems)
	}
}

func rebind(db *sqldb.DB, q string) string {
	if db.Dialect() != "postgres" {
		return q
	}
	n := 0
	var b strings.Builder
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + string(rune('0'+n)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func testAuditScope(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	x := mustCustomer(t, db, a.ID, "Mine")
	y := mustCustomer(t, db, a.ID, "Theirs")
	name := "Mine renamed"
	db.UpdateCustomer(ctx, a.ID, access.All(), x.ID, gatehouse.CustomerFields{Name: &name})
	db.UpdateCustomer(ctx, a.ID, access.All(), y.ID, gatehouse.CustomerFields{Name: &name})

	page, err := db.ListAudit(ctx, a.ID, access.Only(x.ID), false, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 {
		t.Fatalf("scoped auditor sees %d entries, want Mine's 2", len(page.Items))
	}
	for _, e := range page.Items {
		if e.CustomerID != x.ID {
			t.Fatalf("scoped auditor sees an entry of customer %d: %+v", e.CustomerID, e)
		}
	}
	page, _ = db.ListAudit(ctx, a.ID, access.Only(x.ID), false, audit.Filter{CustomerID: y.ID})
	if len(page.Items) != 0 {
		t.Fatal("a customer filter reached outside the scope")
	}
	page, _ = db.ListAudit(ctx, a.ID, access.Only(), false, audit.Filter{})
	if len(page.Items) != 0 {
		t.Fatal("an empty scope sees entries")
	}
	all, _ := db.ListAudit(ctx, a.ID, access.All(), true, audit.Filter{Limit: 2})
	if len(all.Items) != 2 || all.NextCursor == "" {
		t.Fatalf("paging: %d items, cursor %q", len(all.Items), all.NextCursor)
	}
	rest, _ := db.ListAudit(ctx, a.ID, access.All(), true, audit.Filter{Cursor: all.NextCursor, Limit: 500})
	if len(rest.Items) == 0 || rest.Items[0].Seq >= all.Items[1].Seq {
		t.Fatal("the next page does not continue below the cursor")
	}
}

// testAuditTamperEveryColumn edits each column of one audit row in turn —
// the columns read from the table itself, so a column added later is
// covered without editing this test — and expects the verifier to name
// that row every time, and the chain to verify again once it is restored.
func testAuditTamperEveryColumn(t *testing.T, db *sqldb.DB) {
	a := mustAccount(t, db, "A")
	other := mustAccount(t, db, "B")
	actx := audit.WithActor(ctx, audit.Actor{UserID: 42, Email: "boss@x.example", IP: "192.0.2.7"})
	mustCustomer(t, db, a.ID, "One")
	two := mustCustomer(t, db, a.ID, "Two")
	name := "Two renamed"
	if _, err := db.UpdateCustomer(actx, a.ID, access.All(), two.ID, gatehouse.CustomerFields{Name: &name}); err != nil {
		t.Fatal(err)
	}
	mustCustomer(t, db, a.ID, "Three")
	page, err := db.ListAudit(ctx, a.ID, access.All(), true, audit.Filter{Action: "customer.update"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the update's audit entry: %+v, %v", page.Items, err)
	}
	victim := page.Items[0]

	cols, orig := auditRow(t, db, victim.ID)
	if len(cols) < 15 {
		t.Fatalf("audit_log has only %d columns: %v", len(cols), cols)
	}
	for i, col := range cols {
		if col == "id" {
			continue // the row id: the chain is ordered by seq, not by it
		}
		t.Run(col, func(t *testing.T) {
			v := tamperedCell(t, col, orig[i], other.ID)
			setCell(t, db, col, v, victim.ID)
			problems, _, err := db.VerifyAudit(ctx, a.ID)
			setCell(t, db, col, orig[i], victim.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 {
				t.Fatalf("%s %v → %v: problems %+v, want one naming row %d (#%d)", col, orig[i], v, problems, victim.ID, victim.Seq)
			}
			p := problems[0]
			if p.EntryID != victim.ID && (p.EntryID != 0 || p.Seq != victim.Seq) {
				t.Fatalf("%s %v → %v: %v, want it to name row %d (#%d)", col, orig[i], v, p, victim.ID, victim.Seq)
			}
			if problems, _, _ := db.VerifyAudit(ctx, a.ID); len(problems) != 0 {
				t.Fatalf("restored %s, the chain still fails: %+v", col, problems)
			}
		})
	}
}

// auditRow reads every column of an audit row, as the driver returns it.
func auditRow(t *testing.T, db *sqldb.DB, id int64) ([]string, []any) {
	t.Helper()
	rows, err := db.SQL().Query(rebind(db, `SELECT * FROM audit_log WHERE id = ?`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || !rows.Next() {
		t.Fatalf("audit row %d: %v", id, err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if v == nil {
			t.Fatalf("the fixture leaves %s empty: make the audited change fill it", cols[i])
		}
		if b, ok := v.([]byte); ok {
			vals[i] = string(b)
		}
	}
	return cols, vals
}

// tamperedCell is a different value of the same type. The account id
// must name an existing account, so it moves the row to the other one.
func tamperedCell(t *testing.T, col string, v any, otherAccount int64) any {
	t.Helper()
	switch x := v.(type) {
	case int64:
		if col == "account_id" {
			return otherAccount
		}
		return x + 1000
	case string:
		if strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[") {
			return `{"tampered":true}`
		}
		return x + "x"
	}
	t.Fatalf("column %s holds a %T: teach tamperedCell to change it", col, v)
	return nil
}

func setCell(t *testing.T, db *sqldb.DB, col string, v any, id int64) {
	t.Helper()
	q := rebind(db, fmt.Sprintf(`UPDATE audit_log SET %q = ? WHERE id = ?`, col))
	res, err := db.SQL().Exec(q, v, id)
	if err != nil {
		t.Fatalf("set %s: %v", col, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("set %s: %d rows", col, n)
	}
}
