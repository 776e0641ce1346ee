package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"time"
)

// printRace writes the race's table: per column and engine, throughput
// and latency, and Gatehouse's ratio to each peer.
func printRace(w io.Writer, r *raceResults) {
	c := r.c
	fmt.Fprintf(w, "The fair race: each engine a decision service in its own process over loopback HTTP with a bearer credential, %d clients\n", c.clients)
	fmt.Fprintf(w, "Account: %s users (+1 global admin), %s groups, %s customers (seed %d). Gatehouse: %s; OpenFGA: %s; Casbin: %s.\n",
		group(int64(c.opts.Users)), group(int64(c.opts.Groups)), group(int64(c.opts.Customers)), c.opts.Seed,
		r.sizes["Gatehouse"], r.sizes["OpenFGA"], r.sizes["Casbin"])
	fmt.Fprintf(w, "Machine: %s, %d CPUs shared by the load and the three servers, %s/%s, %s\n\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())

	engines := []string{"Gatehouse", "OpenFGA", "Casbin"}
	fmt.Fprintln(w, "| Column | Measure | Gatehouse | OpenFGA | Casbin | Gatehouse vs OpenFGA | Gatehouse vs Casbin |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|")
	for _, col := range columns {
		st := r.stats[col]
		if len(st) == 0 {
			continue
		}
		unit := "decisions/s"
		if col == colListing {
			unit = "listings/s"
		}
		rate := func(s stat) float64 {
			if col == colListing {
				return s.rate()
			}
			return float64(s.decisions) / s.elapsed.Seconds()
		}
		row := func(measure string, val func(stat) float64, format func(float64) string, higherBetter bool) {
			fmt.Fprintf(w, "| %s | %s |", col, measure)
			for _, e := range engines {
				s, ok := st[e]
				if !ok || s.ops == 0 {
					fmt.Fprint(w, " – |")
					continue
				}
				fmt.Fprintf(w, " %s |", format(val(s)))
			}
			g, gok := st["Gatehouse"]
			for _, e := range engines[1:] {
				p, ok := st[e]
				if !ok || !gok || p.ops == 0 || g.ops == 0 {
					fmt.Fprint(w, " – |")
					continue
				}
				a, b := val(g), val(p)
				if higherBetter {
					fmt.Fprintf(w, " %s |", times(a, b))
				} else {
					fmt.Fprintf(w, " %s |", times(b, a))
				}
			}
			fmt.Fprintln(w)
		}
		row(unit, rate, func(v float64) string { return group(int64(v + 0.5)) }, true)
		row("p50", func(s stat) float64 { return float64(pct(s.lat, 0.5)) }, nanos, false)
		row("p99", func(s stat) float64 { return float64(pct(s.lat, 0.99)) }, nanos, false)
		per := "server CPU per decision"
		n := func(s stat) int { return s.decisions }
		if col == colListing {
			per, n = "server CPU per listing", func(s stat) int { return s.ops }
		}
		row(per, func(s stat) float64 { return float64(s.cpu) / float64(max(n(s), 1)) }, nanos, false)
		if g, ok := st["Gatehouse"]; ok && len(g.server) > 0 {
			fmt.Fprintf(w, "| %s | Gatehouse server time p50 / p99 | %s / %s | | | | |\n", col, dur(pct(g.server, 0.5)), dur(pct(g.server, 0.99)))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Agreement: %s of %s decisions answered alike by all three engines", group(int64(r.agreed)), group(int64(c.cases)))
	if r.listUser > 0 {
		fmt.Fprintf(w, "; %d users' listings identical (%s customers in all)", r.listUser, group(int64(r.listed)))
	}
	fmt.Fprintln(w, ".")
	if r.change != "" {
		fmt.Fprintf(w, "Security change: %s — every engine answered the changed decision anew on the next request.\n", r.change)
	}
	for _, col := range columns {
		for _, e := range engines {
			if s, ok := r.stats[col][e]; ok {
				fmt.Fprintf(w, "%s / %s: %s operations in %s\n", col, e, group(int64(s.ops)), dur(s.elapsed.Round(time.Millisecond)))
			}
		}
	}
}

// times is how many times a exceeds b.
func times(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	x := a / b
	if x >= 100 {
		return group(int64(x+0.5)) + "×"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + "×"
}
