package records

import (
	"testing"
	"time"

	"gatehouse/internal/access"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

func grants(t *testing.T, groups ...access.Group) *access.Grants {
	t.Helper()
	s := access.Subject{UserID: 7}
	for i := range groups {
		s.Memberships = append(s.Memberships, access.Membership{Group: &groups[i]})
	}
	return access.Compile(s, time.Now())
}

func perms(keys ...string) []catalog.Perm {
	out := make([]catalog.Perm, len(keys))
	for i, k := range keys {
		out[i] = catalog.MustLookup(k)
	}
	return out
}

func TestTotalsRoundHalfUpAndRefuseOverflow(t *testing.T) {
	lines := []Line{{Description: "a", Quantity: 2, UnitPrice: 1500}, {Description: "b", Quantity: 1, UnitPrice: 999}}
	out, sub, tax, total, err := Totals(lines, 825)
	if err != nil || sub != 3999 || tax != 330 || total != 4329 || out[0].Amount != 3000 {
		t.Fatalf("Totals = %v %d %d %d %v", out, sub, tax, total, err)
	}
	// A credit of -0.05 at 10 %: the tax of -0.005 rounds away from zero to -0.01.
	if _, sub, tax, _, _ := Totals([]Line{{Description: "credit", Quantity: 1, UnitPrice: -5}}, 1000); sub != -5 || tax != -1 {
		t.Fatalf("credit: subtotal %d tax %d, want -5 and -1", sub, tax)
	}
	for name, ls := range map[string][]Line{
		"line beyond the money range": {{Description: "x", Quantity: 1_000_000, UnitPrice: MaxMoney}},
		"sum beyond the money range":  {{Description: "x", Quantity: 1, UnitPrice: MaxMoney}, {Description: "y", Quantity: 1, UnitPrice: 1}},
		"zero quantity":               {{Description: "x", Quantity: 0, UnitPrice: 1}},
		"no description":              {{Quantity: 1, UnitPrice: 1}},
		"too many lines":              make([]Line, MaxLines+1),
	} {
		if _, _, _, _, err := Totals(ls, 0); gatehouse.ErrorCode(err) != gatehouse.EInvalid {
			t.Errorf("%s: err %v, want invalid", name, err)
		}
	}
	if _, _, _, _, err := Totals(nil, 10001); gatehouse.ErrorCode(err) != gatehouse.EInvalid {
		t.Errorf("tax rate above 100 %% accepted")
	}
}

func TestScriptRunRule(t *testing.T) {
	const x, y = 1, 2
	g := grants(t,
		access.Group{ID: 1, Scope: access.Only(x), Perms: perms("scripts.run")},
		access.Group{ID: 2, Scope: access.Only(y), Perms: perms("scripts.view")})
	cases := []struct {
		name          string
		script, asset int64
		want          string
	}{
		{"own script on own asset", x, x, ""},
		{"shared script on own asset", 0, x, ""},
		{"own script on an asset of a customer without run", x, y, gatehouse.EInvalid},
		{"another customer's script on own asset", y, x, gatehouse.EForbidden},
		{"asset with no customer", 0, 0, gatehouse.EInvalid},
	}
	for _, tc := range cases {
		err := CheckScriptRun(g, tc.script, tc.asset)
		if got := ""; err != nil {
			got = gatehouse.ErrorCode(err)
			if got != tc.want {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%s: allowed, want %q", tc.name, tc.want)
		}
	}
}

func TestLinksStayWithinOneCustomer(t *testing.T) {
	if !CanLink(3, 3) || CanLink(3, 4) || CanLink(0, 0) || CanLink(3, 0) {
		t.Fatal("CanLink must allow exactly the same, real customer")
	}
	if !LibraryOrSame(0, 3) || !LibraryOrSame(3, 3) || LibraryOrSame(4, 3) {
		t.Fatal("LibraryOrSame must allow shared items and the same customer's")
	}
}

func TestCampaignAudienceNeverLeavesTheCallersScope(t *testing.T) {
	send := catalog.MustLookup("mailer.send")
	scoped := grants(t, access.Group{ID: 1, Scope: access.Only(1, 2), Perms: perms("mailer.send")})
	if got := CampaignAudience(scoped, send, 2); !got.Equal(access.Only(2)) {
		t.Errorf("campaign of customer 2: %v", got)
	}
	if got := CampaignAudience(scoped, send, 3); !got.Empty() {
		t.Errorf("campaign of customer 3 reaches %v", got)
	}
	if got := CampaignAudience(scoped, send, 0); !got.Equal(access.Only(1, 2)) {
		t.Errorf("account campaign reaches %v, want only the caller's customers", got)
	}
}

func TestViewReachPairsEachPermissionWithItsOwnGroup(t *testing.T) {
	const x, y = 1, 2
	g := grants(t,
		access.Group{ID: 1, Scope: access.Only(x), Perms: perms("tickets.view_own", "credentials.view", "scripts.view")},
		access.Group{ID: 2, Scope: access.Only(y), Perms: perms("tickets.view", "credentials.edit")})
	r := ViewReach(MustLookup("tickets"), g)
	if !r.Customers.Equal(access.Only(y)) || !r.Own.Equal(access.Only(x)) || r.OwnerID != 7 {
		t.Fatalf("tickets reach %+v", r)
	}
	if r.Allows(x, 8) || !r.Allows(x, 7) || !r.Allows(y, 8) || r.Allows(0, 7) {
		t.Fatalf("tickets reach allows the wrong records: %+v", r)
	}
	creds := ViewReach(MustLookup("credentials"), g)
	if creds.Library || !creds.Customers.Equal(access.Only(x)) {
		t.Fatalf("a select-customers holder reaches the MSP's own credentials: %+v", creds)
	}
	if edit := PermReach(MustLookup("credentials"), g, "credentials.edit"); edit.Allows(x, 0) || !edit.Allows(y, 0) {
		t.Fatalf("credentials.edit reach %+v", edit)
	}
	scripts := ViewReach(MustLookup("scripts"), g)
	if !scripts.Library {
		t.Fatal("a holder of scripts.view cannot read the shared library")
	}
	if PermReach(MustLookup("scripts"), g, "scripts.view").Library {
		t.Fatal("a select-customers grant may change the shared library")
	}
	all := grants(t, access.Group{ID: 3, Scope: access.All(), Perms: perms("credentials.view")})
	if !ViewReach(MustLookup("credentials"), all).Library {
		t.Fatal("an all-customers holder cannot read the MSP's own credentials")
	}
}

func TestModuleDescriptionsAreConsistent(t *testing.T) {
	for _, m := range All() {
		if len(m.ViewPerms) == 0 {
			t.Errorf("%s: no view permission", m.Key)
		}
		if m.Order != "" {
			if f, ok := m.Field(m.Order); !ok || f.Kind != String {
				t.Errorf("%s: order column %q is not a text field", m.Key, m.Order)
			}
		}
		for _, key := range append(m.AllViewPerms(), m.Create, m.Edit, m.Delete) {
			if key == "" {
				continue
			}
			if a, _ := catalog.AreaOf(key); a.Key != m.Area && m.Key != "script-runs" {
				t.Errorf("%s: %s is not of area %s", m.Key, key, m.Area)
			}
		}
		if err := m.Validate(m.Defaults()); err != nil && gatehouse.ErrorCode(err) != gatehouse.EInvalid {
			t.Errorf("%s: defaults: %v", m.Key, err)
		}
	}
}

func TestPolicyAssignmentRule(t *testing.T) {
	const x, y = 1, 2
	g := grants(t, access.Group{ID: 1, Scope: access.Only(x, y), Perms: perms("policies.assign", "policies.view")},
		access.Group{ID: 2, Scope: access.All(), Perms: perms("policies.view")})
	cases := []struct {
		name           string
		policy, target int64
		want           string
	}{
		{"a customer's policy to that customer", x, x, ""},
		{"a shared template to a customer", 0, y, ""},
		{"a customer's policy to another customer", x, y, gatehouse.EForbidden},
		{"to a customer without policies.assign", 0, 3, gatehouse.ENotFound},
	}
	for _, tc := range cases {
		err := CheckPolicyAssignment(g, tc.policy, tc.target)
		if got := gatehouse.ErrorCode(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestOwnPermissionsWriteOnlyOnesOwnRecords(t *testing.T) {
	const x, y, me, other = 1, 2, 7, 8
	g := grants(t,
		access.Group{ID: 1, Scope: access.Only(x, y), Perms: perms("timelogs.manage", "appointments.create", "tickets.edit")},
		access.Group{ID: 2, Scope: access.Only(y), Perms: perms("appointments.view_all")},
		access.Group{ID: 3, Scope: access.Only(x), Perms: perms("timelogs.view")})
	cases := []struct {
		name            string
		module, perm    string
		customer, owner int64
		want            bool
	}{
		{"own time log", "timelogs", "timelogs.manage", y, me, true},
		{"another user's time log where only one's own are seen", "timelogs", "timelogs.manage", y, other, false},
		{"another user's time log where all are seen", "timelogs", "timelogs.manage", x, other, true},
		{"own appointment", "appointments", "appointments.create", x, me, true},
		{"an appointment of no one where only one's own are seen", "appointments", "appointments.create", x, 0, false},
		{"another user's appointment where only one's own are seen", "appointments", "appointments.create", x, other, false},
		{"another user's appointment where all are seen, through another group", "appointments", "appointments.create", y, other, true},
		{"a ticket assigned to someone else: editing tickets is no own permission", "tickets", "tickets.edit", x, other, true},
	}
	for _, tc := range cases {
		r := PermReach(MustLookup(tc.module), g, tc.perm)
		if got := r.MayOwn(tc.customer, tc.owner); got != tc.want {
			t.Errorf("%s: MayOwn = %v, want %v (%+v)", tc.name, got, tc.want, r)
		}
		if !r.Allows(tc.customer, 0) {
			t.Errorf("%s: the owner rule narrowed where the permission reaches: %+v", tc.name, r)
		}
	}
}

func TestLeadConversionRule(t *testing.T) {
	const x, y = 1, 2
	scoped := grants(t, access.Group{ID: 1, Scope: access.Only(x), Perms: perms("leads.view", "leads.convert", "customers.create")})
	noCreate := grants(t, access.Group{ID: 1, Scope: access.All(), Perms: perms("leads.view", "leads.convert")},
		access.Group{ID: 2, Scope: access.Only(x, y), Perms: perms("customers.create")})
	// Pairing: customers.create for all customers in one group does not
	// lend leads.convert held in another only for X.
	paired := grants(t, access.Group{ID: 1, Scope: access.Only(x), Perms: perms("leads.convert")},
		access.Group{ID: 2, Scope: access.All(), Perms: perms("customers.create", "leads.view")})
	full := grants(t, access.Group{ID: 1, Scope: access.All(), Perms: perms("leads.convert", "customers.create")})
	cases := []struct {
		name string
		g    *access.Grants
		lead int64
		want string
	}{
		{"a lead of a customer with leads.convert on it", scoped, x, ""},
		{"a lead of a customer without leads.convert on it", scoped, y, gatehouse.ENotFound},
		{"a lead with no customer, convert held only for some customers", scoped, 0, gatehouse.ENotFound},
		{"a lead with no customer, customers.create held only for some customers", noCreate, 0, gatehouse.EForbidden},
		{"a lead of a customer needs no customers.create", noCreate, y, ""},
		{"a lead with no customer, customers.create for all but convert only for X", paired, 0, gatehouse.ENotFound},
		{"a lead with no customer, both for all customers", full, 0, ""},
	}
	for _, tc := range cases {
		err := CheckLeadConversion(tc.g, tc.lead)
		if got := gatehouse.ErrorCode(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestALeadBecomesACustomerNamedAfterItsCompany(t *testing.T) {
	f := LeadCustomer(Values{"name": "Ann Lee", "company": "  Acme Ltd ", "email": "ann@acme.example", "phone": "555"})
	if *f.Name != "Acme Ltd" || *f.Email != "ann@acme.example" || *f.Phone != "555" {
		t.Fatalf("customer %q %q %q", *f.Name, *f.Email, *f.Phone)
	}
	if f := LeadCustomer(Values{"name": "Ann Lee", "company": " "}); *f.Name != "Ann Lee" {
		t.Fatalf("without a company the customer is named %q, want the lead's name", *f.Name)
	}
}
