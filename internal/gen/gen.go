// Package gen generates a realistic MSP account of any size from a seed:
// customers, security groups mixing all-customers and select-customers
// scopes, users in one to three groups, and assets spread unevenly over
// the customers. The same options always give the same Dataset, so a
// benchmark or a demo can be reproduced from its command line. Load
// writes a Dataset into a store in one transaction.
package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// Options sizes a generated account.
type Options struct {
	Seed      uint64
	Customers int
	Groups    int
	Users     int // users in groups; one global admin comes on top
	Assets    int
	Account   string    // account name; "" picks one from the seed
	Now       time.Time // the moment the data is "as of"; zero: 2025-06-01
	// ScopeUsers adds, for each size k, a group reaching exactly k
	// customers spread over the account (0: all customers) with the
	// co-managed IT permissions, and one user in it alone, "scope-k@…":
	// callers of known scope for benchmarks. They come after the generated
	// groups and users and change nothing else.
	ScopeUsers []int
}

// Limits keep a mistyped flag from asking for a billion rows.
const (
	MaxCustomers = 1_000_000
	MaxGroups    = 100_000
	MaxUsers     = 1_000_000
	MaxAssets    = 50_000_000
)

// Validate names the first option that is out of range.
func (o Options) Validate() error {
	for _, c := range []struct {
		field     string
		n, lo, hi int
	}{
		{"customers", o.Customers, 1, MaxCustomers},
		{"groups", o.Groups, 1, MaxGroups},
		{"users", o.Users, 0, MaxUsers},
		{"assets", o.Assets, 0, MaxAssets},
	} {
		if c.n < c.lo || c.n > c.hi {
			return gatehouse.Invalid(c.field, "must be between %d and %d", c.lo, c.hi)
		}
	}
	for _, k := range o.ScopeUsers {
		if k < 0 || k > MaxCustomers {
			return gatehouse.Invalid("scope_users", "sizes must be between 0 and %d", MaxCustomers)
		}
	}
	if len(o.Account) > 200 {
		return gatehouse.Invalid("account", "at most 200 characters")
	}
	return nil
}

// Customer is a generated client company.
type Customer struct {
	ID      int64
	Name    string
	Tags    []string
	City    string
	Country string
	Email   string
	Phone   string
	Domain  string
}

// Group is a generated security group. Customers index Dataset.Customers
// (sorted, unique); they are empty for an all-customers group.
type Group struct {
	ID          int64
	Name        string
	Description string
	AccessType  gatehouse.AccessType
	Customers   []int32
	Perms       []catalog.Perm // sorted, unique
}

// User is a generated user. Groups index Dataset.Groups (sorted, unique).
type User struct {
	ID          int64
	Email       string
	Name        string
	GlobalAdmin bool
	Groups      []int32
}

// Asset is a generated device; Dataset.Asset builds it from its index.
type Asset struct {
	ID         int64
	Customer   int32 // index into Dataset.Customers
	Name       string
	Kind       string
	OS         string
	Serial     string
	LastSeenAt time.Time
	CreatedAt  time.Time
}

// Dataset is one generated account. IDs are 1..n until Load rebases them
// onto the IDs the store assigned.
type Dataset struct {
	Options
	AccountID int64
	Domain    string // the MSP's e-mail domain
	Customers []Customer
	Groups    []Group
	Users     []User // Users[0] is the global admin
	// AssetCustomer[i] is asset i's customer (an index into Customers);
	// the rest of an asset is derived from its index on demand.
	AssetCustomer []int32
	AssetBase     int64 // asset i has ID AssetBase+i+1

	accessGroups []*access.Group
}

// Generate builds the dataset the options describe.
func Generate(o Options) (*Dataset, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x6a09e667f3bcc909))
	if o.Account == "" {
		o.Account = fmt.Sprintf("%s %s MSP %d", pick(rng, mspWords), pick(rng, mspWords2), o.Seed)
	}
	ds := &Dataset{Options: o, Domain: slug(o.Account) + ".example"}
	ds.genCustomers(rng)
	ds.genGroups(rng)
	ds.genUsers(rng)
	ds.genAssets(rng)
	ds.genScopeUsers()
	return ds, nil
}

func (ds *Dataset) genScopeUsers() {
	n := len(ds.Customers)
	for _, k := range ds.Options.ScopeUsers {
		g := Group{ID: int64(len(ds.Groups) + 1), Perms: coManaged.perms, AccessType: gatehouse.AllCustomers,
			Name: "Benchmark scope: all customers", Description: "Every customer."}
		if k > 0 {
			k = min(k, n)
			g.AccessType = gatehouse.SelectCustomers
			g.Name = fmt.Sprintf("Benchmark scope: %d customers", k)
			g.Description = fmt.Sprintf("%d customers spread over the account.", k)
			for i := range k {
				g.Customers = append(g.Customers, int32(i*n/k))
			}
		}
		ds.Groups = append(ds.Groups, g)
		ds.Users = append(ds.Users, User{ID: int64(len(ds.Users) + 1), Email: fmt.Sprintf("scope-%d@%s", k, ds.Domain),
			Name: fmt.Sprintf("Scope %d", k), Groups: []int32{int32(len(ds.Groups) - 1)}})
	}
}

// ScopeUser is the index in Users of the ScopeUsers user of size k.
func (ds *Dataset) ScopeUser(k int) (int, bool) {
	for i, size := range ds.Options.ScopeUsers {
		if size == k {
			return len(ds.Users) - len(ds.Options.ScopeUsers) + i, true
		}
	}
	return 0, false
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// slug lower-cases s and keeps letters and digits, joined by dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "msp"
	}
	return b.String()
}

func (ds *Dataset) genCustomers(rng *rand.Rand) {
	ds.Customers = make([]Customer, ds.Options.Customers)
	seen := make(map[string]int, len(ds.Customers))
	for i := range ds.Customers {
		base := pick(rng, companyWords) + " " + pick(rng, industries)
		name := base
		if n := seen[base]; n > 0 {
			name = fmt.Sprintf("%s %d", base, n+1)
		}
		seen[base]++
		place := pick(rng, places)
		c := Customer{
			ID:      int64(i + 1),
			Name:    name,
			City:    place.city,
			Country: place.country,
			Domain:  slug(name) + ".example",
		}
		c.Email = "office@" + c.Domain
		c.Phone = fmt.Sprintf("%s %03d 555 %04d", place.dial, 100+rng.IntN(900), rng.IntN(10000))
		for _, t := range customerTags {
			if rng.Float64() < t.p {
				c.Tags = append(c.Tags, t.tag)
			}
		}
		ds.Customers[i] = c
	}
}

// Group scopes: about a quarter of the groups reach all customers; the
// rest list customers. Of those, many are one client's co-managed IT
// team, others a region's or a pod's book of customers of any size.
func (ds *Dataset) genGroups(rng *rand.Rand) {
	n := len(ds.Customers)
	ds.Groups = make([]Group, ds.Options.Groups)
	names := make(map[string]int, len(ds.Groups))
	for i := range ds.Groups {
		g := Group{ID: int64(i + 1)}
		var prof profile
		var label string
		switch r := rng.Float64(); {
		case r < 0.25 || i == 0: // the first group always reaches every customer
			g.AccessType = gatehouse.AllCustomers
			prof = pick(rng, allProfiles)
			label = prof.name
			g.Description = prof.desc + " Every customer, including ones added later."
		case r < 0.55:
			g.AccessType = gatehouse.SelectCustomers
			c := int32(rng.IntN(n))
			g.Customers = []int32{c}
			prof = coManaged
			label = ds.Customers[c].Name + " IT"
			g.Description = ds.Customers[c].Name + "'s own IT staff: every module, for their own company only."
		default:
			g.AccessType = gatehouse.SelectCustomers
			g.Customers = ds.pickCustomers(rng, selectSize(rng, n))
			prof = pick(rng, selectProfiles)
			label = prof.name + " – " + pick(rng, pods)
			g.Description = fmt.Sprintf("%s %d customers.", prof.desc, len(g.Customers))
		}
		g.Perms = prof.draw(rng, g.AccessType == gatehouse.AllCustomers)
		g.Name = label
		if k := names[label]; k > 0 {
			g.Name = fmt.Sprintf("%s %d", label, k+1)
		}
		names[label]++
		ds.Groups[i] = g
	}
}

// selectSize draws a list length log-uniformly from 2 to min(n, 2000):
// as many groups list a handful of customers as list hundreds.
func selectSize(rng *rand.Rand, n int) int {
	hi := min(n, 2000)
	if hi <= 2 {
		return hi
	}
	return int(math.Round(math.Exp(math.Log(2) + rng.Float64()*(math.Log(float64(hi))-math.Log(2)))))
}

// pickCustomers draws k distinct customer indexes, sorted.
func (ds *Dataset) pickCustomers(rng *rand.Rand, k int) []int32 {
	n := len(ds.Customers)
	k = min(k, n)
	seen := make(map[int32]bool, k)
	out := make([]int32, 0, k)
	for len(out) < k {
		c := int32(rng.IntN(n))
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func (ds *Dataset) genUsers(rng *rand.Rand) {
	ds.Users = make([]User, 0, ds.Options.Users+1)
	ds.Users = append(ds.Users, User{ID: 1, Email: "admin@" + ds.Domain, Name: "MSP Owner", GlobalAdmin: true})
	seen := make(map[string]int, ds.Options.Users)
	for i := range ds.Options.Users {
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		local := strings.ToLower(first + "." + last)
		if k := seen[local]; k > 0 {
			local = fmt.Sprintf("%s%d", local, k+1)
		}
		seen[strings.ToLower(first+"."+last)]++
		u := User{ID: int64(i + 2), Email: local + "@" + ds.Domain, Name: first + " " + last}
		k := min(1+rng.IntN(3), len(ds.Groups))
		for len(u.Groups) < k {
			g := int32(rng.IntN(len(ds.Groups)))
			if !slices.Contains(u.Groups, g) {
				u.Groups = append(u.Groups, g)
			}
		}
		slices.Sort(u.Groups)
		ds.Users = append(ds.Users, u)
	}
}

// genAssets spreads assets over customers by a heavy-tailed weight: most
// clients have a few dozen devices, a few have thousands.
func (ds *Dataset) genAssets(rng *rand.Rand) {
	if ds.Options.Assets == 0 {
		return
	}
	cum := make([]float64, len(ds.Customers))
	total := 0.0
	for i := range cum {
		total += math.Exp(rng.NormFloat64() * 1.1) // log-normal
		cum[i] = total
	}
	ds.AssetCustomer = make([]int32, ds.Options.Assets)
	for i := range ds.AssetCustomer {
		x := rng.Float64() * total
		c, _ := slices.BinarySearch(cum, x)
		ds.AssetCustomer[i] = int32(min(c, len(cum)-1))
	}
}

// mix is SplitMix64, for deriving an asset's details from its index.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Asset returns asset i. It is computed, not stored, so a 500,000-asset
// dataset costs two megabytes.
func (ds *Dataset) Asset(i int) Asset {
	h := mix(ds.Seed ^ mix(uint64(i)))
	kind := assetKinds[h%uint64(len(assetKinds))]
	h2 := mix(h)
	c := ds.AssetCustomer[i]
	prefix := strings.ToUpper(ds.Customers[c].Domain[:min(4, len(ds.Customers[c].Domain))])
	prefix = strings.Trim(prefix, "-.")
	age := time.Duration(h2%(3*365*24)) * time.Hour
	seen := time.Duration(mix(h2)%(30*24*60)) * time.Minute
	return Asset{
		ID:         ds.AssetBase + int64(i) + 1,
		Customer:   c,
		Name:       fmt.Sprintf("%s-%s-%04d", prefix, kind.tag, (h>>16)%10000),
		Kind:       kind.kind,
		OS:         kind.os[(h>>40)%uint64(len(kind.os))],
		Serial:     fmt.Sprintf("%s%010d", kind.serial, (h2>>8)%10_000_000_000),
		LastSeenAt: ds.Now.Add(-seen).Truncate(time.Millisecond),
		CreatedAt:  ds.Now.Add(-age).Truncate(time.Millisecond),
	}
}

// CustomerID is the ID of the customer at index c.
func (ds *Dataset) CustomerID(c int32) int64 { return ds.Customers[c].ID }

// CustomerIDs are the IDs of a group's listed customers, sorted.
func (ds *Dataset) CustomerIDs(g *Group) []int64 {
	ids := make([]int64, len(g.Customers))
	for i, c := range g.Customers {
		ids[i] = ds.Customers[c].ID
	}
	slices.Sort(ids)
	return ids
}

// AccessGroups are the groups as the decision engine sees them, built
// once (after Load, with the stored IDs).
func (ds *Dataset) AccessGroups() []*access.Group {
	if ds.accessGroups != nil {
		return ds.accessGroups
	}
	out := make([]*access.Group, len(ds.Groups))
	for i := range ds.Groups {
		g := &ds.Groups[i]
		ag := &access.Group{ID: g.ID, Name: g.Name, Scope: access.All(), Perms: slices.Clone(g.Perms)}
		if g.AccessType == gatehouse.SelectCustomers {
			ag.Scope = access.Only(ds.CustomerIDs(g)...)
		}
		out[i] = ag
	}
	ds.accessGroups = out
	return out
}

// Subject is user u as the decision engine sees it.
func (ds *Dataset) Subject(u int) access.Subject {
	user := &ds.Users[u]
	gs := ds.AccessGroups()
	s := access.Subject{UserID: user.ID, GlobalAdmin: user.GlobalAdmin}
	for _, g := range user.Groups {
		s.Memberships = append(s.Memberships, access.Membership{Group: gs[g]})
	}
	return s
}

// AssetsByCustomer lists each customer's asset indexes, in index order.
func (ds *Dataset) AssetsByCustomer() [][]int32 {
	out := make([][]int32, len(ds.Customers))
	for i, c := range ds.AssetCustomer {
		out[c] = append(out[c], int32(i))
	}
	return out
}

// PermKeys are a group's permission keys in catalog order.
func (g *Group) PermKeys() []string {
	keys := make([]string, len(g.Perms))
	for i, p := range g.Perms {
		keys[i] = p.Key()
	}
	return keys
}
