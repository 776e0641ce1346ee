package gen

import (
	"math/rand/v2"
	"slices"
	"strings"

	"gatehouse/internal/catalog"
)

// profile is a kind of team an MSP builds a security group for.
type profile struct {
	name, desc string
	patterns   []string // "area.action" or "area.*"
	perms      []catalog.Perm
}

// draw returns the profile's permissions with a little variety, as real
// groups drift from their template: some dropped, a few added. A
// select-customers group never holds an account-wide permission.
func (p *profile) draw(rng *rand.Rand, allCustomers bool) []catalog.Perm {
	ok := func(q catalog.Perm) bool { return allCustomers || q.CustomerScoped() }
	var out []catalog.Perm
	for _, q := range p.perms {
		if ok(q) && rng.Float64() >= 0.12 {
			out = append(out, q)
		}
	}
	for range rng.IntN(4) {
		if q := catalog.Perm(rng.IntN(catalog.Len())); ok(q) {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		out = append(out, catalog.MustLookup("customers.view"))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func expand(patterns []string) []catalog.Perm {
	var out []catalog.Perm
	for _, pat := range patterns {
		area, action, _ := strings.Cut(pat, ".")
		if action == "*" {
			perms := catalog.AreaPerms(area)
			if len(perms) == 0 {
				panic("gen: unknown area " + area)
			}
			out = append(out, perms...)
			continue
		}
		out = append(out, catalog.MustLookup(pat))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func newProfile(name, desc string, patterns ...string) profile {
	return profile{name: name, desc: desc, patterns: patterns, perms: expand(patterns)}
}

var (
	technicians = newProfile("Technicians", "Everyday RMM and service-desk work.",
		"customers.view", "contacts.*", "assets.view", "assets.edit", "assets.remote_access", "alerts.*",
		"scripts.view", "scripts.run", "script_runs.*", "policies.view", "patches.view", "backups.view",
		"tickets.view", "tickets.create", "tickets.edit", "timelogs.*", "appointments.*", "chat.use",
		"documentation.view", "documentation.create", "documentation.edit", "credentials.view", "reports.view",
		"products.view")
	serviceDesk = newProfile("Service desk", "First-line support: tickets, calls and the calendar.",
		"customers.view", "contacts.view", "contacts.edit", "tickets.*", "timelogs.*", "appointments.*",
		"chat.*", "assets.view", "alerts.view", "documentation.view", "products.view")
	automation = newProfile("Automation engineers", "Scripts, policies, patching and backups.",
		"customers.view", "assets.*", "alerts.*", "scripts.*", "script_runs.*", "policies.*", "patches.*",
		"backups.*", "documentation.view", "credentials.view", "credentials.reveal", "reports.view")
	billing = newProfile("Billing", "Invoices, estimates, payments and contracts.",
		"customers.view", "contacts.view", "invoices.*", "estimates.*", "payments.*", "contracts.*",
		"products.*", "vendors.*", "reports.view", "timelogs.view")
	sales = newProfile("Sales", "Leads, campaigns and new business.",
		"customers.view", "customers.create", "contacts.*", "leads.*", "mailer.*", "estimates.view",
		"estimates.create", "products.view", "reports.view")
	projects = newProfile("Project managers", "Projects, their tickets and their time.",
		"customers.view", "contacts.view", "projects.*", "tickets.view", "tickets.create", "tickets.edit",
		"timelogs.*", "appointments.*", "documentation.view", "reports.view")
	auditors = newProfile("Auditors", "Read-only review.",
		"customers.view", "contacts.view", "assets.view", "alerts.view", "scripts.view", "policies.view",
		"patches.view", "backups.view", "tickets.view", "timelogs.view", "documentation.view",
		"invoices.view", "contracts.view", "reports.view", "audit_log.view", "users.view", "security_groups.view")
	administrators = newProfile("Administrators", "Runs the account: users, security groups and settings.",
		"customers.*", "contacts.*", "users.*", "security_groups.*", "api_tokens.*", "settings.*",
		"reports.view", "audit_log.view", "products.*", "vendors.*")
	coManaged = newProfile("Co-managed IT", "A client's own IT staff.",
		"customers.view", "customers.edit", "contacts.*", "assets.*", "alerts.*", "scripts.*", "script_runs.*",
		"policies.*", "patches.*", "backups.*", "tickets.*", "timelogs.*", "appointments.*", "chat.*",
		"projects.*", "documentation.*", "credentials.*", "invoices.view", "estimates.view", "payments.view",
		"contracts.view", "leads.view", "mailer.*", "reports.view", "audit_log.view")

	allProfiles    = []profile{technicians, technicians, serviceDesk, automation, billing, sales, projects, auditors, administrators}
	selectProfiles = []profile{technicians, technicians, serviceDesk, automation, billing, projects, auditors, coManaged}
)

var pods = []string{
	"North", "South", "East", "West", "Central", "Coastal", "Mountain", "Metro", "Valley", "Harbor",
	"Pod A", "Pod B", "Pod C", "Pod D", "Healthcare", "Legal", "Education", "Retail", "Manufacturing",
	"Hospitality", "Non-profit", "Finance", "Enterprise", "SMB", "Night shift", "Weekend", "Onboarding",
}

var mspWords = []string{"Northwind", "Bright", "Summit", "Harbor", "Keystone", "Pioneer", "Granite", "Lighthouse", "Evergreen", "Redwood"}

var mspWords2 = []string{"IT", "Tech", "Networks", "Systems", "Managed", "Digital"}

var companyWords = []string{
	"Acme", "Alder", "Apex", "Aspen", "Atlas", "Aurora", "Beacon", "Birch", "Bluebird", "Boulder",
	"Brightwater", "Cascade", "Cedar", "Cobalt", "Copper", "Coral", "Crescent", "Cypress", "Delta", "Driftwood",
	"Eagle", "Echo", "Elm", "Ember", "Falcon", "Fern", "Fjord", "Foxglove", "Garnet", "Glacier",
	"Golden", "Granite", "Harbor", "Hawthorn", "Heron", "Highland", "Horizon", "Indigo", "Iron", "Ivy",
	"Jade", "Juniper", "Kestrel", "Lakeside", "Laurel", "Linden", "Lotus", "Maple", "Marble", "Meadow",
	"Meridian", "Mesa", "Mistral", "Monarch", "Nimbus", "Northstar", "Oak", "Onyx", "Orchid", "Osprey",
	"Pacific", "Pebble", "Pine", "Polaris", "Prairie", "Quartz", "Quill", "Raven", "Redwood", "Ridge",
	"River", "Rowan", "Sable", "Saffron", "Sage", "Sequoia", "Sierra", "Silver", "Sparrow", "Spruce",
	"Starling", "Stone", "Summit", "Sunrise", "Tamarack", "Thistle", "Timber", "Topaz", "Trillium", "Tundra",
	"Union", "Valley", "Vantage", "Verde", "Vista", "Walnut", "Willow", "Windward", "Yarrow", "Zephyr",
}

var industries = []string{
	"Dental", "Logistics", "Legal", "Cafe", "Primary School", "Engineering", "Accounting", "Architects",
	"Bakery", "Builders", "Clinic", "Consulting", "Credit Union", "Design", "Electric", "Farms",
	"Fitness", "Foods", "Freight", "Hardware", "Health", "Hotel", "Insurance", "Labs",
	"Landscaping", "Manufacturing", "Marine", "Media", "Medical Group", "Motors", "Partners", "Pharmacy",
	"Plumbing", "Printing", "Properties", "Realty", "Records", "Robotics", "Solar", "Studios",
	"Supply", "Surveying", "Textiles", "Therapy", "Tools", "Travel", "Veterinary", "Wealth",
}

type place struct{ city, country, dial string }

var places = []place{
	{"Portland", "US", "+1"}, {"Seattle", "US", "+1"}, {"Tacoma", "US", "+1"}, {"Eugene", "US", "+1"},
	{"Boise", "US", "+1"}, {"Denver", "US", "+1"}, {"Austin", "US", "+1"}, {"Chicago", "US", "+1"},
	{"Toronto", "CA", "+1"}, {"Vancouver", "CA", "+1"}, {"Manchester", "GB", "+44"}, {"Leeds", "GB", "+44"},
	{"Dublin", "IE", "+353"}, {"Bergen", "NO", "+47"}, {"Utrecht", "NL", "+31"}, {"Ghent", "BE", "+32"},
	{"Lyon", "FR", "+33"}, {"Leipzig", "DE", "+49"}, {"Graz", "AT", "+43"}, {"Aarhus", "DK", "+45"},
	{"Brisbane", "AU", "+61"}, {"Wellington", "NZ", "+64"},
}

var customerTags = []struct {
	tag string
	p   float64
}{
	{"co-managed", 0.15}, {"vip", 0.05}, {"healthcare", 0.08}, {"legal", 0.05}, {"education", 0.05},
	{"onboarding", 0.03}, {"24x7", 0.1}, {"backup-only", 0.04},
}

var firstNames = []string{
	"Aisha", "Alex", "Amara", "Ana", "Ben", "Carla", "Chen", "Chloe", "Daniel", "Diego",
	"Elena", "Emil", "Fatima", "Finn", "Grace", "Hana", "Hugo", "Ines", "Isaac", "Jonas",
	"Julia", "Kai", "Kofi", "Lars", "Leila", "Liam", "Lucia", "Maya", "Mei", "Mila",
	"Noah", "Nora", "Omar", "Priya", "Rafael", "Rosa", "Sam", "Sara", "Sofia", "Tariq",
	"Theo", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe", "Zane", "Olga", "Pavel",
}

var lastNames = []string{
	"Adams", "Ahmed", "Andersen", "Baker", "Bauer", "Chen", "Costa", "Dubois", "Eriksen", "Fischer",
	"Garcia", "Gupta", "Hansen", "Hughes", "Ito", "Jansen", "Kaur", "Kim", "Kowalski", "Larsen",
	"Lee", "Lopez", "Martin", "Meyer", "Mohamed", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak",
	"Okafor", "Olsen", "Patel", "Perez", "Peters", "Quinn", "Rossi", "Santos", "Schmidt", "Silva",
	"Singh", "Smith", "Suzuki", "Tan", "Taylor", "Walker", "Wang", "Weber", "Wilson", "Zhang",
}

type assetKind struct {
	kind, tag, serial string
	os                []string
}

var assetKinds = []assetKind{
	{"workstation", "WS", "PF", []string{"Windows 11 Pro 23H2", "Windows 11 Pro 24H2", "Windows 10 Pro 22H2"}},
	{"workstation", "WS", "PF", []string{"Windows 11 Pro 23H2", "Windows 11 Enterprise 24H2"}},
	{"workstation", "WS", "PF", []string{"Windows 11 Pro 24H2", "Windows 10 Pro 22H2"}},
	{"laptop", "LT", "5CG", []string{"Windows 11 Pro 24H2", "macOS 14 Sonoma", "macOS 15 Sequoia"}},
	{"laptop", "LT", "C02", []string{"macOS 14 Sonoma", "macOS 15 Sequoia", "Windows 11 Pro 23H2"}},
	{"server", "SRV", "CZ", []string{"Windows Server 2022", "Windows Server 2019", "Ubuntu 22.04 LTS", "Debian 12"}},
	{"network", "FW", "FGT", []string{"FortiOS 7.4", "pfSense 2.7", "RouterOS 7"}},
	{"network", "SW", "JL", []string{"ArubaOS-CX 10.13", "Cisco IOS XE 17"}},
	{"printer", "PRN", "VNB", []string{"HP FutureSmart 5"}},
	{"mobile", "MOB", "F2L", []string{"iOS 17", "iOS 18", "Android 14"}},
}
