package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"time"
)

// dur prints a duration with three significant figures.
func dur(d time.Duration) string { return nanos(float64(d)) }

// nanos prints a duration given in nanoseconds.
func nanos(v float64) string {
	switch {
	case v <= 0:
		return "–"
	case v < 1e3:
		return sig(v) + " ns"
	case v < 1e6:
		return sig(v/1e3) + " µs"
	case v < 1e9:
		return sig(v/1e6) + " ms"
	}
	return sig(v/1e9) + " s"
}

func sig(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// ratio is how many times faster a is than b.
func ratio(a, b time.Duration) string { return ratioF(float64(a), float64(b)) }

func ratioF(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	x := b / a
	if x >= 100 {
		return group(int64(x+0.5)) + "×"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + "×"
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// pct is the p-quantile of sorted samples.
func pct[T time.Duration | float64](lat []T, p float64) T {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)-1, int(p*float64(len(lat))))]
}

func printTable(w io.Writer, c config, r *results) {
	fmt.Fprintf(w, "Gatehouse, Casbin and OpenFGA on one generated account: %s users (+1 global admin), %s groups, %s customers, %s assets (seed %d)\n",
		group(int64(c.opts.Users)), group(int64(c.opts.Groups)), group(int64(c.opts.Customers)), group(int64(c.opts.Assets)), c.opts.Seed)
	fmt.Fprintf(w, "Machine: %s, %d CPUs, %s/%s, %s\n\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())

	fmt.Fprintln(w, "| Measure | Gatehouse | Casbin | OpenFGA | Gatehouse vs Casbin | Gatehouse vs OpenFGA |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|")
	fmt.Fprintf(w, "| Loaded in | %s (%s) | %s (%s) | %s (%s) | | |\n",
		dur(r.loadTimes["Gatehouse"]), r.sizes["Gatehouse"], dur(r.loadTimes["Casbin"]), r.sizes["Casbin"],
		dur(r.loadTimes["OpenFGA"]), r.sizes["OpenFGA"])
	g, cb, f := r.check["Gatehouse"], r.check["Casbin"], r.check["OpenFGA"]
	if len(g) > 0 {
		for _, q := range []struct {
			name string
			p    float64
		}{{"median", 0.5}, {"p99", 0.99}} {
			fmt.Fprintf(w, "| Check, %s | %s | %s | %s | %s | %s |\n", q.name, nanos(pct(g, q.p)), nanos(pct(cb, q.p)), nanos(pct(f, q.p)),
				ratioF(pct(g, q.p), pct(cb, q.p)), ratioF(pct(g, q.p), pct(f, q.p)))
		}
		fmt.Fprintf(w, "| Check, allocations | %.0f | %.0f | %.0f | | |\n", r.allocs["Gatehouse"], r.allocs["Casbin"], r.allocs["OpenFGA"])
	}
	if r.listCount > 0 || r.list["Gatehouse"] > 0 {
		fp, full := r.list["Gatehouse first page"], r.list["Gatehouse"]
		fmt.Fprintf(w, "| Assets user U may view (%s assets): first page of 50 | %s | | | %s | %s |\n", group(int64(r.listCount)), dur(fp),
			ratio(fp, r.list["Casbin"]), ratio(fp, r.list["OpenFGA"]))
		fmt.Fprintf(w, "| Assets user U may view: the full set | %s | %s | %s | %s | %s |\n", dur(full), dur(r.list["Casbin"]), dur(r.list["OpenFGA"]),
			ratio(full, r.list["Casbin"]), ratio(full, r.list["OpenFGA"]))
	}
	verdict := fmt.Sprintf("%s of %s agree", group(int64(r.agreed)), group(int64(c.cases)))
	fmt.Fprintf(w, "| Agreement on random (user, permission, customer) requests | %s | | | | |\n", verdict)
	fmt.Fprintln(w)
	if r.listUser != "" {
		fmt.Fprintf(w, "User U is %s: the median list among users limited to some customers. Casbin lists by asking for each customer, then collecting those customers' assets; OpenFGA runs ListObjects (no result cap, no deadline); Gatehouse runs the store's list query on SQLite (the scope as a WHERE condition; the full set in keyset pages of 500).\n", r.listUser)
	}
	fmt.Fprintf(w, "Gatehouse check times are per check, measured over batches of %d checks (one check is shorter than the clock's resolution); Casbin and OpenFGA are timed per call, on the same requests.\n\n", gatehouseBatch)

	switch {
	case r.httpSkipped != "":
		fmt.Fprintf(w, "HTTP load: %s\n", r.httpSkipped)
	case r.httpOne.requests > 0:
		if !r.httpAssets {
			fmt.Fprintln(w, "HTTP load (the API does not serve assets yet; its customer endpoints stand in):")
		}
		fmt.Fprintf(w, "| HTTP over 127.0.0.1, %d clients, user U's token | Requests | Throughput | Median | p99 |\n", c.httpWorkers)
		fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
		for _, lr := range []loadResult{r.httpOne, r.httpList} {
			fmt.Fprintf(w, "| %s | %s in %s | %s req/s | %s | %s |\n", lr.endpoint, group(int64(lr.requests)), dur(lr.elapsed),
				group(int64(lr.rate()+0.5)), dur(pct(lr.lat, 0.5)), dur(pct(lr.lat, 0.99)))
		}
	}
}
