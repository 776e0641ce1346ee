package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strconv"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gen"
)

// Casbin in the race: its SyncedCachedEnforcer (decisions cached per
// request, safe for concurrent use) behind a small net/http handler that
// takes a bearer key, as a decision service would.

// casbinCheck is one request: subject, domain (the customer), object
// (the area) and action.
type casbinCheck struct {
	Sub string `json:"sub"`
	Dom string `json:"dom"`
	Obj string `json:"obj"`
	Act string `json:"act"`
}

// serveCasbin is the "serve-casbin" command the race starts as its own
// process: it generates the same account from the same options, loads it
// and serves decisions until killed.
func serveCasbin(args []string) error {
	fs := flag.NewFlagSet("serve-casbin", flag.ContinueOnError)
	var o gen.Options
	var base idBase
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	key := fs.String("key", "", "the bearer key callers must send")
	datasetFlags(fs, &o)
	base.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ds, err := gen.Generate(o)
	if err != nil {
		return err
	}
	base.apply(ds)
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return err
	}
	e, err := casbin.NewSyncedCachedEnforcer(m)
	if err != nil {
		return err
	}
	if _, err := casbinLoad(e, ds); err != nil {
		return err
	}
	h := &casbinHandler{e: e, ds: ds, key: []byte("Bearer " + *key)}
	return http.ListenAndServe(*addr, h)
}

type casbinHandler struct {
	e   *casbin.SyncedCachedEnforcer
	ds  *gen.Dataset
	key []byte
}

func (h *casbinHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ready" {
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), h.key) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var out any
	var err error
	switch r.URL.Path {
	case "/check":
		var c casbinCheck
		if err = json.NewDecoder(r.Body).Decode(&c); err == nil {
			var ok bool
			ok, err = h.e.Enforce(c.Sub, c.Dom, c.Obj, c.Act)
			out = map[string]bool{"allowed": ok}
		}
	case "/batch":
		var cs []casbinCheck
		if err = json.NewDecoder(r.Body).Decode(&cs); err == nil {
			res := make([]bool, len(cs))
			for i, c := range cs { // the cached Enforce, one by one: BatchEnforce skips the cache
				if res[i], err = h.e.Enforce(c.Sub, c.Dom, c.Obj, c.Act); err != nil {
					break
				}
			}
			out = map[string][]bool{"allowed": res}
		}
	case "/list":
		var c casbinCheck
		if err = json.NewDecoder(r.Body).Decode(&c); err == nil {
			out, err = h.list(c)
		}
	case "/remove-member":
		var c casbinCheck
		if err = json.NewDecoder(r.Body).Decode(&c); err == nil {
			if _, err = h.e.RemoveNamedGroupingPolicy("g2", c.Sub, c.Obj); err == nil {
				// The cache keeps decisions by request; a role change
				// invalidates them all, as Casbin's documentation says.
				err = h.e.InvalidateCache()
			}
			out = map[string]bool{"ok": err == nil}
		}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// list answers the customers a user may act on with obj.act from the
// role manager: the user's groups, each holding the permission either on
// all customers or on the domains (customers) of its scope.
func (h *casbinHandler) list(c casbinCheck) (map[string][]int64, error) {
	groups, err := h.e.GetNamedRoleManager("g2").GetRoles(c.Sub)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	out := []int64{}
	for _, g := range groups {
		all, err := h.e.HasPolicy(g, "*", c.Obj, c.Act)
		if err != nil {
			return nil, err
		}
		if all {
			out = out[:0]
			for _, cu := range h.ds.Customers {
				out = append(out, cu.ID)
			}
			return map[string][]int64{"customers": out}, nil
		}
		if ok, err := h.e.HasPolicy(g, "scoped", c.Obj, c.Act); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		doms, err := h.e.GetNamedRoleManager("g").GetDomains(g)
		if err != nil {
			return nil, err
		}
		for _, d := range doms {
			id, err := strconv.ParseInt(d, 10, 64)
			if err == nil && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return map[string][]int64{"customers": out}, nil
}

// casbinService is the race's client of the Casbin process.
type casbinService struct {
	p    *proc
	auth string
	sql  *listSQL
}

func (s *casbinService) name() string   { return "Casbin" }
func (s *casbinService) addr() string   { return s.p.addr }
func (s *casbinService) stop()          { s.p.stop() }
func (s *casbinService) process() *proc { return s.p }

func casbinQuery(q query) casbinCheck {
	perm := catalog.Get(q.perm)
	return casbinCheck{Sub: casbinUser(q.user), Dom: strconv.FormatInt(q.customer, 10), Obj: perm.Area, Act: perm.Action}
}

func (s *casbinService) check(q query, _ bool) []byte {
	b, _ := json.Marshal(casbinQuery(q))
	return httpRequest("POST", s.p.addr, "/check", s.auth, b)
}

func (s *casbinService) decided(body []byte) (bool, error) { return boolMember(body, `"allowed":`) }

func (s *casbinService) batch(qs []query) []byte {
	cs := make([]casbinCheck, len(qs))
	for i, q := range qs {
		cs[i] = casbinQuery(q)
	}
	b, _ := json.Marshal(cs)
	return httpRequest("POST", s.p.addr, "/batch", s.auth, b)
}

func (s *casbinService) batched(body []byte, n int) ([]bool, error) {
	var out struct{ Allowed []bool }
	if err := json.Unmarshal(body, &out); err != nil || len(out.Allowed) != n {
		return nil, fmt.Errorf("casbin batch answered %.200s", body)
	}
	return out.Allowed, nil
}

func (s *casbinService) list(ctx context.Context, w *wire, user int64, perm catalog.Perm) ([]int64, error) {
	p := catalog.Get(perm)
	b, _ := json.Marshal(casbinCheck{Sub: casbinUser(user), Obj: p.Area, Act: p.Action})
	a, err := w.do(httpRequest("POST", s.p.addr, "/list", s.auth, b))
	if err != nil || a.status != 200 {
		return nil, fmt.Errorf("casbin list: %d %v %.200s", a.status, err, a.body)
	}
	var out struct{ Customers []int64 }
	if err := json.Unmarshal(a.body, &out); err != nil {
		return nil, err
	}
	return s.sql.rows(ctx, out.Customers)
}

func (s *casbinService) removeMember(ctx context.Context, w *wire, user, group int64) error {
	b, _ := json.Marshal(casbinCheck{Sub: casbinUser(user), Obj: casbinGroup(group)})
	a, err := w.do(httpRequest("POST", s.p.addr, "/remove-member", s.auth, b))
	if err != nil || a.status != 200 {
		return fmt.Errorf("casbin remove member: %d %v %.200s", a.status, err, a.body)
	}
	return nil
}

// boolMember reads a boolean member of a small JSON answer.
func boolMember(body []byte, member string) (bool, error) {
	i := bytes.Index(body, []byte(member))
	if i < 0 {
		return false, fmt.Errorf("no %s in %.200s", member, body)
	}
	rest := bytes.TrimLeft(body[i+len(member):], " ")
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		return true, nil
	case bytes.HasPrefix(rest, []byte("false")):
		return false, nil
	}
	return false, fmt.Errorf("no boolean %s in %.200s", member, body)
}

// startCasbin starts the Casbin process on the same account, with the
// same ids.
func startCasbin(ctx context.Context, self string, ds *gen.Dataset, sql *listSQL) (*casbinService, int, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	key := "race-" + strconv.FormatInt(int64(len(ds.Users))*7919+ds.AccountID, 36)
	args := append([]string{"serve-casbin", "-addr", addr, "-key", key}, datasetArgs(ds.Options)...)
	p, err := start(ctx, "Casbin", addr, nil, "/ready", self, append(args, baseOf(ds).args()...)...)
	if err != nil {
		return nil, 0, err
	}
	policies, scopes, members := casbinRules(ds)
	return &casbinService{p: p, auth: "Bearer " + key, sql: sql}, len(policies) + len(scopes) + len(members), nil
}
