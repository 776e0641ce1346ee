// Command bench compares Gatehouse with Casbin and OpenFGA on one
// generated account.
//
// The race (the headline) runs each engine as a decision service in a
// process of its own and drives all three over loopback HTTP alike:
// cold, warm, after a security change, batches of 100, and listings,
// with an agreement check over 10,000 decisions:
//
//	cd bench && go run -mod=mod . race -gatehouse-postgres DSN -openfga-postgres DSN
//
// Without a subcommand it compares the engines inside one process: check
// latency, listing the assets a user may view, agreement, and the JSON
// API's throughput over loopback:
//
//	cd bench && go run -mod=mod . -customers 5000 -assets 500000 -users 2000 -groups 200
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gen"
)

type config struct {
	opts         gen.Options
	cases        int
	dir          string
	out          string
	listRuns     int
	httpRequests int
	httpTime     time.Duration
	httpWorkers  int
	scopes       bool
	postgres     string
	cacheDir     string
	noSQLite     bool
}

func main() {
	if len(os.Args) > 1 {
		if cmd, ok := commands[os.Args[1]]; ok {
			if err := cmd(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				os.Exit(1)
			}
			return
		}
	}
	var c config
	flag.IntVar(&c.opts.Customers, "customers", 5000, "customers")
	flag.IntVar(&c.opts.Assets, "assets", 500_000, "assets")
	flag.IntVar(&c.opts.Users, "users", 2000, "users (one global admin comes on top)")
	flag.IntVar(&c.opts.Groups, "groups", 200, "security groups")
	flag.Uint64Var(&c.opts.Seed, "seed", 1, "dataset and request seed")
	flag.IntVar(&c.cases, "cases", 10_000, "random (user, permission, customer) requests all engines must agree on")
	flag.StringVar(&c.dir, "dir", "", "directory for the databases (default: a temporary one, removed after)")
	flag.StringVar(&c.out, "out", "", "also write the table to this file")
	flag.IntVar(&c.listRuns, "list-runs", 5, "timed runs of each listing (the median is reported)")
	flag.IntVar(&c.httpRequests, "http-requests", 20_000, "HTTP load: at most this many requests per endpoint")
	flag.DurationVar(&c.httpTime, "http-time", 15*time.Second, "HTTP load: at most this long per endpoint")
	flag.IntVar(&c.httpWorkers, "http-workers", 4, "HTTP load: concurrent clients")
	flag.BoolVar(&c.scopes, "scopes", false, "instead: lists, pages, reads, search and CSV export by scope size (1, 50, 2,000, all customers), 2,000,000 assets unless -assets says otherwise")
	flag.StringVar(&c.postgres, "postgres", os.Getenv("GATEHOUSE_BENCH_POSTGRES"), "-scopes: also measure PostgreSQL at this DSN (the account is kept in a schema of its own)")
	flag.BoolVar(&c.noSQLite, "no-sqlite", false, "-scopes: measure PostgreSQL only")
	flag.StringVar(&c.cacheDir, "cache", "", "-scopes: where the generated SQLite database is kept (default: the user's cache directory)")
	flag.Parse()
	run := run
	if c.scopes {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		defaults := map[string]func(){
			"assets":        func() { c.opts.Assets = 2_000_000 },
			"users":         func() { c.opts.Users = 200 },
			"list-runs":     func() { c.listRuns = 200 },
			"http-requests": func() { c.httpRequests = 4000 },
			"http-time":     func() { c.httpTime = 10 * time.Second },
		}
		for name, apply := range defaults {
			if !set[name] {
				apply()
			}
		}
		run = runScopes
	}
	if err := run(context.Background(), c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// commands are the subcommands: the race and the servers it starts as
// processes of their own. With none, the engines are compared in one
// process.
var commands = map[string]func(args []string) error{
	"race": func(args []string) error {
		c, err := raceFlags(args)
		if err != nil {
			return err
		}
		return runRace(context.Background(), c, os.Stdout, os.Stderr)
	},
	"serve-casbin":  serveCasbin,
	"serve-openfga": serveOpenFGA,
}

// request is one (user, permission, customer) question.
type request struct {
	user     int // index into Dataset.Users
	perm     catalog.Perm
	customer int64
}

// results is everything the table shows.
type results struct {
	ds          *gen.Dataset
	loadTimes   map[string]time.Duration
	sizes       map[string]string
	check       map[string][]float64 // per-check latencies in ns, sorted
	allocs      map[string]float64
	agreed      int
	listUser    string
	listCount   int
	list        map[string]time.Duration
	httpOne     loadResult
	httpList    loadResult
	httpAssets  bool
	httpSkipped string
}

func newResults(ds *gen.Dataset) *results {
	return &results{ds: ds, loadTimes: map[string]time.Duration{}, sizes: map[string]string{},
		check: map[string][]float64{}, allocs: map[string]float64{}, list: map[string]time.Duration{}}
}

func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "gatehouse-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.dir = dir
	}
	ds, err := gen.Generate(c.opts)
	if err != nil {
		return err
	}
	r := newResults(ds)

	logf("loading %d rows into Gatehouse (SQLite)", ds.Rows())
	t0 := time.Now()
	gh, err := newGatehouse(ctx, c.dir, ds, nil)
	if err != nil {
		return fmt.Errorf("gatehouse: %w", err)
	}
	defer gh.close()
	r.loadTimes["Gatehouse"] = time.Since(t0)
	r.sizes["Gatehouse"] = group(int64(ds.Rows())) + " rows"

	logf("loading Casbin")
	t0 = time.Now()
	cb, n, err := newCasbin(ds)
	if err != nil {
		return err
	}
	r.loadTimes["Casbin"] = time.Since(t0)
	r.sizes["Casbin"] = group(int64(n)) + " rules"

	logf("loading OpenFGA (SQLite datastore)")
	t0 = time.Now()
	last := time.Now()
	fga, n, err := newOpenFGA(ctx, c.dir, ds, func(done, total int) {
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			logf("  OpenFGA tuples %d / %d", done, total)
		}
	})
	if err != nil {
		return err
	}
	defer fga.close()
	r.loadTimes["OpenFGA"] = time.Since(t0)
	r.sizes["OpenFGA"] = group(int64(n)) + " tuples"

	reqs := drawRequests(ds, c.cases, c.opts.Seed)
	logf("agreement on %d requests", len(reqs))
	if err := agree(ctx, r, gh, cb, fga, reqs); err != nil {
		printTable(stdout, c, r)
		return err
	}

	logf("Gatehouse check latency")
	measureChecks(ctx, r, gh, cb, fga, reqs)

	logf("listing")
	u, err := listing(ctx, c, r, gh, cb, fga)
	if err != nil {
		printTable(stdout, c, r)
		return err
	}

	logf("HTTP load over loopback")
	if err := httpLoad(ctx, c, r, gh, u); err != nil {
		r.httpSkipped = err.Error()
	}

	printTable(stdout, c, r)
	if c.out != "" {
		f, err := os.Create(c.out)
		if err != nil {
			return err
		}
		defer f.Close()
		printTable(f, c, r)
	}
	return nil
}

// drawRequests picks random users, permissions and customers; half the
// customers come from one of the user's own select lists so that both
// answers are common.
func drawRequests(ds *gen.Dataset, n int, seed uint64) []request {
	rng := rand.New(rand.NewPCG(seed, 0xbe7c4))
	out := make([]request, n)
	for i := range out {
		u := rng.IntN(len(ds.Users))
		c := ds.Customers[rng.IntN(len(ds.Customers))].ID
		if gs := ds.Users[u].Groups; len(gs) > 0 && rng.IntN(2) == 0 {
			if list := ds.Groups[gs[rng.IntN(len(gs))]].Customers; len(list) > 0 {
				c = ds.CustomerID(list[rng.IntN(len(list))])
			}
		}
		out[i] = request{user: u, perm: catalog.Perm(rng.IntN(catalog.Len())), customer: c}
	}
	return out
}

// agree asks all three engines every request; the first disagreement
// stops the run with the case spelled out.
// Casbin's and OpenFGA's answers are timed here, call by call; a
// Gatehouse check is too short to time alone (see measureChecks).
func agree(ctx context.Context, r *results, gh *gatehouseEngine, cb *casbinEngine, fga *openfgaEngine, reqs []request) error {
	cbLat, fgaLat := make([]float64, 0, len(reqs)), make([]float64, 0, len(reqs))
	defer func() {
		slices.Sort(cbLat)
		slices.Sort(fgaLat)
		r.check["Casbin"], r.check["OpenFGA"] = cbLat, fgaLat
	}()
	for i, q := range reqs {
		uid := r.ds.Users[q.user].ID
		g := gh.grants[uid].Check(q.perm, q.customer)
		t0 := time.Now()
		c, err := cb.check(uid, q.perm, q.customer)
		cbLat = append(cbLat, float64(time.Since(t0)))
		if err != nil {
			return fmt.Errorf("casbin: %w", err)
		}
		t0 = time.Now()
		f, err := fga.check(ctx, uid, q.perm, q.customer)
		fgaLat = append(fgaLat, float64(time.Since(t0)))
		if err != nil {
			return fmt.Errorf("openfga: %w", err)
		}
		if g != c || g != f {
			return fmt.Errorf("disagreement on request %d: user %d (%s), %s on customer %d: Gatehouse %v, Casbin %v, OpenFGA %v\n%s",
				i, uid, r.ds.Users[q.user].Email, q.perm.Key(), q.customer, g, c, f, explain(r.ds, q))
		}
		r.agreed++
	}
	return nil
}

// explain lists the user's groups as the dataset has them, for a
// disagreement report.
func explain(ds *gen.Dataset, q request) string {
	var b strings.Builder
	u := ds.Users[q.user]
	fmt.Fprintf(&b, "  global admin: %v\n", u.GlobalAdmin)
	for _, gi := range u.Groups {
		g := &ds.Groups[gi]
		fmt.Fprintf(&b, "  group %d %q: %s, holds %s: %v, lists customer: %v\n", g.ID, g.Name, g.AccessType, q.perm.Key(),
			slices.Contains(g.Perms, q.perm), slices.Contains(ds.CustomerIDs(g), q.customer))
	}
	return b.String()
}

// gatehouseBatch is how many checks one Gatehouse sample times: a single
// check is shorter than the clock's resolution.
const gatehouseBatch = 100

// measureChecks times Gatehouse on the agreement's requests, fifty times
// over, and counts every engine's allocations per check.
func measureChecks(ctx context.Context, r *results, gh *gatehouseEngine, cb *casbinEngine, fga *openfgaEngine, reqs []request) {
	type ghReq struct {
		g        *access.Grants
		p        catalog.Perm
		customer int64
	}
	ghReqs := make([]ghReq, len(reqs))
	for i, q := range reqs {
		ghReqs[i] = ghReq{gh.grants[r.ds.Users[q.user].ID], q.perm, q.customer}
	}
	sink := 0
	var lat []float64
	for range 50 {
		for i := 0; i+gatehouseBatch <= len(ghReqs); i += gatehouseBatch {
			t0 := time.Now()
			for _, q := range ghReqs[i : i+gatehouseBatch] {
				if q.g.Check(q.p, q.customer) {
					sink++
				}
			}
			lat = append(lat, float64(time.Since(t0))/gatehouseBatch)
		}
	}
	slices.Sort(lat)
	r.check["Gatehouse"] = lat
	k := 0
	r.allocs["Gatehouse"] = testing.AllocsPerRun(1000, func() {
		q := ghReqs[k%len(ghReqs)]
		k++
		if q.g.Check(q.p, q.customer) {
			sink++
		}
	})
	r.allocs["Casbin"] = testing.AllocsPerRun(100, func() {
		q := reqs[k%len(reqs)]
		k++
		cb.check(r.ds.Users[q.user].ID, q.perm, q.customer)
	})
	r.allocs["OpenFGA"] = testing.AllocsPerRun(50, func() {
		q := reqs[k%len(reqs)]
		k++
		fga.check(ctx, r.ds.Users[q.user].ID, q.perm, q.customer)
	})
	_ = sink
}

// listUser picks the user whose asset list is the median among users who
// see some but not all customers' assets: the case a filter must handle.
func listUser(r *results, gh *gatehouseEngine) int {
	perCustomer := map[int64]int{}
	for _, c := range r.ds.AssetCustomer {
		perCustomer[r.ds.CustomerID(c)]++
	}
	type cand struct{ user, n int }
	var cands []cand
	for u := range r.ds.Users {
		s := gh.grants[r.ds.Users[u].ID].Scope(assetsView)
		if s.Kind != access.ScopeOnly {
			continue
		}
		n := 0
		for _, id := range s.IDs {
			n += perCustomer[id]
		}
		cands = append(cands, cand{u, n})
	}
	if len(cands) == 0 {
		return 0
	}
	slices.SortFunc(cands, func(a, b cand) int { return a.n - b.n })
	return cands[len(cands)/2].user
}

// listBudget bounds how long one engine's listing is repeated.
const listBudget = 30 * time.Second

// median runs f up to runs times, stopping early once the runs have
// taken listBudget (one run always happens), and returns the median.
func median(f func() (time.Duration, error), runs int) (time.Duration, error) {
	var ds []time.Duration
	var total time.Duration
	for len(ds) < max(runs, 1) && total < listBudget {
		d, err := f()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
		total += d
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

func listing(ctx context.Context, c config, r *results, gh *gatehouseEngine, cb *casbinEngine, fga *openfgaEngine) (int, error) {
	u := listUser(r, gh)
	uid := r.ds.Users[u].ID
	byCustomer := r.ds.AssetsByCustomer()
	var ghAll, cbAll, fgaAll []int64
	timed := func(dst *[]int64, f func() ([]int64, error)) func() (time.Duration, error) {
		return func() (time.Duration, error) {
			t0 := time.Now()
			ids, err := f()
			d := time.Since(t0)
			*dst = ids
			return d, err
		}
	}
	var page []int64
	var err error
	if r.list["Gatehouse first page"], err = median(timed(&page, func() ([]int64, error) { return gh.listAssets(ctx, uid, 50) }), max(c.listRuns, 5)); err != nil {
		return u, err
	}
	if r.list["Gatehouse"], err = median(timed(&ghAll, func() ([]int64, error) { return gh.listAssets(ctx, uid, 0) }), c.listRuns); err != nil {
		return u, err
	}
	if r.list["Casbin"], err = median(timed(&cbAll, func() ([]int64, error) { return cb.listAssets(uid, byCustomer) }), c.listRuns); err != nil {
		return u, err
	}
	if r.list["OpenFGA"], err = median(timed(&fgaAll, func() ([]int64, error) { return fga.listAssets(ctx, uid) }), c.listRuns); err != nil {
		return u, err
	}
	r.listUser = fmt.Sprintf("%s (user %d)", r.ds.Users[u].Email, uid)
	r.listCount = len(ghAll)
	for _, s := range [][]int64{ghAll, cbAll, fgaAll} {
		slices.Sort(s)
	}
	if !slices.Equal(ghAll, cbAll) || !slices.Equal(ghAll, fgaAll) {
		return u, fmt.Errorf("listing disagreement for %s: Gatehouse %d assets, Casbin %d, OpenFGA %d",
			r.listUser, len(ghAll), len(cbAll), len(fgaAll))
	}
	if want := min(50, len(ghAll)); len(page) != want {
		return u, fmt.Errorf("first page holds %d assets, want %d", len(page), want)
	}
	return u, nil
}

func httpLoad(ctx context.Context, c config, r *results, gh *gatehouseEngine, u int) error {
	if c.httpRequests <= 0 {
		return errors.New("skipped (-http-requests 0)")
	}
	api, err := startAPI(gh.db)
	if err != nil {
		return err
	}
	defer api.close()
	uid := r.ds.Users[u].ID
	tok, err := gh.token(ctx, uid)
	if err != nil {
		return err
	}
	one, list, assets := api.httpEndpoints()
	r.httpAssets = assets
	var ids []int64
	if assets {
		ids, err = gh.listAssets(ctx, uid, 0)
	} else {
		s := gh.grants[uid].Scope(catalog.MustLookup("customers.view"))
		ids = s.IDs
	}
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return errors.New("the listing user sees no records")
	}
	rng := rand.New(rand.NewPCG(c.opts.Seed, 7))
	targets := make([]string, c.httpRequests)
	for i := range targets {
		targets[i] = one + strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
	}
	r.httpOne = driveGET("GET "+one+"{id}", api.url, tok, c.httpWorkers, c.httpRequests, c.httpTime, func(i int) string { return targets[i] })
	r.httpList = driveGET("GET "+list, api.url, tok, c.httpWorkers, c.httpRequests, c.httpTime, func(int) string { return list + "?limit=50" })
	for _, lr := range []loadResult{r.httpOne, r.httpList} {
		if lr.errors > 0 {
			return fmt.Errorf("%s: %d of %d requests failed (first: %s)", lr.endpoint, lr.errors, lr.requests, lr.firstErr)
		}
	}
	return nil
}

// cpuModel reads the processor's name where the system tells it.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
