package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
	"gatehouse/internal/records"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/sqldb/sqlite"
)

// The scope benchmark (-scopes): what a list, a later page, a read by id,
// a search and a CSV export cost for callers reaching 1, 50, 2,000 and
// all customers, on SQLite and PostgreSQL, against one generated account.
// The account is built once per generator options and schema version and
// kept: SQLite in a file under the user's cache directory, PostgreSQL in
// a schema of the given database. Later runs reuse it in seconds.

var benchScopes = []int{1, 50, 2000, 0}

func scopeName(k int) string {
	if k == 0 {
		return "all"
	}
	return group(int64(k))
}

type scopeEngine struct {
	name string
	db   *sqldb.DB
	ds   *gen.Dataset
}

// scopeRow is one measure: a p50 per scope size.
type scopeRow struct {
	measure string
	p50     map[int]time.Duration
	note    string
}

func runScopes(ctx context.Context, c config, stdout, stderr io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	opts := c.opts
	opts.ScopeUsers = benchScopes
	if opts.Account == "" {
		opts.Account = fmt.Sprintf("Scope bench %d/%d/%d", opts.Customers, opts.Assets, opts.Seed)
	}
	var engines []*scopeEngine
	if !c.noSQLite {
		e, err := cachedSQLite(ctx, c.cacheDir, opts, logf)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer e.db.Close()
		engines = append(engines, e)
	}
	if c.postgres != "" {
		e, err := cachedPostgres(ctx, c.postgres, opts, logf)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		defer e.db.Close()
		engines = append(engines, e)
	}
	tables := map[string][]scopeRow{}
	for _, e := range engines {
		logf("%s: measuring", e.name)
		rows, err := measureScopes(ctx, c, e, logf)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		tables[e.name] = rows
	}
	var b strings.Builder
	printScopeTable(&b, opts, c, engines, tables)
	io.WriteString(stdout, b.String())
	if c.out != "" {
		return os.WriteFile(c.out, []byte(b.String()), 0o644)
	}
	return nil
}

// cacheKey names a generated account by the generator's options. The
// schema it was built with is kept beside it (migration name → hash): a
// kept account is reused while those migrations are unchanged, and
// migrated forward when new ones were added; a changed migration means
// building it again.
func cacheKey(opts gen.Options) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%+v", opts))
	return hex.EncodeToString(h[:])[:12]
}

// schemaKept reports whether a database built with the migrations built
// can be migrated forward to current.
func schemaKept(built, current map[string]string) bool {
	if len(built) == 0 {
		return false
	}
	for name, hash := range built {
		if current[name] != hash {
			return false
		}
	}
	return true
}

func cachedSQLite(ctx context.Context, dir string, opts gen.Options, logf func(string, ...any)) (*scopeEngine, error) {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "gatehouse-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "scopes-"+cacheKey(opts)+".db")
	ds, err := gen.Generate(opts)
	if err != nil {
		return nil, err
	}
	var built map[string]string
	if raw, err := os.ReadFile(path + ".migrations"); err == nil {
		json.Unmarshal(raw, &built)
	}
	current := sqlite.MigrationHashes()
	record := func() error {
		raw, _ := json.Marshal(current)
		return os.WriteFile(path+".migrations", raw, 0o644)
	}
	if _, err := os.Stat(path); err == nil && schemaKept(built, current) {
		db, err := sqlite.Open(ctx, path) // applies migrations added since
		if err != nil {
			return nil, err
		}
		if ok, err := gen.Attach(ctx, db, ds); err == nil && ok {
			logf("sqlite: reusing %s", path)
			return &scopeEngine{name: "SQLite", db: db, ds: ds}, record()
		}
		db.Close()
	}
	tmp := path + ".building"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	logf("sqlite: generating %d rows into %s (once; later runs reuse it)", ds.Rows(), path)
	t0 := time.Now()
	db, err := sqlite.Open(ctx, tmp)
	if err != nil {
		return nil, err
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{Progress: progressLog(logf, "sqlite")}); err != nil {
		db.Close()
		return nil, err
	}
	// No ANALYZE: Gatehouse never runs it, so the plans measured are the
	// ones a database gets without statistics.
	db.Close()
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := record(); err != nil {
		return nil, err
	}
	logf("sqlite: built in %v", time.Since(t0).Round(time.Second))
	if db, err = sqlite.Open(ctx, path); err != nil {
		return nil, err
	}
	return &scopeEngine{name: "SQLite", db: db, ds: ds}, nil
}

func cachedPostgres(ctx context.Context, dsn string, opts gen.Options, logf func(string, ...any)) (*scopeEngine, error) {
	schema := "gatehouse_bench_" + cacheKey(opts)
	current := postgres.MigrationHashes()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return nil, err
	}
	scoped := withSearchPath(dsn, schema)
	ds, err := gen.Generate(opts)
	if err != nil {
		return nil, err
	}
	built := map[string]string{}
	if exists {
		rows, err := admin.QueryContext(ctx, `SELECT name, hash FROM `+schema+`.bench_built_with`)
		if err == nil {
			for rows.Next() {
				var n, h string
				rows.Scan(&n, &h)
				built[n] = h
			}
			rows.Close()
		}
	}
	record := func() error {
		tx, err := admin.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+schema+`.bench_built_with (name TEXT PRIMARY KEY, hash TEXT NOT NULL)`)
		tx.ExecContext(ctx, `DELETE FROM `+schema+`.bench_built_with`)
		for n, h := range current {
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+schema+`.bench_built_with (name, hash) VALUES ($1, $2)`, n, h); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	if exists && schemaKept(built, current) {
		db, err := postgres.Open(ctx, scoped) // applies migrations added since
		if err != nil {
			return nil, err
		}
		if ok, err := gen.Attach(ctx, db, ds); err == nil && ok {
			logf("postgres: reusing schema %s", schema)
			return &scopeEngine{name: "PostgreSQL", db: db, ds: ds}, record()
		}
		db.Close()
	}
	if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
		return nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return nil, err
	}
	logf("postgres: generating %d rows into schema %s (once; later runs reuse it)", ds.Rows(), schema)
	t0 := time.Now()
	db, err := postgres.Open(ctx, scoped)
	if err != nil {
		return nil, err
	}
	if err := gen.Load(ctx, db, ds, gen.LoadOptions{Progress: progressLog(logf, "postgres")}); err != nil {
		db.Close()
		admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
		return nil, err
	}
	if _, err := db.SQL().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		db.Close()
		return nil, err
	}
	logf("postgres: built in %v", time.Since(t0).Round(time.Second))
	return &scopeEngine{name: "PostgreSQL", db: db, ds: ds}, record()
}

func withSearchPath(dsn, schema string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	return dsn + sep + "search_path=" + schema
}

func progressLog(logf func(string, ...any), name string) func(gen.Progress) {
	last := time.Now()
	return func(p gen.Progress) {
		if time.Since(last) > 15*time.Second {
			last = time.Now()
			logf("%s: %d%% (%s)", name, p.Done*100/max(p.Total, 1), p.Table)
		}
	}
}

// scopeCaller is a ScopeUsers user: their grants and their reach.
type scopeCaller struct {
	k      int
	userID int64
	grants *access.Grants
	reach  records.Reach // assets.view
	inside []int64       // asset ids in reach, for reads by id
}

var permCustomersView = catalog.MustLookup("customers.view")

func measureScopes(ctx context.Context, c config, e *scopeEngine, logf func(string, ...any)) ([]scopeRow, error) {
	assets := records.MustLookup("assets")
	acct := e.ds.AccountID
	var callers []*scopeCaller
	for _, k := range benchScopes {
		u, _ := e.ds.ScopeUser(k)
		g := access.Compile(e.ds.Subject(u), time.Now())
		sc := &scopeCaller{k: k, userID: e.ds.Users[u].ID, grants: g, reach: records.ViewReach(assets, g)}
		page, err := e.db.ListRecords(ctx, acct, assets, gatehouse.ListFilter{Limit: 500}, sc.reach)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			sc.inside = append(sc.inside, r.ID)
		}
		callers = append(callers, sc)
	}
	runs := c.listRuns
	var rows []scopeRow
	measure := func(name string, f func(sc *scopeCaller, i int) error) error {
		row := scopeRow{measure: name, p50: map[int]time.Duration{}}
		for _, sc := range callers {
			lat := make([]time.Duration, 0, runs)
			for i := range runs + runs/10 {
				t0 := time.Now()
				if err := f(sc, i); err != nil {
					return fmt.Errorf("%s, scope %s: %w", name, scopeName(sc.k), err)
				}
				if i >= runs/10 { // the first tenth warms caches
					lat = append(lat, time.Since(t0))
				}
			}
			slices.Sort(lat)
			row.p50[sc.k] = pct(lat, 0.5)
		}
		rows = append(rows, row)
		return nil
	}
	list := func(f gatehouse.ListFilter, want func(gatehouse.Page[records.Record]) error) func(sc *scopeCaller, i int) error {
		return func(sc *scopeCaller, i int) error {
			page, err := e.db.ListRecords(ctx, acct, assets, f, sc.reach)
			if err != nil {
				return err
			}
			for _, r := range page.Items {
				if !sc.reach.Allows(r.CustomerID, 0) {
					return fmt.Errorf("asset %d of customer %d is out of scope", r.ID, r.CustomerID)
				}
			}
			if want != nil {
				return want(page)
			}
			return nil
		}
	}
	full := func(p gatehouse.Page[records.Record]) error {
		if len(p.Items) < 50 && p.NextCursor != "" {
			return fmt.Errorf("a short page of %d before the end", len(p.Items))
		}
		return nil
	}
	for _, key := range assets.SortKeys() {
		for _, desc := range []bool{false, true} {
			order := map[bool]string{false: "asc", true: "desc"}[desc]
			logf("%s: first page by %s %s", e.name, key, order)
			if err := measure(fmt.Sprintf("first page of 50, by %s %s", key, order), list(gatehouse.ListFilter{Limit: 50, Sort: key, Desc: desc}, full)); err != nil {
				return nil, err
			}
		}
	}
	// Page 20 and the page before it, by name and by kind (long ties).
	for _, key := range []string{"name", "kind"} {
		cursors := map[int][2]string{}
		for _, sc := range callers {
			f := gatehouse.ListFilter{Limit: 50, Sort: key}
			var page gatehouse.Page[records.Record]
			for range 19 {
				var err error
				if page, err = e.db.ListRecords(ctx, acct, assets, f, sc.reach); err != nil {
					return nil, err
				}
				if page.NextCursor == "" {
					break // a scope of fewer pages: its last page
				}
				f.Cursor = page.NextCursor
			}
			next, err := e.db.ListRecords(ctx, acct, assets, f, sc.reach)
			if err != nil {
				return nil, err
			}
			cursors[sc.k] = [2]string{f.Cursor, next.PrevCursor}
		}
		logf("%s: later pages by %s", e.name, key)
		if err := measure("page 20 (or the last), by "+key, func(sc *scopeCaller, i int) error {
			return list(gatehouse.ListFilter{Limit: 50, Sort: key, Cursor: cursors[sc.k][0]}, nil)(sc, i)
		}); err != nil {
			return nil, err
		}
		if err := measure("back from it to the page before, by "+key, func(sc *scopeCaller, i int) error {
			return list(gatehouse.ListFilter{Limit: 50, Sort: key, Cursor: cursors[sc.k][1]}, nil)(sc, i)
		}); err != nil {
			return nil, err
		}
	}
	logf("%s: filters and totals", e.name)
	if err := measure("first page, kind = laptop", list(gatehouse.ListFilter{Limit: 50, Where: map[string]string{"kind": "laptop"}}, nil)); err != nil {
		return nil, err
	}
	if err := measure("first page, one customer of the scope (customer_id)", func(sc *scopeCaller, i int) error {
		page, err := e.db.ListRecords(ctx, acct, assets, gatehouse.ListFilter{Limit: 50, CustomerID: customerOf(e, sc, i)}, sc.reach)
		if err == nil && len(page.Items) == 0 {
			err = errors.New("an empty page")
		}
		return err
	}); err != nil {
		return nil, err
	}
	if err := measure("first page with its total (exact up to 1,000)", list(gatehouse.ListFilter{Limit: 50, Total: true}, full)); err != nil {
		return nil, err
	}
	logf("%s: reads by id", e.name)
	if err := measure("one asset by id", func(sc *scopeCaller, i int) error {
		_, err := e.db.Record(ctx, acct, assets, sc.inside[i%len(sc.inside)], sc.reach)
		return err
	}); err != nil {
		return nil, err
	}
	logf("%s: global search", e.name)
	terms := searchTerms(e)
	if err := measure(fmt.Sprintf("global search, %d terms in turn", len(terms)), func(sc *scopeCaller, i int) error {
		var parts []records.SearchPart
		for _, m := range records.All() {
			if r := records.ViewReach(m, sc.grants); !r.None() {
				parts = append(parts, records.SearchPart{Module: m, Reach: r})
			}
		}
		hits, err := e.db.Search(ctx, acct, terms[i%len(terms)], sc.grants.Scope(permCustomersView), parts, 10)
		for _, h := range hits {
			if h.Module == "assets" && !sc.reach.Allows(h.CustomerID, 0) {
				return fmt.Errorf("search hit %+v out of scope", h)
			}
		}
		return err
	}); err != nil {
		return nil, err
	}
	if c.httpRequests > 0 {
		logf("%s: HTTP", e.name)
		if err := measureHTTP(ctx, c, e, callers, &rows); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// customerOf picks a customer of the caller's scope that has assets.
func customerOf(e *scopeEngine, sc *scopeCaller, i int) int64 {
	ids := sc.grants.Scope(catalog.MustLookup("assets.view"))
	if ids.Kind == access.ScopeOnly {
		return ids.IDs[i%len(ids.IDs)]
	}
	return e.ds.Customers[(i*97)%len(e.ds.Customers)].ID
}

// searchTerms mixes rare and common terms: a serial fragment, a host name
// fragment, a customer's name, a device tag shared by a third of all
// assets, and a term that matches nothing.
func searchTerms(e *scopeEngine) []string {
	a := e.ds.Asset(len(e.ds.AssetCustomer) / 3)
	b := e.ds.Asset(len(e.ds.AssetCustomer) / 7)
	return []string{a.Serial[3:9], strings.ToLower(b.Name[len(b.Name)-7:]), e.ds.Customers[42].Name, "-ws-", "no-such-thing"}
}

func measureHTTP(ctx context.Context, c config, e *scopeEngine, callers []*scopeCaller, rows *[]scopeRow) error {
	api, err := startAPI(e.db)
	if err != nil {
		return err
	}
	defer api.close()
	tokens := map[int]string{}
	for _, sc := range callers {
		if tokens[sc.k], err = apiToken(ctx, e.db, e.ds.AccountID, sc.userID); err != nil {
			return err
		}
	}
	for _, ep := range []struct{ name, path string }{
		{fmt.Sprintf("HTTP, %d clients: GET /api/v1/assets?limit=50", c.httpWorkers), "/api/v1/assets?limit=50"},
		{fmt.Sprintf("HTTP, %d clients: GET /api/v1/assets?limit=50&sort=kind&order=desc", c.httpWorkers), "/api/v1/assets?limit=50&sort=kind&order=desc"},
		{fmt.Sprintf("HTTP, %d clients: GET /api/v1/assets/{id}", c.httpWorkers), ""},
	} {
		row := scopeRow{measure: ep.name, p50: map[int]time.Duration{}}
		for _, sc := range callers {
			path := func(int) string { return ep.path }
			if ep.path == "" {
				path = func(i int) string { return fmt.Sprintf("/api/v1/assets/%d", sc.inside[i%len(sc.inside)]) }
			}
			res := driveGET(ep.name, api.url, tokens[sc.k], c.httpWorkers, c.httpRequests, c.httpTime, path)
			if res.errors > 0 {
				return fmt.Errorf("%s, scope %s: %d errors, first: %s", ep.name, scopeName(sc.k), res.errors, res.firstErr)
			}
			row.p50[sc.k] = pct(res.lat, 0.5)
		}
		*rows = append(*rows, row)
	}
	// The CSV export of the all-customers caller's whole list.
	all := callers[len(callers)-1]
	exp, err := exportCSV(api.url, tokens[all.k])
	if err != nil {
		return err
	}
	*rows = append(*rows, scopeRow{measure: "CSV export of every asset (all customers)", p50: map[int]time.Duration{0: exp.took},
		note: fmt.Sprintf("%s rows, %.1f MB, %s rows/s; heap grew by at most %.1f MB while streaming",
			group(int64(exp.rows)), float64(exp.bytes)/1e6, group(int64(float64(exp.rows)/exp.took.Seconds())), float64(exp.peakHeap)/1e6)})
	return nil
}

type exportResult struct {
	took     time.Duration
	rows     int
	bytes    int64
	peakHeap uint64
}

// exportCSV downloads the CSV export, sampling the process's heap (the
// server runs in this process) to show it stays flat.
func exportCSV(base, token string) (exportResult, error) {
	var res exportResult
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > baseline && m.HeapAlloc-baseline > peak.Load() {
					peak.Store(m.HeapAlloc - baseline)
				}
			}
		}
	}()
	defer close(done)
	req, _ := http.NewRequest("GET", base+"/api/v1/assets?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return res, fmt.Errorf("csv export: status %d", resp.StatusCode)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		res.bytes += int64(n)
		for _, b := range buf[:n] {
			if b == '\n' {
				res.rows++
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
	}
	res.took = time.Since(t0)
	res.rows-- // the header
	res.peakHeap = peak.Load()
	return res, nil
}

func printScopeTable(w io.Writer, opts gen.Options, c config, engines []*scopeEngine, tables map[string][]scopeRow) {
	fmt.Fprintf(w, "Generated account: %s customers, %s assets, %s groups, %s users (seed %d); callers reaching 1, 50, 2,000 and all customers (assets.view).\n",
		group(int64(opts.Customers)), group(int64(opts.Assets)), group(int64(opts.Groups+len(benchScopes))), group(int64(opts.Users+1+len(benchScopes))), opts.Seed)
	fmt.Fprintf(w, "Machine: %d CPUs, %s/%s, %s. In-process figures: p50 of %d runs each.\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), c.listRuns)
	for _, e := range engines {
		fmt.Fprintf(w, "%s\n\n| Measure (p50) | 1 | 50 | 2,000 | all | slowest / fastest |\n|---|--:|--:|--:|--:|--:|\n", e.name)
		for _, r := range tables[e.name] {
			if r.note != "" {
				fmt.Fprintf(w, "| %s | | | | %s | %s |\n", r.measure, dur(r.p50[0]), r.note)
				continue
			}
			var cells []string
			lo, hi := time.Duration(0), time.Duration(0)
			for _, k := range benchScopes {
				d := r.p50[k]
				cells = append(cells, dur(d))
				if lo == 0 || d < lo {
					lo = d
				}
				hi = max(hi, d)
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", r.measure, strings.Join(cells, " | "), ratioF(float64(lo), float64(hi)))
		}
		fmt.Fprintln(w)
	}
}
