package sqldb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/dbtest"
)

var everything = records.Reach{Customers: access.All(), Library: true}

func mustCustomer(t *testing.T, db *sqldb.DB, acct int64, name string) int64 {
	t.Helper()
	c, err := db.CreateCustomer(context.Background(), acct, gatehouse.CustomerFields{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func mustRecord(t *testing.T, db *sqldb.DB, acct int64, module string, customer int64, v records.Values) records.Record {
	t.Helper()
	rec, err := db.CreateRecord(context.Background(), acct, records.MustLookup(module), everything, records.Input{CustomerID: customer, Values: v})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// Each account numbers its tickets 1, 2, 3…, concurrent creates get
// distinct numbers, and a deleted ticket's number is not handed out again.
func TestTicketsAreNumberedPerAccount(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, ctx := b.Open(t), context.Background()
			a, _ := db.CreateAccount(ctx, "A")
			other, _ := db.CreateAccount(ctx, "B")
			ca, cb := mustCustomer(t, db, a.ID, "Acme"), mustCustomer(t, db, other.ID, "Beta")
			tickets := records.MustLookup("tickets")
			first := mustRecord(t, db, a.ID, "tickets", ca, records.Values{"subject": "one"})
			otherFirst := mustRecord(t, db, other.ID, "tickets", cb, records.Values{"subject": "B one"})
			second := mustRecord(t, db, a.ID, "tickets", ca, records.Values{"subject": "two"})
			if first.Values.Int("number") != 1 || second.Values.Int("number") != 2 || otherFirst.Values.Int("number") != 1 {
				t.Fatalf("numbers %d, %d; other account %d", first.Values.Int("number"), second.Values.Int("number"), otherFirst.Values.Int("number"))
			}
			if err := db.DeleteRecord(ctx, a.ID, tickets, second.ID, everything); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			got := make(chan int64, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec, err := db.CreateRecord(ctx, a.ID, tickets, everything, records.Input{CustomerID: ca, Values: records.Values{"subject": "many"}})
					if err != nil {
						t.Error(err)
						return
					}
					got <- rec.Values.Int("number")
				}()
			}
			wg.Wait()
			close(got)
			seen := map[int64]bool{}
			for n := range got {
				if n < 3 || n > 10 || seen[n] {
					t.Errorf("number %d handed out (deleted 2, expected 3 to 10 once each)", n)
				}
				seen[n] = true
			}
			// An update keeps the number.
			upd, err := db.UpdateRecord(ctx, a.ID, tickets, first.ID, records.Input{Values: records.Values{"subject": "renamed"}}, everything)
			if err != nil || upd.Values.Int("number") != 1 {
				t.Fatalf("after an update: number %d, %v", upd.Values.Int("number"), err)
			}
		})
	}
}

// A sample's items and total agree with Reach.Allows and the match, for
// every kind of match the pages use.
func TestSamplesStayWithinReachAndMatch(t *testing.T) {
	for _, b := range dbtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, ctx := b.Open(t), context.Background()
			a, _ := db.CreateAccount(ctx, "A")
			x, y := mustCustomer(t, db, a.ID, "X"), mustCustomer(t, db, a.ID, "Y")
			u, err := db.CreateUser(ctx, a.ID, gatehouse.UserCreate{Email: "me@a.example", GroupIDs: []int64{}})
			if err != nil {
				t.Fatal(err)
			}
			var ticketsX []int64
			for i, st := range []string{"open", "closed", "waiting", "resolved", "in_progress"} {
				for _, c := range []int64{x, y} {
					v := records.Values{"subject": st, "status": st}
					if i%2 == 0 {
						v["assignee_id"] = u.ID
					}
					rec := mustRecord(t, db, a.ID, "tickets", c, v)
					if c == x {
						ticketsX = append(ticketsX, rec.ID)
					}
				}
			}
			for _, tk := range ticketsX[:3] {
				mustRecord(t, db, a.ID, "timelogs", 0, records.Values{"ticket_id": tk, "minutes": int64(10), "user_id": u.ID})
			}
			day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			for h := range 5 {
				start := day.Add(time.Duration(h*12) * time.Hour)
				mustRecord(t, db, a.ID, "appointments", x, records.Values{"title": "visit", "user_id": u.ID, "starts_at": start, "ends_at": start.Add(time.Hour)})
			}
			tickets, timelogs, appts := records.MustLookup("tickets"), records.MustLookup("timelogs"), records.MustLookup("appointments")
			onlyX := records.Reach{Customers: access.Only(x)}
			ownY := records.Reach{Own: access.Only(y), OwnerID: u.ID}
			for _, tc := range []struct {
				name    string
				m       *records.Module
				match   records.Match
				reaches []records.Reach
				want    int64
			}{
				{"open tickets of X", tickets, records.Match{Open: true, Newest: true}, []records.Reach{onlyX}, 3},
				{"open tickets, own ones of Y only", tickets, records.Match{Open: true}, []records.Reach{ownY}, 3},
				{"all tickets of X and own of Y", tickets, records.Match{}, []records.Reach{{Customers: access.Only(x), Own: access.Only(y), OwnerID: u.ID}}, 8},
				{"nothing reached", tickets, records.Match{}, []records.Reach{{}}, 0},
				{"a ticket's time logs", timelogs, records.Match{Ref: "ticket_id", RefID: ticketsX[0]}, []records.Reach{everything}, 1},
				{"a ticket's time logs out of reach", timelogs, records.Match{Ref: "ticket_id", RefID: ticketsX[0]}, []records.Reach{{Customers: access.Only(y)}}, 0},
				{"the first day's appointments", appts, records.Match{Between: "starts_at", From: day, To: day.Add(24 * time.Hour)}, []records.Reach{onlyX}, 2},
				{"two reaches both apply", tickets, records.Match{}, []records.Reach{everything, onlyX}, 5},
				{"a customer's records", tickets, records.Match{Customer: x}, []records.Reach{everything}, 5},
				{"a customer narrows the reach, never widens it", tickets, records.Match{Customer: y}, []records.Reach{onlyX}, 0},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, err := db.SampleRecords(ctx, a.ID, tc.m, tc.match, 2, tc.reaches...)
					if err != nil {
						t.Fatal(err)
					}
					if s.Total != tc.want || int64(len(s.Items)) != min(tc.want, 2) {
						t.Fatalf("total %d with %d items, want %d", s.Total, len(s.Items), tc.want)
					}
					for _, rec := range s.Items {
						for _, r := range tc.reaches {
							if !r.Allows(rec.CustomerID, rec.Owner(tc.m)) {
								t.Errorf("record %d of customer %d is out of reach", rec.ID, rec.CustomerID)
							}
						}
					}
				})
			}
			s, _ := db.SampleRecords(ctx, a.ID, appts, records.Match{Between: "starts_at", From: day, To: day.Add(72 * time.Hour)}, 10, onlyX)
			for i := 1; i < len(s.Items); i++ {
				if s.Items[i].Values.Time("starts_at").Before(s.Items[i-1].Values.Time("starts_at")) {
					t.Fatal("appointments are not in time order")
				}
			}
			if _, err := db.SampleRecords(ctx, a.ID, tickets, records.Match{Ref: "subject", RefID: 1}, 1, everything); err == nil {
				t.Error("a match on a field that is no reference was accepted")
			}
			titles, err := db.RecordTitles(ctx, a.ID, tickets, ticketsX[:2], records.Reach{Customers: access.Only(y)})
			if err != nil || len(titles) != 0 {
				t.Fatalf("titles out of reach: %v %v", titles, err)
			}
			if titles, _ = db.RecordTitles(ctx, a.ID, tickets, ticketsX[:2], onlyX); titles[ticketsX[0]] != "open" || len(titles) != 2 {
				t.Fatalf("titles in reach: %v", titles)
			}
		})
	}
}
