package records

import (
	"math/bits"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// The cross-record rules of the decision. Handlers and storage call these;
// no rule is restated anywhere else.

// CanLink reports whether a record of customer owner may point to a record
// of customer target: a ticket links only its own customer's assets and
// contacts. Records with no customer link nothing customer-owned.
func CanLink(owner, target int64) bool { return owner != 0 && owner == target }

// LibraryOrSame reports whether a shared-library-capable record of
// customer item (0: shared) may be used for customer target: a shared
// item anywhere, a customer's item only for that customer. Script runs
// and policy assignments follow it.
func LibraryOrSame(item, target int64) bool { return item == 0 || item == target }

var permScriptsRun = catalog.MustLookup("scripts.run")

// CheckScriptRun decides a script run: scripts.run on the target asset's
// customer, and the script either shared or that same customer's. The
// caller has already found both records within what they reach.
func CheckScriptRun(g Grants, scriptCustomer, assetCustomer int64) error {
	if assetCustomer == 0 || !g.Check(permScriptsRun, assetCustomer) {
		return gatehouse.Invalid("asset_id", "asset not found")
	}
	if !LibraryOrSame(scriptCustomer, assetCustomer) {
		return gatehouse.Errorf(gatehouse.EForbidden, "this script belongs to another customer; run a shared-library script or one of the asset's customer")
	}
	return nil
}

var permPoliciesAssign = catalog.MustLookup("policies.assign")

// CheckPolicyAssignment decides assigning a policy to a customer or to an
// asset of that customer: policies.assign on the customer, and the policy
// a shared template or that customer's own.
func CheckPolicyAssignment(g Grants, policyCustomer, targetCustomer int64) error {
	if targetCustomer == 0 || !g.Check(permPoliciesAssign, targetCustomer) {
		return gatehouse.NotFound("customer")
	}
	if !LibraryOrSame(policyCustomer, targetCustomer) {
		return gatehouse.Errorf(gatehouse.EForbidden, "this policy belongs to another customer; assign a shared template or one of this customer's policies")
	}
	return nil
}

// CampaignAudience is the customers whose contacts a campaign reaches for
// a caller using perm (mailer.send to send, mailer.view to preview): the
// campaign's own customer if the caller holds perm on it, or — for an
// account-level campaign — every customer the caller holds perm on. Never
// a contact of a customer outside the caller's scope.
func CampaignAudience(g Grants, perm catalog.Perm, campaignCustomer int64) access.Scope {
	if campaignCustomer != 0 {
		if g.Check(perm, campaignCustomer) {
			return access.Only(campaignCustomer)
		}
		return access.Scope{}
	}
	return g.Scope(perm)
}

var (
	permLeadsConvert    = catalog.MustLookup("leads.convert")
	permCustomersCreate = catalog.MustLookup("customers.create")
)

// CheckLeadConversion decides converting a lead of customer leadCustomer
// (0: a lead with no customer). A lead of a customer is only marked won:
// leads.convert on that customer. A lead with no customer is an
// account-level record that only an all-customers leads.convert grant
// reaches, and converting it creates a customer: customers.create for all
// customers as well, as creating a customer anywhere else needs. The
// caller has already found the lead within what they reach.
func CheckLeadConversion(g Grants, leadCustomer int64) error {
	if !g.Check(permLeadsConvert, leadCustomer) {
		return gatehouse.NotFound("lead")
	}
	if leadCustomer == 0 && !g.Check(permCustomersCreate, 0) {
		return gatehouse.Errorf(gatehouse.EForbidden, "converting a lead with no customer creates a customer, which needs the \"customers.create\" permission for all customers")
	}
	return nil
}

// LeadCustomer is the customer a lead with no customer becomes: named
// after its company, or the lead's own name when it has none, with the
// lead's email and phone.
func LeadCustomer(lead Values) gatehouse.CustomerFields {
	name := strings.TrimSpace(lead.Str("company"))
	if name == "" {
		name = strings.TrimSpace(lead.Str("name"))
	}
	email, phone := lead.Str("email"), lead.Str("phone")
	return gatehouse.CustomerFields{Name: &name, Email: &email, Phone: &phone}
}

// MaxMoney bounds every amount so that totals of up to MaxLines lines
// cannot overflow int64.
const MaxMoney = 100_000_000_000_000 // 10^14 minor units: a trillion in cents

// MaxLines bounds the line items of one invoice or estimate.
const MaxLines = 500

// Line is one line item: quantity × unit price, in minor units.
type Line struct {
	Description string
	Quantity    int64
	UnitPrice   int64
	Amount      int64 // computed
}

// Totals computes each line's amount and the document's subtotal, tax
// (rounded half up from basis points) and total, refusing amounts that
// leave the representable range instead of wrapping.
func Totals(lines []Line, taxRateBP int64) (out []Line, subtotal, tax, total int64, err error) {
	if len(lines) > MaxLines {
		return nil, 0, 0, 0, gatehouse.Invalid("lines", "at most %d lines", MaxLines)
	}
	out = make([]Line, len(lines))
	for i, l := range lines {
		if l.Description == "" || len(l.Description) > 500 {
			return nil, 0, 0, 0, gatehouse.Invalid("lines", "line %d: a description of 1 to 500 characters", i+1)
		}
		if l.Quantity < 1 || l.Quantity > 1_000_000 {
			return nil, 0, 0, 0, gatehouse.Invalid("lines", "line %d: quantity from 1 to 1000000", i+1)
		}
		if l.UnitPrice < -MaxMoney || l.UnitPrice > MaxMoney {
			return nil, 0, 0, 0, gatehouse.Invalid("lines", "line %d: unit price out of range", i+1)
		}
		hi, lo := bits.Mul64(uint64(abs(l.UnitPrice)), uint64(l.Quantity))
		if hi != 0 || lo > MaxMoney {
			return nil, 0, 0, 0, gatehouse.Invalid("lines", "line %d: amount out of range", i+1)
		}
		l.Amount = l.UnitPrice * l.Quantity
		out[i] = l
		subtotal += l.Amount
		if subtotal > MaxMoney || subtotal < -MaxMoney {
			return nil, 0, 0, 0, gatehouse.Invalid("lines", "the total is out of range")
		}
	}
	if taxRateBP < 0 || taxRateBP > 10000 {
		return nil, 0, 0, 0, gatehouse.Invalid("tax_rate_bp", "from 0 to 10000 basis points")
	}
	// |subtotal| ≤ 10^14 and rate ≤ 10^4: the product fits in int64.
	tax = roundHalfUp(subtotal*taxRateBP, 10000)
	return out, subtotal, tax, subtotal + tax, nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// roundHalfUp divides, rounding halves away from zero.
func roundHalfUp(n, d int64) int64 {
	if n < 0 {
		return -((-n + d/2) / d)
	}
	return (n + d/2) / d
}
