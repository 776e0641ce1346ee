package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/gen"
)

// runDemo generates an account of the requested size and bulk-loads it:
// gatehouse demo --customers N --assets M --users U --groups G.
func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	var c Config
	o := gen.Options{}
	var password string
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout)
	storageFlags(fs, &c)
	fs.IntVar(&o.Customers, "customers", 50, "customers to generate")
	fs.IntVar(&o.Assets, "assets", 2000, "assets to generate, spread over the customers")
	fs.IntVar(&o.Users, "users", 40, "users to generate, each in 1–3 groups (plus one global admin)")
	fs.IntVar(&o.Groups, "groups", 12, "security groups to generate, all-customers and select-customers")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed: the same seed and sizes give the same account")
	fs.StringVar(&o.Account, "account", "", "account name (default: derived from the seed)")
	fs.StringVar(&password, "password", "", "password of every generated user (default: a random one, printed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected argument %q", fs.Arg(0))
	}
	if password == "" {
		password = randomPassword()
	} else if len(password) < auth.MinPasswordLen {
		return fmt.Errorf("--password must be at least %d characters", auth.MinPasswordLen)
	}
	start := time.Now()
	ds, err := gen.Generate(o)
	if err != nil {
		return flagError(err)
	}
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return err
	}
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()

	bar := newProgressBar(stdout)
	fmt.Fprintf(stdout, "Generating %q: %d customers, %d groups, %d users, %d assets (%d rows) into %s\n",
		ds.Options.Account, len(ds.Customers), len(ds.Groups), len(ds.Users), len(ds.AssetCustomer), ds.Rows(), db.Dialect())
	err = gen.Load(ctx, db, ds, gen.LoadOptions{PasswordHash: hash, Progress: bar.update})
	bar.finish(err == nil)
	if err != nil {
		return flagError(err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "Loaded %d rows in %s (%.0f rows/s).\n", ds.Rows(), elapsed.Round(time.Millisecond),
		float64(ds.Rows())/elapsed.Seconds())
	fmt.Fprintf(stdout, "Sign in with password %q as:\n", password)
	logins := sampleLogins(ds)
	width := 0
	for _, l := range logins {
		width = max(width, len(l.email))
	}
	for _, l := range logins {
		fmt.Fprintf(stdout, "  %-*s  %s\n", width, l.email, l.role)
	}
	return nil
}

// flagError names the flag behind an invalid option.
func flagError(err error) error {
	var e *gatehouse.Error
	if errors.As(err, &e) && e.Code == gatehouse.EInvalid && e.Field != "" {
		return fmt.Errorf("--%s: %s", e.Field, e.Message)
	}
	if errors.As(err, &e) && e.Code == gatehouse.EConflict {
		return fmt.Errorf("%s (choose another --account or --seed)", e.Message)
	}
	return err
}

func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

type login struct{ email, role string }

// sampleLogins picks the admin and one user of each kind worth trying.
func sampleLogins(ds *gen.Dataset) []login {
	out := []login{{ds.Users[0].Email, "global admin"}}
	var all, one, some bool
	for _, u := range ds.Users[1:] {
		if len(u.Groups) != 1 {
			continue
		}
		g := ds.Groups[u.Groups[0]]
		switch {
		case g.AccessType == gatehouse.AllCustomers && !all:
			all = true
			out = append(out, login{u.Email, g.Name + " (all customers)"})
		case g.AccessType == gatehouse.SelectCustomers && len(g.Customers) == 1 && !one:
			one = true
			out = append(out, login{u.Email, g.Name + " (one customer)"})
		case g.AccessType == gatehouse.SelectCustomers && len(g.Customers) > 1 && !some:
			some = true
			out = append(out, login{u.Email, fmt.Sprintf("%s (%d customers)", g.Name, len(g.Customers))})
		}
	}
	return out
}

// progressBar draws a bar on a terminal and prints a plain line every
// tenth otherwise, so logs and pipes stay readable.
type progressBar struct {
	w        io.Writer
	terminal bool
	last     time.Time
	step     int // plain mode: last tenth printed
	drawn    bool
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, terminal: isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (b *progressBar) update(p gen.Progress) {
	if p.Total == 0 {
		return
	}
	if !b.terminal {
		if tenth := 10 * p.Done / p.Total; tenth > b.step {
			b.step = tenth
			fmt.Fprintf(b.w, "loaded %3d%% (%d of %d rows, now %s)\n", 10*tenth, p.Done, p.Total, p.Table)
		}
		return
	}
	if now := time.Now(); p.Done < p.Total && now.Sub(b.last) < 100*time.Millisecond {
		return
	} else {
		b.last = now
	}
	const width = 40
	filled := width * p.Done / p.Total
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%  %-28s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		100*p.Done/p.Total, p.Table)
	b.drawn = true
}

func (b *progressBar) finish(ok bool) {
	if b.terminal && b.drawn {
		fmt.Fprintln(b.w)
	}
	if !ok && !b.terminal && b.step > 0 {
		fmt.Fprintln(b.w, "load failed; nothing was written")
	}
}
