// Command gatehouse runs the Gatehouse access-control server and its
// administration commands.
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
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/authzen"
	"gatehouse/internal/clientip"
	"gatehouse/internal/connlimit"
	"gatehouse/internal/demo"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/httpapi"
	"gatehouse/internal/mailer"
	"gatehouse/internal/metrics"
	"gatehouse/internal/passkey"
	"gatehouse/internal/sqldb"
	"gatehouse/internal/sqldb/postgres"
	"gatehouse/internal/sqldb/sqlite"
	"gatehouse/internal/sso"
	"gatehouse/internal/usecase"
	"gatehouse/internal/vault"
	"gatehouse/internal/versions"
	"gatehouse/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

const usage = `usage: gatehouse <command> [flags]

commands:
  serve          run the server (--demo fills an empty database)
  admin create   create an account's global admin (--email --password --account)
  migrate        apply database migrations and exit
  backup         write a consistent copy of the SQLite database (--out FILE)
  restore        replace the SQLite database with a backup (--from FILE)
  audit verify   check the audit log's hash chain; names the first tampered entry
  demo           generate a large realistic account (--customers --assets --users --groups)
  openapi        print the API's OpenAPI document
  help           show this list; "gatehouse <command> --help" shows a command's flags

Every flag can also be set by a GATEHOUSE_* environment variable (see --help of each command).
`

// run runs one command. Asking for help is not an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch {
	case args[0] == "help" || args[0] == "--help" || args[0] == "-help" || args[0] == "-h":
		if len(args) > 1 && args[0] == "help" {
			return dispatch(ctx, append(args[1:], "--help"), stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return nil
	case args[0] == "backup":
		return runBackup(ctx, args[1:], stdout)
	case args[0] == "restore":
		return runRestore(ctx, args[1:], stdout)
	case args[0] == "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case args[0] == "migrate":
		return runMigrate(ctx, args[1:], stdout)
	case args[0] == "demo":
		return runDemo(ctx, args[1:], stdout)
	case args[0] == "openapi":
		return runOpenAPI(stdout)
	case args[0] == "audit" && len(args) > 1 && args[1] == "verify":
		return runAuditVerify(ctx, args[2:], stdout)
	case args[0] == "admin" && len(args) > 1 && args[1] == "create":
		return runAdminCreate(ctx, args[2:], stdout)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// Config is everything the server is configured with.
type Config struct {
	DBPath      string // SQLite file
	PostgresDSN string // when set, PostgreSQL instead of SQLite
	Addr        string
	Demo        bool
	Password    auth.Params
	// Timeouts cut slow and idle clients; zero takes the default.
	// ReadTimeout covers a request's headers and body, WriteTimeout its
	// response (a streaming export extends it page by page), IdleTimeout
	// a keep-alive connection between requests.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxConnsPerIP caps the connections one client address holds open
	// (0: the default; negative: no cap, e.g. behind a load balancer
	// that pools its connections).
	MaxConnsPerIP int
	// VaultKey is the base64 AES-256 key of the credentials vault. Empty:
	// a key file beside the SQLite database, created on first start.
	VaultKey string
	// SMTP delivers campaign mail; with no address, mail stays queued.
	SMTP mailer.SMTP
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string
	// PublicURL is where browsers and other tools reach the server:
	// passkeys are bound to its host, identity providers send users back
	// to it and the decision API's metadata names it. Empty:
	// http://localhost:<port> when listening on a loopback address, else
	// passkeys and single sign-on are off and the metadata names each
	// request's own host.
	PublicURL string
}

// storageFlags registers the storage flags with GATEHOUSE_* defaults.
func storageFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.DBPath, "db", env("GATEHOUSE_DB", "gatehouse.db"), "SQLite database file (env GATEHOUSE_DB)")
	fs.StringVar(&c.PostgresDSN, "postgres", env("GATEHOUSE_POSTGRES", ""), "PostgreSQL DSN; overrides --db (env GATEHOUSE_POSTGRES)")
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// The server's defaults against slow and greedy clients.
const (
	defaultReadTimeout   = 30 * time.Second
	defaultWriteTimeout  = 60 * time.Second
	defaultIdleTimeout   = 120 * time.Second
	defaultMaxConnsPerIP = 128
)

// serverFlags registers the timeouts and the connection cap.
func serverFlags(fs *flag.FlagSet, c *Config) {
	durations := []struct {
		p           *time.Duration
		name, key   string
		def         time.Duration
		description string
	}{
		{&c.ReadTimeout, "read-timeout", "GATEHOUSE_READ_TIMEOUT", defaultReadTimeout, "longest time to read a request, headers and body"},
		{&c.WriteTimeout, "write-timeout", "GATEHOUSE_WRITE_TIMEOUT", defaultWriteTimeout, "longest time to write a response (exports extend it while they make progress)"},
		{&c.IdleTimeout, "idle-timeout", "GATEHOUSE_IDLE_TIMEOUT", defaultIdleTimeout, "how long an idle keep-alive connection stays open"},
	}
	for _, d := range durations {
		*d.p = d.def
		fs.Func(d.name, fmt.Sprintf("%s (default %s; env %s)", d.description, d.def, d.key), durationSetter(d.p))
		if v, ok := os.LookupEnv(d.key); ok {
			if err := durationSetter(d.p)(v); err != nil {
				envErrors = append(envErrors, fmt.Errorf("%s: %w", d.key, err))
			}
		}
	}
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", envInt("GATEHOUSE_MAX_CONNS_PER_IP", defaultMaxConnsPerIP),
		"most connections one client address may hold open; trusted proxies are not capped; -1: no cap (env GATEHOUSE_MAX_CONNS_PER_IP)")
}

// envErrors are environment variables that did not parse.
var envErrors []error

func durationSetter(p *time.Duration) func(string) error {
	return func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration such as 30s", s)
		}
		*p = d
		return nil
	}
}

func envInt(key string, def int) int {
	v, ok := os.LookupEnv(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		envErrors = append(envErrors, fmt.Errorf("%s: %q is not a whole number", key, v))
		return def
	}
	return n
}

// OpenDB opens the configured store and migrates it.
func OpenDB(ctx context.Context, c Config) (*sqldb.DB, error) {
	if c.PostgresDSN != "" {
		return postgres.Open(ctx, c.PostgresDSN)
	}
	return sqlite.Open(ctx, c.DBPath)
}

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	storageFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "database is up to date (%s)\n", db.Dialect())
	return nil
}

func runAdminCreate(ctx context.Context, args []string, stdout io.Writer) error {
	var c Config
	var email, password, account string
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	storageFlags(fs, &c)
	fs.StringVar(&email, "email", "", "the admin's email")
	fs.StringVar(&password, "password", "", "the admin's password")
	fs.StringVar(&account, "account", "Default", "account name; created if it does not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(password) < auth.MinPasswordLen {
		return fmt.Errorf("--password must be at least %d characters", auth.MinPasswordLen)
	}
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return err
	}
	acct, u, err := db.CreateAdmin(ctx, account, gatehouse.UserCreate{Email: email, Name: email, PasswordHash: hash, GroupIDs: []int64{}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created global admin %s (id %d) in account %q (id %d)\n", u.Email, u.ID, acct.Name, acct.ID)
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := NewMain()
	m.Log = slog.New(slog.NewTextHandler(stderr, nil))
	m.Stdout = stdout
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	storageFlags(fs, &m.Config)
	fs.StringVar(&m.Config.Addr, "addr", env("GATEHOUSE_ADDR", "127.0.0.1:8080"), "listen address (env GATEHOUSE_ADDR)")
	fs.BoolVar(&m.Config.Demo, "demo", env("GATEHOUSE_DEMO", "") == "true", "fill an empty database with a demo account (env GATEHOUSE_DEMO=true)")
	fs.StringVar(&m.Config.VaultKey, "vault-key", env("GATEHOUSE_VAULT_KEY", ""), "base64 32-byte key of the credentials vault; default: a key file beside the SQLite database (env GATEHOUSE_VAULT_KEY)")
	fs.StringVar(&m.Config.SMTP.Addr, "smtp-addr", env("GATEHOUSE_SMTP_ADDR", ""), "SMTP server host:port for campaign mail (env GATEHOUSE_SMTP_ADDR)")
	fs.StringVar(&m.Config.SMTP.From, "smtp-from", env("GATEHOUSE_SMTP_FROM", ""), "sender address of campaign mail (env GATEHOUSE_SMTP_FROM)")
	fs.StringVar(&m.Config.SMTP.Username, "smtp-username", env("GATEHOUSE_SMTP_USERNAME", ""), "SMTP user name (env GATEHOUSE_SMTP_USERNAME)")
	fs.StringVar(&m.Config.SMTP.Password, "smtp-password", env("GATEHOUSE_SMTP_PASSWORD", ""), "SMTP password (env GATEHOUSE_SMTP_PASSWORD)")
	serverFlags(fs, &m.Config)
	fs.StringVar(&m.Config.PublicURL, "public-url", env("GATEHOUSE_PUBLIC_URL", ""), "the URL browsers and other tools reach the server at, e.g. https://gatehouse.example.com; passkeys and single sign-on need it (default: http://localhost:<port> on a loopback address; env GATEHOUSE_PUBLIC_URL)")
	proxies := fs.String("trusted-proxies", env("GATEHOUSE_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (env GATEHOUSE_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(envErrors...); err != nil {
		return err
	}
	if *proxies != "" {
		m.Config.TrustedProxies = strings.Split(*proxies, ",")
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Log.Info("shutting down")
	return m.Close()
}

// Main is the wired program: tests start it in-process.
type Main struct {
	Config Config
	Log    *slog.Logger
	Stdout io.Writer

	DB        *sqldb.DB
	API       *httpapi.Server
	Web       *web.Server
	Decisions *authzen.Server
	Versions  *versions.Watcher
	Mailer    *mailer.Deliverer
	server    *http.Server
	stopMail  context.CancelFunc
	mailDone  chan struct{}
	stopWatch context.CancelFunc
	watchDone sync.WaitGroup
	ln        net.Listener
	done      chan struct{}
}

// NewMain returns a Main with defaults.
func NewMain() *Main {
	return &Main{
		Config: Config{DBPath: "gatehouse.db", Addr: "127.0.0.1:8080", Password: auth.DefaultParams},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Stdout: io.Discard,
	}
}

// Run opens the database, seeds the demo if asked, and starts serving.
// It returns once the listener is open.
func (m *Main) Run(ctx context.Context) error {
	db, err := OpenDB(ctx, m.Config)
	if err != nil {
		return err
	}
	m.DB = db
	m.watchVersions()
	v, err := m.openVault()
	if err != nil {
		return err
	}
	if m.Config.Demo {
		if err := m.seedDemo(ctx, v); err != nil {
			return err
		}
	} else if err := m.noticeFirstRun(ctx); err != nil {
		return err
	}
	gate := authz.NewGate(db, nil)
	if gate.Addrs, err = clientip.New(m.Config.TrustedProxies); err != nil {
		return err
	}
	met := metrics.New(gate, db.SQL())
	uc := usecase.New(db, usecase.Config{Password: m.Config.Password, HashSlots: runtime.GOMAXPROCS(0)})
	if v != nil {
		uc.Vault = v
	}
	m.API = httpapi.New(db, uc, gate, m.Log)
	m.API.Metrics = met.Handler()
	m.API.WriteTimeout = m.timeout(m.Config.WriteTimeout, defaultWriteTimeout)
	if err := m.startMailer(uc); err != nil {
		return err
	}
	if m.Web, err = web.New(db, uc, gate, m.Log); err != nil {
		return err
	}
	m.Web.WriteTimeout = m.API.WriteTimeout
	m.Decisions = authzen.New(db, gate, authz.NewClients(db, m.Versions, nil), m.Versions, m.Log)
	m.Decisions.PublicURL = m.Config.PublicURL
	mux := http.NewServeMux()
	m.API.Mount(mux)
	m.Decisions.Mount(mux) // the decision API at /access/v1 and /.well-known
	m.Web.Mount(mux)       // the web admin at /

	if m.ln, err = m.listen(gate.Addrs); err != nil {
		return err
	}
	if err := m.identity(uc); err != nil {
		return err
	}
	m.server = &http.Server{Handler: met.Middleware(mux), ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
		ReadHeaderTimeout: min(10*time.Second, m.timeout(m.Config.ReadTimeout, defaultReadTimeout)),
		ReadTimeout:       m.timeout(m.Config.ReadTimeout, defaultReadTimeout),
		WriteTimeout:      m.timeout(m.Config.WriteTimeout, defaultWriteTimeout),
		IdleTimeout:       m.timeout(m.Config.IdleTimeout, defaultIdleTimeout),
	}
	m.server.RegisterOnShutdown(m.Decisions.Shutdown) // change feeds end, not hold up the shutdown
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		if err := m.server.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("server stopped", "err", err)
		}
	}()
	// Browse at the public URL: passkeys work at that origin only.
	browse := m.publicURL()
	if browse == "" {
		browse = m.URL()
	}
	m.Log.Info("gatehouse listening", "url", m.URL(), "public_url", browse, "store", db.Dialect())
	fmt.Fprintf(m.Stdout, "Gatehouse is running at %s\n", browse)
	return nil
}

// versionPoll is how often every account's security version is read, to
// catch changes no notification reported.
const versionPoll = 2 * time.Second

// watchVersions keeps the accounts' security versions current in memory
// for the decision API: this store's own commits report themselves,
// PostgreSQL notifies every instance, and a poll catches the rest.
func (m *Main) watchVersions() {
	m.Versions = versions.New(m.DB.SecurityVersion)
	m.DB.OnSecurityChange(func(c sqldb.SecurityChange) { m.Versions.Observe(c.AccountID, c.Version) })
	ctx, cancel := context.WithCancel(context.Background())
	m.stopWatch = cancel
	m.watchDone.Go(func() { m.Versions.Poll(ctx, versionPoll, m.DB.SecurityVersions) })
	if m.Config.PostgresDSN != "" {
		m.watchDone.Go(func() {
			postgres.Listen(ctx, m.Config.PostgresDSN, func(c sqldb.SecurityChange) { m.Versions.Observe(c.AccountID, c.Version) })
		})
	}
}

// identity turns on passkeys and single sign-on for the public URL.
func (m *Main) identity(uc *usecase.Service) error {
	pub := m.publicURL()
	if pub == "" {
		m.Log.Warn("no --public-url: passkeys and single sign-on are off")
		return nil
	}
	rp, err := passkey.New(pub, "Gatehouse")
	if err != nil {
		return err
	}
	uc.Passkeys, uc.SSO = rp, sso.New(pub+"/sso/callback")
	return nil
}

// publicURL is the configured public URL, or http://localhost:<port>
// when the server listens on a loopback address only.
func (m *Main) publicURL() string {
	if m.Config.PublicURL != "" {
		return strings.TrimRight(m.Config.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(m.ln.Addr().String())
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return ""
	}
	return "http://localhost:" + port
}

// listen opens the listener, capping connections per client address
// but not those of trusted proxies, which carry every client's.
func (m *Main) listen(proxies *clientip.Resolver) (net.Listener, error) {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return nil, err
	}
	max := m.Config.MaxConnsPerIP
	if max == 0 {
		max = defaultMaxConnsPerIP
	}
	return connlimit.New(ln, max, proxies.Trusts), nil
}

func (m *Main) timeout(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// noticeFirstRun tells the operator how to get in when no one can yet:
// the sign-in page says so too.
func (m *Main) noticeFirstRun(ctx context.Context) error {
	has, err := m.DB.HasUsers(ctx)
	if err != nil || has {
		return err
	}
	m.Log.Warn("the database has no users yet: create the first global admin with " + firstAdminCommand)
	fmt.Fprintf(m.Stdout, "No one can sign in yet. Create the first global admin:\n  %s\n", firstAdminCommand)
	return nil
}

const firstAdminCommand = `gatehouse admin create --email you@example.com --password '<at least 12 characters>' --account "Your MSP"`

// openVault opens the credentials vault: the configured key, or a key
// file beside the SQLite database. PostgreSQL instances share their data,
// so they must share a configured key; without one (nil), secrets can be
// neither stored nor revealed.
func (m *Main) openVault() (*vault.Vault, error) {
	var key []byte
	var err error
	switch {
	case m.Config.VaultKey != "":
		key, err = vault.ParseKey(m.Config.VaultKey)
	case m.Config.PostgresDSN == "":
		key, err = vault.LoadOrCreateKeyFile(m.Config.DBPath + ".vault-key")
	default:
		m.Log.Warn("no --vault-key configured: credential secrets cannot be stored or revealed")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("credentials vault: %w", err)
	}
	v, err := vault.New(key)
	if err != nil {
		return nil, fmt.Errorf("credentials vault: %w", err)
	}
	return v, nil
}

// startMailer delivers the outbox over SMTP when a server is configured.
func (m *Main) startMailer(uc *usecase.Service) error {
	if m.Config.SMTP.Addr == "" {
		return nil
	}
	if m.Config.SMTP.From == "" {
		return errors.New("--smtp-from is required with --smtp-addr")
	}
	m.Mailer = mailer.New(m.DB, m.Config.SMTP, m.Log)
	uc.MailQueued = m.Mailer.Wake
	ctx, cancel := context.WithCancel(context.Background())
	m.stopMail, m.mailDone = cancel, make(chan struct{})
	go func() {
		defer close(m.mailDone)
		m.Mailer.Run(ctx)
	}()
	return nil
}

func (m *Main) seedDemo(ctx context.Context, v *vault.Vault) error {
	logins, err := demo.Seed(ctx, m.DB, m.Config.Password)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if logins == nil {
		fmt.Fprintln(m.Stdout, "The database already has data; demo data was not added.")
		return nil
	}
	if v != nil {
		if err := demo.SealSecrets(ctx, m.DB, v); err != nil {
			return fmt.Errorf("demo secrets: %w", err)
		}
	}
	fmt.Fprintf(m.Stdout, "Demo account %q created. Sign in with:\n", demo.AccountName)
	for _, l := range logins {
		fmt.Fprintf(m.Stdout, "  %-26s %-20s %s\n", l.Email, l.Password, l.Role)
	}
	return nil
}

// URL is where the server listens.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	return "http://" + m.ln.Addr().String()
}

// Close stops accepting requests, lets those in flight finish (up to 15
// seconds), then closes the database.
func (m *Main) Close() error {
	var err error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		err = m.server.Shutdown(ctx)
		<-m.done
	}
	if m.stopMail != nil {
		m.stopMail()
		<-m.mailDone
	}
	if m.stopWatch != nil {
		m.stopWatch()
		m.watchDone.Wait()
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// runOpenAPI prints the API's OpenAPI document, for generating clients.
func runOpenAPI(stdout io.Writer) error {
	doc, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", doc)
	return err
}
