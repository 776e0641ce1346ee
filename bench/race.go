package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gen"
)

// The fair race: Gatehouse, OpenFGA and Casbin each as a decision service
// in a process of its own, driven over loopback HTTP with a bearer
// credential by the same load driver, on the same generated account.
//
//	cd bench && go run -mod=mod . race -gatehouse-postgres DSN -openfga-postgres DSN

type raceConfig struct {
	opts        gen.Options
	dir         string
	gatehousePG string
	openfgaPG   string
	clients     int
	cases       int
	cold        int
	warm        int
	batches     int
	listings    int
	maxTime     time.Duration
	out         string
	only        string
}

func raceFlags(args []string) (raceConfig, error) {
	var c raceConfig
	fs := flag.NewFlagSet("race", flag.ContinueOnError)
	datasetFlags(fs, &c.opts)
	fs.StringVar(&c.dir, "dir", "", "directory for the binaries and SQLite files (default: a temporary one)")
	fs.StringVar(&c.gatehousePG, "gatehouse-postgres", "", "PostgreSQL DSN for Gatehouse (a schema "+raceSchema+" is made afresh); empty: SQLite")
	fs.StringVar(&c.openfgaPG, "openfga-postgres", "", "PostgreSQL DSN for OpenFGA's datastore (its tables are made afresh); required")
	fs.IntVar(&c.clients, "clients", 16, "concurrent clients, each on its own keep-alive connection")
	fs.IntVar(&c.cases, "cases", 10_000, "random decisions all engines must agree on")
	fs.IntVar(&c.cold, "cold", 2000, "cold and after-change decisions: one per user, at most the number of users")
	fs.IntVar(&c.warm, "warm", 300_000, "warm decisions, at most")
	fs.IntVar(&c.batches, "batches", 3000, "batches of 100, at most")
	fs.IntVar(&c.listings, "listings", 400, "listings, at most")
	fs.DurationVar(&c.maxTime, "max-time", 15*time.Second, "each engine's time bound per column")
	fs.StringVar(&c.out, "out", "", "also write the table to this file")
	fs.StringVar(&c.only, "only", "", "race only these engines (comma-separated: gatehouse,openfga,casbin), for trying changes; the table needs all three")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.openfgaPG == "" && c.runs("openfga") {
		return c, errors.New("-openfga-postgres is required: OpenFGA runs on its PostgreSQL datastore")
	}
	return c, nil
}

func (c raceConfig) runs(engine string) bool {
	return c.only == "" || slices.Contains(strings.Split(c.only, ","), engine)
}

// Column names, in the table's order.
const (
	colCold    = "cold: a user's first decision"
	colWarm    = "warm: repeated decisions"
	colChange  = "after a security change"
	colBatch   = "batch of 100 decisions"
	colListing = "listing: customers a user may act on"
)

var columns = []string{colCold, colWarm, colChange, colBatch, colListing}

// stat is one engine's run of one column.
type stat struct {
	ops       int
	decisions int
	elapsed   time.Duration
	lat       []time.Duration
	server    []time.Duration // Gatehouse's own Server-Timing, when sent
	cpu       time.Duration   // the server process's CPU time (not its database's)
}

func (s stat) rate() float64 { return float64(s.ops) / s.elapsed.Seconds() }

// raceResults is everything the table shows.
type raceResults struct {
	c        raceConfig
	ds       *gen.Dataset
	sizes    map[string]string
	stats    map[string]map[string]stat // column → engine → stat
	agreed   int
	listed   int
	listUser int
	change   string
}

func runRace(ctx context.Context, c raceConfig, stdout, stderr io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "gatehouse-race-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.dir = dir
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ds, err := gen.Generate(c.opts)
	if err != nil {
		return err
	}
	r := &raceResults{c: c, ds: ds, sizes: map[string]string{}, stats: map[string]map[string]stat{}}

	logf("building gatehouse and loading %s rows", group(int64(ds.Rows())))
	bin, err := buildGatehouse(c.dir)
	if err != nil {
		return err
	}
	gh, db, err := startGatehouse(ctx, bin, c.dir, c.gatehousePG, ds)
	if err != nil {
		return fmt.Errorf("gatehouse: %w", err)
	}
	defer db.Close()
	defer gh.stop()
	r.sizes["Gatehouse"] = group(int64(ds.Rows())) + " rows"
	sql := &listSQL{db: db, account: ds.AccountID}

	engines := []service{gh}
	if c.runs("openfga") {
		logf("starting OpenFGA on PostgreSQL and writing its tuples")
		fga, n, err := startOpenFGA(ctx, self, c.openfgaPG, ds, sql, logf)
		if err != nil {
			return fmt.Errorf("openfga: %w", err)
		}
		defer fga.stop()
		r.sizes["OpenFGA"] = group(int64(n)) + " tuples"
		engines = append(engines, fga)
	}
	if c.runs("casbin") {
		logf("starting Casbin")
		cb, n, err := startCasbin(ctx, self, ds, sql)
		if err != nil {
			return fmt.Errorf("casbin: %w", err)
		}
		defer cb.stop()
		r.sizes["Casbin"] = group(int64(n)) + " rules"
		engines = append(engines, cb)
	}
	if err := r.race(ctx, engines, logf); err != nil {
		printRace(stdout, r)
		return err
	}
	printRace(stdout, r)
	if c.out != "" {
		f, err := os.Create(c.out)
		if err != nil {
			return err
		}
		defer f.Close()
		printRace(f, r)
	}
	return nil
}

// race runs the columns in an order that keeps each meaningful: cold
// first, on servers that have answered nothing; the agreement pass then
// warms them; the security change last but the listing.
func (r *raceResults) race(ctx context.Context, engines []service, logf func(string, ...any)) error {
	c, ds := r.c, r.ds
	rng := rand.New(rand.NewPCG(c.opts.Seed, 0x7ace))
	cold := coldQueries(ds, rng, c.cold)
	for _, e := range engines {
		logf("%s: cold", e.name())
		if _, err := r.decide(e, colCold, cold, false, len(cold)); err != nil {
			return err
		}
	}
	cases := raceQueries(ds, rng, c.cases)
	logf("agreement on %d decisions", len(cases))
	if err := r.agree(engines, cases); err != nil {
		return err
	}
	working := cases[:min(1000, len(cases))]
	for _, e := range engines {
		logf("%s: warm", e.name())
		if _, err := r.decide(e, colWarm, working, false, c.warm); err != nil {
			return err
		}
	}
	for _, e := range engines {
		logf("%s: batches of 100", e.name())
		if err := r.batches(e, working); err != nil {
			return err
		}
	}
	if err := r.afterChange(ctx, engines, cold, logf); err != nil {
		return err
	}
	return r.listings(ctx, engines, logf)
}

// decide drives total decisions cycling through qs with c.clients
// clients, checking every answer is a decision (and, when want is set,
// the expected one), and records the column.
func (r *raceResults) decide(e service, col string, qs []query, fresh bool, total int) ([]bool, error) {
	reqs := make([][]byte, len(qs))
	for i, q := range qs {
		reqs[i] = e.check(q, fresh)
	}
	got := make([]bool, len(qs))
	st, err := measured(e, r.c.clients, total, r.c.maxTime, func(w *wire, i int) (time.Duration, error) {
		a, err := w.do(reqs[i%len(reqs)])
		if err != nil {
			return 0, err
		}
		if a.status != 200 {
			return 0, fmt.Errorf("%s: status %d: %.200s", e.name(), a.status, a.body)
		}
		ok, err := e.decided(a.body)
		if i < len(got) {
			got[i] = ok
		}
		t, _ := serverTime(a.timing)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", e.name(), col, err)
	}
	st.decisions = st.ops
	r.record(col, e.name(), st)
	return got, nil
}

func (r *raceResults) record(col, engine string, st stat) {
	if r.stats[col] == nil {
		r.stats[col] = map[string]stat{}
	}
	r.stats[col][engine] = st
}

// agree asks every engine every case; the first disagreement stops the
// race with the case spelled out.
func (r *raceResults) agree(engines []service, cases []query) error {
	answers := make([][]bool, len(engines))
	for i, e := range engines {
		var err error
		if answers[i], err = r.decideUnrecorded(e, cases); err != nil {
			return err
		}
	}
	for k, q := range cases {
		for i := 1; i < len(engines); i++ {
			if answers[i][k] != answers[0][k] {
				return fmt.Errorf("disagreement on decision %d: user %d, %s on customer %d: %s %v, %s %v",
					k, q.user, q.perm.Key(), q.customer, engines[0].name(), answers[0][k], engines[i].name(), answers[i][k])
			}
		}
		r.agreed++
	}
	return nil
}

func (r *raceResults) decideUnrecorded(e service, qs []query) ([]bool, error) {
	saved := r.stats
	r.stats = map[string]map[string]stat{}
	defer func() { r.stats = saved }()
	c := r.c
	r.c.maxTime = time.Hour // every case must be asked
	defer func() { r.c = c }()
	return r.decide(e, "agreement", qs, false, len(qs))
}

// batches drives batches of 100 decisions.
func (r *raceResults) batches(e service, working []query) error {
	const size = 100
	n := len(working) / size
	reqs := make([][]byte, n)
	for i := range n {
		reqs[i] = e.batch(working[i*size : (i+1)*size])
	}
	st, err := measured(e, r.c.clients, r.c.batches, r.c.maxTime, func(w *wire, i int) (time.Duration, error) {
		a, err := w.do(reqs[i%n])
		if err != nil {
			return 0, err
		}
		if a.status != 200 {
			return 0, fmt.Errorf("status %d: %.200s", a.status, a.body)
		}
		if _, err := e.batched(a.body, size); err != nil {
			return 0, err
		}
		t, _ := serverTime(a.timing)
		return t, nil
	})
	if err != nil {
		return fmt.Errorf("%s, batches: %w", e.name(), err)
	}
	st.decisions = st.ops * size
	r.record(colBatch, e.name(), st)
	return nil
}

// afterChange takes a user out of one of their groups in every engine,
// checks each answers the changed decision anew at once, then drives one
// decision per user — every one of them asked to reflect the change.
func (r *raceResults) afterChange(ctx context.Context, engines []service, users []query, logf func(string, ...any)) error {
	q, g, ok := flippable(r.ds)
	if !ok {
		return errors.New("no user whose access a membership change flips")
	}
	r.change = fmt.Sprintf("user %d leaves group %d, losing %s on customer %d", q.user, g, q.perm.Key(), q.customer)
	for _, e := range engines {
		w, err := dial(e.addr())
		if err != nil {
			return err
		}
		defer w.close()
		before, err := askOnce(w, e, q)
		if err != nil || !before {
			return fmt.Errorf("%s before the change: %v, %v (want true)", e.name(), before, err)
		}
		logf("%s: %s", e.name(), r.change)
		if err := e.removeMember(ctx, w, q.user, g); err != nil {
			return err
		}
		after, err := askOnce(w, e, q)
		if err != nil || after {
			return fmt.Errorf("%s right after the change: %v, %v (want false)", e.name(), after, err)
		}
		if _, err := r.decide(e, colChange, users, true, len(users)); err != nil {
			return err
		}
	}
	return nil
}

func askOnce(w *wire, e service, q query) (bool, error) {
	a, err := w.do(e.check(q, true))
	if err != nil || a.status != 200 {
		return false, fmt.Errorf("status %d %v %.200s", a.status, err, a.body)
	}
	return e.decided(a.body)
}

// listings drives listings of the customers users may view assets of,
// after checking every engine lists the same customers for each user.
func (r *raceResults) listings(ctx context.Context, engines []service, logf func(string, ...any)) error {
	users := listUsers(r.ds, 50)
	if len(users) == 0 {
		return errors.New("no user limited to some customers to list for")
	}
	perm := catalog.MustLookup("assets.view")
	for _, u := range users {
		var first []int64
		for i, e := range engines {
			w, err := dial(e.addr())
			if err != nil {
				return err
			}
			ids, err := e.list(ctx, w, u, perm)
			w.close()
			if err != nil {
				return err
			}
			slices.Sort(ids)
			if i == 0 {
				first = ids
				r.listed += len(ids)
			} else if !slices.Equal(first, ids) {
				return fmt.Errorf("listing disagreement for user %d: %s %d customers, %s %d", u, engines[0].name(), len(first), e.name(), len(ids))
			}
		}
	}
	r.listUser = len(users)
	for _, e := range engines {
		logf("%s: listing", e.name())
		st, err := measured(e, r.c.clients, r.c.listings, r.c.maxTime, func(w *wire, i int) (time.Duration, error) {
			_, err := e.list(ctx, w, users[i%len(users)], perm)
			return 0, err
		})
		if err != nil {
			return fmt.Errorf("%s, listing: %w", e.name(), err)
		}
		r.record(colListing, e.name(), st)
	}
	return nil
}

// measured runs drive while reading the server process's CPU time.
func measured(e service, workers, total int, maxTime time.Duration, op func(w *wire, i int) (time.Duration, error)) (stat, error) {
	before := e.process().cpu()
	st, err := drive(e.addr(), workers, total, maxTime, op)
	st.cpu = e.process().cpu() - before
	return st, err
}

// drive runs op total times (or until maxTime) from workers clients, each
// with its own connection opened before the clock starts.
func drive(addr string, workers, total int, maxTime time.Duration, op func(w *wire, i int) (time.Duration, error)) (stat, error) {
	wires := make([]*wire, workers)
	for i := range wires {
		w, err := dial(addr)
		if err != nil {
			return stat{}, err
		}
		defer w.close()
		wires[i] = w
	}
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var st stat
	deadline := time.Now().Add(maxTime)
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range wires {
		wg.Go(func() {
			lat := make([]time.Duration, 0, total/workers+1)
			var server []time.Duration
			for {
				i := int(next.Add(1)) - 1
				if i >= total || time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				srv, err := op(w, i)
				lat = append(lat, time.Since(t0))
				if srv > 0 {
					server = append(server, srv)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					break
				}
			}
			mu.Lock()
			st.lat = append(st.lat, lat...)
			st.server = append(st.server, server...)
			mu.Unlock()
		})
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	st.ops = len(st.lat)
	slices.Sort(st.lat)
	slices.Sort(st.server)
	return st, firstErr
}

// raceQueries draws decisions about customer-scoped permissions, half on
// customers of one of the user's own lists so both answers are common.
// The customers area's own permissions are left out: the customer routes
// add rules of their own (an edit needs the customer in view too) that
// the peers' models do not encode.
func raceQueries(ds *gen.Dataset, rng *rand.Rand, n int) []query {
	perms := racePerms()
	out := make([]query, n)
	for i := range out {
		u := rng.IntN(len(ds.Users))
		c := ds.Customers[rng.IntN(len(ds.Customers))].ID
		if gs := ds.Users[u].Groups; len(gs) > 0 && rng.IntN(2) == 0 {
			if list := ds.Groups[gs[rng.IntN(len(gs))]].Customers; len(list) > 0 {
				c = ds.CustomerID(list[rng.IntN(len(list))])
			}
		}
		out[i] = query{user: ds.Users[u].ID, perm: perms[rng.IntN(len(perms))], customer: c}
	}
	return out
}

func racePerms() []catalog.Perm {
	var out []catalog.Perm
	for _, p := range catalog.All() {
		if p.CustomerScoped && p.Area != "customers" {
			out = append(out, p.Index)
		}
	}
	return out
}

// coldQueries is one decision per user, users in random order.
func coldQueries(ds *gen.Dataset, rng *rand.Rand, n int) []query {
	qs := raceQueries(ds, rng, len(ds.Users))
	for i := range qs {
		qs[i].user = ds.Users[i].ID
	}
	rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	return qs[:min(n, len(qs))]
}

// flippable finds a user, one of their groups and a decision that group
// alone grants them: taking them out of it must turn it to a denial.
func flippable(ds *gen.Dataset) (query, int64, bool) {
	now := ds.Now
	for u := range ds.Users {
		user := ds.Users[u]
		if user.GlobalAdmin || len(user.Groups) < 2 {
			continue
		}
		before := access.Compile(ds.Subject(u), now)
		for gi, g := range user.Groups {
			grp := ds.Groups[g]
			if grp.AccessType != "select_customers" || len(grp.Customers) == 0 {
				continue
			}
			s := ds.Subject(u)
			s.Memberships = slices.Delete(slices.Clone(s.Memberships), gi, gi+1)
			after := access.Compile(s, now)
			for _, p := range grp.Perms {
				if !p.CustomerScoped() || catalog.Get(p).Area == "customers" {
					continue
				}
				for _, c := range grp.Customers {
					cid := ds.CustomerID(c)
					if before.Check(p, cid) && !after.Check(p, cid) {
						return query{user: user.ID, perm: p, customer: cid}, grp.ID, true
					}
				}
			}
		}
	}
	return query{}, 0, false
}

// listUsers picks users limited to some customers for assets.view, spread
// over the sizes of their lists.
func listUsers(ds *gen.Dataset, n int) []int64 {
	type cand struct {
		id   int64
		size int
	}
	var cands []cand
	for u := range ds.Users {
		s := access.Compile(ds.Subject(u), ds.Now).Scope(assetsView)
		if s.Kind == access.ScopeOnly {
			cands = append(cands, cand{ds.Users[u].ID, len(s.IDs)})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return a.size - b.size })
	var out []int64
	for i := 0; i < n && len(cands) > 0; i++ {
		out = append(out, cands[i*len(cands)/n].id)
	}
	return slices.Compact(out)
}
