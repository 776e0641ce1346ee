// Command screenshots starts Gatehouse on a throwaway database filled
// with the demo account, drives a headless Chromium through the main
// pages of the web admin, and writes a PNG of each to docs/screenshots.
//
//	go run ./cmd/screenshots [-out docs/screenshots] [-chromium /usr/bin/chromium]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/demo"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/sqlite"
	"gatehouse/internal/usecase"
	"gatehouse/internal/web"
	"gatehouse/internal/web/webtest"
)

func main() {
	out := flag.String("out", filepath.Join("docs", "screenshots"), "directory the PNG files are written to")
	chromium := flag.String("chromium", "", "Chromium binary (default: GATEHOUSE_CHROMIUM, then chromium on PATH)")
	flag.Parse()
	if err := run(*out, *chromium); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out, chromium string) error {
	if chromium == "" {
		var ok bool
		if chromium, ok = webtest.ChromiumPath(); !ok {
			return errors.New("no Chromium found; install chromium or pass -chromium")
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gatehouse-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tmp, "demo.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := demo.Seed(ctx, db, auth.DefaultParams); err != nil {
		return err
	}
	url, stop, err := serve(db)
	if err != nil {
		return err
	}
	defer stop()

	bctx, cancel, err := webtest.Start(ctx, chromium)
	if err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	defer cancel()
	s := &shooter{ctx: bctx, url: url, out: out}
	return s.tour(ctx, db)
}

// serve runs the API and the web admin on a loopback port, as the
// binary does.
func serve(db *sqldb.DB) (string, func(), error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gate := authz.NewGate(db, nil)
	uc := usecase.New(db, usecase.Config{Password: auth.DefaultParams, HashSlots: 2})
	api := httpapi.New(db, uc, gate, log)
	w, err := web.New(db, uc, gate, log)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	api.Mount(mux)
	w.Mount(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

type shooter struct {
	ctx context.Context
	url string
	out string
}

func (s *shooter) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

func (s *shooter) open(path string) error { return s.do(chromedp.Navigate(s.url + path)) }

// submit clicks a form's button and waits for the next page.
func (s *shooter) submit(sel string) error {
	return s.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))(ctx, t)
		return err
	}))
}

func (s *shooter) signIn(email, password string) error {
	if err := s.open("/signin"); err != nil {
		return err
	}
	if err := s.do(chromedp.SendKeys(chromedp.CSS("#f-email"), email), chromedp.SendKeys(chromedp.CSS("#f-password"), password)); err != nil {
		return err
	}
	return s.submit("form[action='/signin'] button[type=submit]")
}

// shot writes a PNG of the whole page.
func (s *shooter) shot(name string) error {
	if err := s.do(chromedp.Sleep(300 * time.Millisecond)); err != nil { // let scripts finish filling lists
		return err
	}
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	path := filepath.Join(s.out, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}

func (s *shooter) tour(ctx context.Context, db *sqldb.DB) error {
	acct, err := db.AccountByName(ctx, demo.AccountName)
	if err != nil {
		return err
	}
	groups, err := db.ListGroups(ctx, acct.ID, gatehouse.ListFilter{Limit: 500})
	if err != nil {
		return err
	}
	groupID := map[string]int64{}
	for _, g := range groups.Items {
		groupID[g.Name] = g.ID
	}
	customers, err := db.ListCustomers(ctx, acct.ID, access.All(), gatehouse.ListFilter{Q: "Acme Dental"})
	if err != nil || len(customers.Items) == 0 {
		return fmt.Errorf("demo customer Acme Dental: %v", err)
	}
	acme := customers.Items[0].ID
	tech, err := db.UserByEmail(ctx, acct.ID, "tech@demo.example")
	if err != nil {
		return err
	}
	invoices, err := db.ListRecords(ctx, acct.ID, records.MustLookup("invoices"), gatehouse.ListFilter{Limit: 1},
		records.Reach{Customers: access.Only(acme)})
	if err != nil || len(invoices.Items) == 0 {
		return fmt.Errorf("a demo invoice of Acme Dental: %v", err)
	}
	invoice := invoices.Items[0].ID
	first := func(module string) (int64, error) {
		page, err := db.ListRecords(ctx, acct.ID, records.MustLookup(module), gatehouse.ListFilter{Limit: 1}, records.Reach{Customers: access.Only(acme)})
		if err != nil || len(page.Items) == 0 {
			return 0, fmt.Errorf("a demo %s of Acme Dental: %v", module, err)
		}
		return page.Items[0].ID, nil
	}
	ids := map[string]int64{}
	for _, m := range []string{"tickets", "script-runs", "estimates", "policies", "chats", "campaigns", "assets", "contacts"} {
		if ids[m], err = first(m); err != nil {
			return err
		}
	}

	if err := s.open("/signin"); err != nil {
		return err
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"signin", func() error { return nil }},
		{"customers", func() error {
			if err := s.signIn("admin@demo.example", "demo-admin-pass"); err != nil {
				return err
			}
			return s.open("/customers")
		}},
		{"customer-edit", func() error { return s.open(fmt.Sprintf("/customers/%d/edit", acme)) }},
		{"security-groups", func() error { return s.open("/security-groups") }},
		{"security-group-edit", func() error { return s.open(fmt.Sprintf("/security-groups/%d", groupID["Acme Dental IT"])) }},
		{"security-group-delete", func() error {
			return s.open(fmt.Sprintf("/security-groups/%d/delete", groupID["Acme Dental IT"]))
		}},
		{"assets", func() error { return s.open("/assets") }},
		{"users", func() error { return s.open("/users") }},
		{"user-edit", func() error { return s.open(fmt.Sprintf("/users/%d", tech.ID)) }},
		{"effective-access", func() error { return s.open(fmt.Sprintf("/users/%d/access", tech.ID)) }},
		{"explain", func() error {
			return s.open(fmt.Sprintf("/access/explain?user=%d&permission=credentials.reveal&customer=%d", tech.ID, acme))
		}},
		{"access-review", func() error { return s.open(fmt.Sprintf("/customers/%d/access", acme)) }},
		{"access-map", func() error { return s.open("/access/map") }},
		{"audit-log", func() error { return s.open("/audit") }},
		{"asset-new", func() error { return s.open(fmt.Sprintf("/assets/new?customer=%d", acme)) }},
		{"invoice-edit", func() error { return s.open(fmt.Sprintf("/invoices/%d/edit", invoice)) }},
		{"invoice", func() error { return s.open(fmt.Sprintf("/invoices/%d", invoice)) }},
		{"customer-hub", func() error { return s.open(fmt.Sprintf("/customers/%d", acme)) }},
		{"home", func() error { return s.open("/") }},
		{"calendar-week", func() error { return s.open("/calendar") }},
		{"calendar-month", func() error { return s.open("/calendar?view=month") }},
		{"impact-preview", func() error {
			if err := s.open(fmt.Sprintf("/security-groups/%d", groupID["Acme Dental IT"])); err != nil {
				return err
			}
			if err := s.do(chromedp.Click(chromedp.CSS("#access-all"))); err != nil {
				return err
			}
			return s.submit("#group-form button[type=submit]")
		}},
		{"customer-archive", func() error { return s.open(fmt.Sprintf("/customers/%d/delete", acme)) }},
		{"tokens", func() error { return s.open("/tokens") }},
		{"api-clients", func() error { return s.open("/api-clients") }},
		{"account-security", func() error { return s.open("/account/security") }},
		{"settings", func() error { return s.open("/settings") }},
		{"sso-new", func() error { return s.open("/settings/sso/new") }},
		{"co-managed-home", func() error {
			if err := s.submit(".who button[type=submit]"); err != nil {
				return err
			}
			if err := s.signIn("it@acme-dental.example", "demo-acme-pass"); err != nil {
				return err
			}
			return s.open("/")
		}},
		{"co-managed-customers", func() error { return s.open("/customers") }},
		{"co-managed-customer-hub", func() error { return s.open(fmt.Sprintf("/customers/%d", acme)) }},
		{"ticket", func() error { return s.open(fmt.Sprintf("/tickets/%d", ids["tickets"])) }},
		{"tickets", func() error { return s.open("/tickets") }},
		{"script-run", func() error { return s.open(fmt.Sprintf("/script-runs/%d", ids["script-runs"])) }},
		{"estimate", func() error { return s.open(fmt.Sprintf("/estimates/%d", ids["estimates"])) }},
		{"policy", func() error { return s.open(fmt.Sprintf("/policies/%d", ids["policies"])) }},
		{"chat", func() error { return s.open(fmt.Sprintf("/chats/%d", ids["chats"])) }},
		{"campaign-send", func() error { return s.open(fmt.Sprintf("/campaigns/%d/send", ids["campaigns"])) }},
		{"appointment-new", func() error { return s.open("/appointments/new") }},
		{"asset", func() error { return s.open(fmt.Sprintf("/assets/%d", ids["assets"])) }},
		{"time-log-new", func() error { return s.open(fmt.Sprintf("/timelogs/new?ticket_id=%d", ids["tickets"])) }},
		{"contact-delete", func() error { return s.open(fmt.Sprintf("/contacts/%d/delete", ids["contacts"])) }},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		if err := s.shot(st.name); err != nil {
			return err
		}
	}
	return nil
}
