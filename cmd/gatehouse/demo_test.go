package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gen"
)

func TestDemoCommandLoadsAnAccountUsersCanSignInTo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.db")
	var out bytes.Buffer
	args := []string{"demo", "--db", path, "--customers", "40", "--assets", "400", "--users", "30", "--groups", "8",
		"--seed", "5", "--password", "generated-pass"}
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "loaded 100%") || strings.Contains(out.String(), "\r") {
		t.Errorf("output to a non-terminal should be plain progress lines:\n%s", out.String())
	}

	// Every printed login signs in and sees exactly the customers its
	// generated groups grant customers.view on.
	ds, err := gen.Generate(gen.Options{Seed: 5, Customers: 40, Groups: 8, Users: 30, Assets: 400})
	if err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, Config{DBPath: path})
	logins := regexp.MustCompile(`(?m)^  (\S+@\S+)\s+(.*)$`).FindAllStringSubmatch(out.String(), -1)
	if len(logins) < 3 || logins[0][2] != "global admin" {
		t.Fatalf("logins not printed:\n%s", out.String())
	}
	view := catalog.MustLookup("customers.view")
	for _, l := range logins {
		u := slices.IndexFunc(ds.Users, func(u gen.User) bool { return u.Email == l[1] })
		if u < 0 {
			t.Fatalf("printed login %s is not a generated user", l[1])
		}
		scope := access.Compile(ds.Subject(u), time.Now()).Scope(view)
		_, body := postJSON(t, m.URL()+"/api/v1/auth/login", "", map[string]string{"email": l[1], "password": "generated-pass"})
		token, _ := body["token"].(string)
		if token == "" {
			t.Fatalf("%s cannot sign in: %v", l[1], body)
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id,string"`
			}
		}
		status := getJSON(t, m.URL()+"/api/v1/customers?limit=500", token, &page)
		switch {
		case scope.Empty():
			if status != 403 {
				t.Errorf("%s (%s) lists customers with status %d, want 403", l[1], l[2], status)
			}
		case scope.Kind == access.ScopeAll:
			if status != 200 || len(page.Items) != len(ds.Customers) {
				t.Errorf("%s (%s) sees %d customers (status %d), want all %d", l[1], l[2], len(page.Items), status, len(ds.Customers))
			}
		default:
			if status != 200 || len(page.Items) != len(scope.IDs) {
				t.Errorf("%s (%s) sees %d customers (status %d), want %d", l[1], l[2], len(page.Items), status, len(scope.IDs))
			}
			for _, c := range page.Items {
				if !scope.Contains(c.ID) {
					t.Errorf("%s sees customer %d outside its groups", l[1], c.ID)
				}
			}
		}
	}
}

func TestDemoCommandRefusesBadSizesNamingTheFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--customers", "0"}, "--customers"},
		{[]string{"--groups", "-3"}, "--groups"},
		{[]string{"--assets", "999999999999"}, "--assets"},
		{[]string{"--password", "short"}, "--password"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"demo", "--db", path}, tc.args...), &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("demo %v: err = %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}

func TestDemoCommandRefusesAnAccountThatExists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "twice.db")
	args := []string{"demo", "--db", path, "--customers", "5", "--assets", "10", "--users", "3", "--groups", "2", "--password", "generated-pass"}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), args, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second run: err = %v, want the account to exist already", err)
	}
}
