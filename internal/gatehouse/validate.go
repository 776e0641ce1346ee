package gatehouse

import (
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"gatehouse/internal/catalog"
)

// Limits on names, counted in characters.
const (
	MaxGroupName        = 100
	MaxGroupDescription = 2000
	MaxUserName         = 200
	MaxEmail            = 254
)

// Normalize applies a group's defaults before anything reads it: the
// name trimmed, an empty access type is all_customers (the documented
// default), an all_customers group has no customer list, permissions and
// customers without repeats, in catalog and id order.
func (g *SecurityGroup) Normalize() {
	g.Name = strings.TrimSpace(g.Name)
	g.Description = strings.TrimSpace(g.Description)
	if g.AccessType == "" {
		g.AccessType = AllCustomers
	}
	if g.Permissions == nil {
		g.Permissions = []string{}
	}
	g.Permissions = SortPermissions(g.Permissions)
	ids := slices.Clone(g.CustomerIDs)
	slices.Sort(ids)
	g.CustomerIDs = slices.Compact(ids)
	if g.CustomerIDs == nil {
		g.CustomerIDs = []int64{}
	}
}

// Validate checks a normalized group on its own, naming every field at
// fault at once; that its customers exist is the store's to check.
func (g SecurityGroup) Validate() error {
	var errs Invalids
	switch {
	case g.Name == "":
		errs.Add(Invalid("name", "a name is required"))
	case utf8.RuneCountInString(g.Name) > MaxGroupName:
		errs.Add(Invalid("name", "at most %d characters", MaxGroupName))
	}
	if utf8.RuneCountInString(g.Description) > MaxGroupDescription {
		errs.Add(Invalid("description", "at most %d characters", MaxGroupDescription))
	}
	errs.Add(CheckText("name", g.Name))
	errs.Add(CheckText("description", g.Description))
	switch {
	case !g.AccessType.Valid():
		errs.Add(Invalid("access_type", "must be all_customers or select_customers"))
	case g.AccessType == AllCustomers && len(g.CustomerIDs) > 0:
		errs.Add(Invalid("customer_ids", "a customer list applies only to select_customers groups"))
	}
	errs.Add(g.validPermissions())
	for _, id := range g.CustomerIDs {
		if id <= 0 {
			errs.Add(Invalid("customer_ids", "customer %d not found", id))
			break
		}
	}
	return errs.Err()
}

// validPermissions refuses the first permission the group cannot hold.
func (g SecurityGroup) validPermissions() error {
	for _, key := range g.Permissions {
		p, ok := catalog.Lookup(key)
		if !ok {
			return Invalid("permissions", "unknown permission %q", key)
		}
		if g.AccessType != AllCustomers && !p.CustomerScoped() {
			return Invalid("permissions", "%q is account-wide and can only be granted by an All Customers group", key)
		}
	}
	return nil
}

// CheckText refuses text that is not valid UTF-8: stored as given, it
// would come back mangled on every surface.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "not valid UTF-8")
	}
	return nil
}

// SortPermissions returns keys without repeats, known permissions first
// in catalog order, unknown ones after in the order given.
func SortPermissions(keys []string) []string {
	out := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		pa, okA := catalog.Lookup(a)
		pb, okB := catalog.Lookup(b)
		switch {
		case okA && okB:
			return int(pa) - int(pb)
		case okA:
			return -1
		case okB:
			return 1
		}
		return 0
	})
	return out
}

// NormalizeEmail returns an address's canonical form, or an invalid
// error naming the email field.
func NormalizeEmail(s string) (string, error) {
	if err := CheckText("email", s); err != nil {
		return "", err
	}
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || utf8.RuneCountInString(s) > MaxEmail {
		return "", Invalid("email", "a valid email address is required")
	}
	return s, nil
}

// NormalizeUserName trims a user's display name and checks its length.
func NormalizeUserName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := CheckText("name", name); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(name) > MaxUserName {
		return "", Invalid("name", "at most %d characters", MaxUserName)
	}
	return name, nil
}

// MaxExternalID is the longest external id, in bytes.
const MaxExternalID = 200

// NormalizeExternalID trims an external id and checks it: one line of
// UTF-8 text without control characters, at most MaxExternalID bytes.
// Empty means none.
func NormalizeExternalID(s string) (string, error) {
	if err := CheckText("external_id", s); err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if len(s) > MaxExternalID {
		return "", Invalid("external_id", "at most %d characters", MaxExternalID)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", Invalid("external_id", "an external id is one line without control characters")
		}
	}
	return s, nil
}

// DedupIDs returns ids without repeats, keeping first occurrences.
func DedupIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Slug is an account name as a sign-in address part: lower-case letters,
// digits and single hyphens ("Demo MSP" → "demo-msp").
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			hyphen = false
		case b.Len() > 0 && !hyphen:
			b.WriteByte('-')
			hyphen = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		return "account"
	}
	return s
}
