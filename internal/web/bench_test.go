package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"gatehouse/internal/gatehouse"
)

// bigAccount adds n customers in one bulk load and a Select Customers
// group listing the first half of them.
func bigAccount(b *testing.B, n int) (*env, int64) {
	e := newEnv(b)
	load, err := e.db.BeginBulkLoad(e.ctx)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := load.NextIDs()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	err = load.Customers(e.account, n, func(i int) gatehouse.Customer {
		return gatehouse.Customer{ID: ids.Customer + int64(i), Name: fmt.Sprintf("Customer %05d", i), Tags: []string{"t"}, CreatedAt: now, UpdatedAt: now}
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := load.Commit(); err != nil {
		b.Fatal(err)
	}
	half := make([]int64, n/2)
	for i := range half {
		half[i] = ids.Customer + int64(i)
	}
	g := e.group(gatehouse.SecurityGroup{Name: "Half", AccessType: gatehouse.SelectCustomers, CustomerIDs: half,
		Permissions: []string{"customers.view"}})
	return e, g
}

// The list builder's search answers one page, never the whole table.
func BenchmarkCustomerSearch5000(b *testing.B) {
	e, _ := bigAccount(b, 5000)
	c := e.signedIn("admin@test.example")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if res := c.get(fmt.Sprintf("/customers/search?q=%d", i%1000)); res.status != http.StatusOK {
			b.Fatal(res.status)
		}
	}
}

// The editor of a group listing 2,500 of 5,000 customers.
func BenchmarkGroupEditor5000(b *testing.B) {
	e, g := bigAccount(b, 5000)
	c := e.signedIn("admin@test.example")
	b.ResetTimer()
	for b.Loop() {
		if res := c.get(fmt.Sprintf("/security-groups/%d", g)); res.status != http.StatusOK {
			b.Fatal(res.status)
		}
	}
}
