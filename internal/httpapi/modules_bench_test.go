package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/sqldb/dbtest"
)

// BenchmarkAssetListOverHTTP is the first page of 50 assets as a user gets
// it — token, grants, scoped query, JSON — from an account of 5,000
// customers and 500,000 assets, for a user scoped to 50 customers and for
// an all-customers user. It reports the median and the 99th percentile.
//
//	go test ./internal/httpapi -run '^$' -bench AssetListOverHTTP -benchtime 200x
func BenchmarkAssetListOverHTTP(b *testing.B) {
	for _, be := range dbtest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			db := be.Open(b)
			ds, err := gen.Generate(gen.Options{Seed: 3, Customers: 5_000, Groups: 50, Users: 20, Assets: 500_000, Account: "Bench MSP"})
			if err != nil {
				b.Fatal(err)
			}
			if err := gen.Load(ctx, db, ds, gen.LoadOptions{}); err != nil {
				b.Fatal(err)
			}
			srv := serveModules(b, db)
			var fifty []int64
			for i := 0; i < 50; i++ {
				fifty = append(fifty, ds.Customers[i*len(ds.Customers)/50].ID)
			}
			hash, _ := auth.HashPassword(testPassword, fastHash)
			login := func(email string, g gatehouse.SecurityGroup) string {
				g.Permissions = []string{"assets.view"}
				created, err := db.CreateGroup(ctx, ds.AccountID, g)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.CreateUser(ctx, ds.AccountID, gatehouse.UserCreate{Email: email, PasswordHash: hash, GroupIDs: []int64{created.ID}}); err != nil {
					b.Fatal(err)
				}
				raw, _ := json.Marshal(map[string]string{"email": email, "password": testPassword})
				resp, err := http.Post(srv.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(raw))
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				var out struct{ Token string }
				json.NewDecoder(resp.Body).Decode(&out)
				return out.Token
			}
			users := []struct{ name, token string }{
				{"scoped to 50 customers", login("fifty@bench.example", gatehouse.SecurityGroup{Name: "Fifty", AccessType: gatehouse.SelectCustomers, CustomerIDs: fifty})},
				{"all customers", login("all@bench.example", gatehouse.SecurityGroup{Name: "All", AccessType: gatehouse.AllCustomers})},
			}
			for _, u := range users {
				b.Run(u.name, func(b *testing.B) {
					req, _ := http.NewRequest("GET", srv.URL+"/api/v1/assets?limit=50", nil)
					req.Header.Set("Authorization", "Bearer "+u.token)
					var took []time.Duration
					for b.Loop() {
						t0 := time.Now()
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						var page struct{ Items []json.RawMessage }
						err = json.NewDecoder(resp.Body).Decode(&page)
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						took = append(took, time.Since(t0))
						if err != nil || resp.StatusCode != 200 || len(page.Items) != 50 {
							b.Fatalf("status %d, %d items (%v)", resp.StatusCode, len(page.Items), err)
						}
					}
					slices.Sort(took)
					ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / 1e6 }
					b.ReportMetric(ms(0.5), "p50-ms")
					b.ReportMetric(ms(0.99), "p99-ms")
				})
			}
		})
	}
}
