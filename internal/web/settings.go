package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// settingsPage edits the account's sign-in settings.
type settingsPage struct {
	Settings gatehouse.Settings
	Groups   []groupChoice
	Err      *formError
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	st, err := s.uc.Settings(r.Context(), c)
	if err != nil {
		return err
	}
	return s.renderSettings(w, r, c, settingsPage{Settings: st})
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, c *authz.Caller, p settingsPage) error {
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		p.Groups = append(p.Groups, groupChoice{ID: g.ID, Name: g.Name, Selected: containsID(p.Settings.MFAGroupIDs, g.ID)})
	}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "settings", "Sign-in settings", p)
	return nil
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// intField reads a whole-number field, naming it when it is not one.
func intField(r *http.Request, name string, errs *gatehouse.Invalids) *int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	if err != nil {
		errs.Add(gatehouse.Invalid(name, "enter a whole number"))
		return nil
	}
	return &n
}

func (s *Server) handleSettingsUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var errs gatehouse.Invalids
	require, ssoOnly := checked(r, "require_mfa"), checked(r, "sso_only")
	groups, err := formIDs(r.PostForm["mfa_security_group_ids"], "mfa_security_group_ids")
	errs.Add(err)
	f := gatehouse.SettingsChange{RequireMFA: &require, SSOOnly: &ssoOnly, MFAGroupIDs: &groups,
		StepUpMinutes: intField(r, "step_up_minutes", &errs), SessionIdleMinutes: intField(r, "session_idle_minutes", &errs),
		SessionMaxHours: intField(r, "session_max_hours", &errs)}
	if err = errs.Err(); err == nil {
		if _, err = s.uc.UpdateSettings(r.Context(), c, f); err == nil {
			redirect(w, r, "/settings", "Saved the sign-in settings.")
			return nil
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	shown, _ := s.uc.Settings(r.Context(), c)
	shown.RequireMFA, shown.SSOOnly, shown.MFAGroupIDs = require, ssoOnly, groups
	return s.renderSettings(w, r, c, settingsPage{Settings: shown, Err: fe})
}

// ssoListPage lists the account's identity providers.
type ssoListPage struct {
	Providers   []gatehouse.SSOProvider
	CallbackURL string
}

func (s *Server) handleSSOList(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	ps, err := s.uc.SSOProviders(r.Context(), c)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "sso_providers", "Identity providers", ssoListPage{Providers: ps, CallbackURL: s.uc.SSOCallbackURL()})
	return nil
}

// ssoFormPage adds or edits an identity provider.
type ssoFormPage struct {
	Provider    gatehouse.SSOProvider
	New         bool
	Domains     string
	Mappings    string // one "claim = group name" per line
	Customers   []gatehouse.Customer
	CallbackURL string
	Err         *formError
}

func (s *Server) handleSSONew(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.renderSSOForm(w, r, c, ssoFormPage{New: true, Provider: gatehouse.SSOProvider{Enabled: true, GroupsClaim: "groups"}})
}

func (s *Server) handleSSOEdit(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	p, err := s.uc.SSOProvider(r.Context(), c, id)
	if err != nil {
		return err
	}
	page := ssoFormPage{Provider: p, Domains: strings.Join(p.AllowedDomains, ", ")}
	if page.Mappings, err = s.mappingText(r, c, p.Mappings); err != nil {
		return err
	}
	return s.renderSSOForm(w, r, c, page)
}

func (s *Server) renderSSOForm(w http.ResponseWriter, r *http.Request, c *authz.Caller, p ssoFormPage) error {
	if p.New {
		page, err := s.store.ListCustomers(r.Context(), c.AccountID, access.All(), gatehouse.ListFilter{Limit: 500})
		if err != nil {
			return err
		}
		p.Customers = page.Items
	}
	p.CallbackURL = s.uc.SSOCallbackURL()
	status, title := http.StatusOK, "New identity provider"
	if !p.New {
		title = p.Provider.Name
	}
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "sso_form", title, p)
	return nil
}

// mappingText writes mappings one per line, naming the groups.
func (s *Server) mappingText(r *http.Request, c *authz.Caller, ms []gatehouse.GroupMapping) (string, error) {
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return "", err
	}
	names := map[int64]string{}
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s = %s\n", m.Claim, names[m.GroupID])
	}
	return b.String(), nil
}

// ssoFields reads the provider form. Mappings are lines of "claim =
// security group name"; a group name not found is named in the error.
func (s *Server) ssoFields(r *http.Request, c *authz.Caller, isNew bool) (gatehouse.SSOProviderFields, error) {
	get := func(name string) *string { v := r.PostFormValue(name); return &v }
	provision, enabled := checked(r, "provision"), checked(r, "enabled")
	f := gatehouse.SSOProviderFields{Name: get("name"), Issuer: get("issuer"), ClientID: get("client_id"), GroupsClaim: get("groups_claim"),
		Provision: &provision, Enabled: &enabled}
	if secret := r.PostFormValue("client_secret"); secret != "" || checked(r, "public_client") {
		f.ClientSecret = &secret
	}
	domains := strings.FieldsFunc(r.PostFormValue("allowed_domains"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
	f.AllowedDomains = &domains
	if isNew {
		if v := r.PostFormValue("customer_id"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return f, gatehouse.Invalid("customer_id", "choose a customer")
			}
			f.CustomerID = &id
		}
	}
	groups, err := s.uc.AllGroups(r.Context(), c.AccountID)
	if err != nil {
		return f, err
	}
	byName := map[string]int64{}
	for _, g := range groups {
		byName[strings.ToLower(g.Name)] = g.ID
	}
	ms := []gatehouse.GroupMapping{}
	for _, line := range strings.Split(r.PostFormValue("group_mappings"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		claim, group, ok := strings.Cut(line, "=")
		id := byName[strings.ToLower(strings.TrimSpace(group))]
		if !ok || id == 0 {
			return f, gatehouse.Invalid("group_mappings", "%q: write one mapping per line as claim = security group name", strings.TrimSpace(line))
		}
		ms = append(ms, gatehouse.GroupMapping{Claim: strings.TrimSpace(claim), GroupID: id})
	}
	f.Mappings = &ms
	return f, nil
}

func (s *Server) handleSSOCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	f, err := s.ssoFields(r, c, true)
	if err == nil {
		var p gatehouse.SSOProvider
		if p, err = s.uc.CreateSSOProvider(r.Context(), c, f); err == nil {
			redirect(w, r, fmt.Sprintf("/settings/sso/%d", p.ID), "Added the identity provider "+p.Name+".")
			return nil
		}
	}
	return s.ssoFormRefused(w, r, c, err, ssoFormPage{New: true})
}

func (s *Server) handleSSOUpdate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	current, err := s.uc.SSOProvider(r.Context(), c, id)
	if err != nil {
		return err
	}
	f, err := s.ssoFields(r, c, false)
	if err == nil {
		var p gatehouse.SSOProvider
		if p, err = s.uc.UpdateSSOProvider(r.Context(), c, id, f); err == nil {
			redirect(w, r, fmt.Sprintf("/settings/sso/%d", p.ID), "Saved the identity provider "+p.Name+".")
			return nil
		}
	}
	return s.ssoFormRefused(w, r, c, err, ssoFormPage{Provider: current})
}

// ssoFormRefused shows the form again as it was sent, with why.
func (s *Server) ssoFormRefused(w http.ResponseWriter, r *http.Request, c *authz.Caller, err error, p ssoFormPage) error {
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	p.Err = fe
	p.Provider.Name, p.Provider.Issuer, p.Provider.ClientID = r.PostFormValue("name"), r.PostFormValue("issuer"), r.PostFormValue("client_id")
	p.Provider.GroupsClaim, p.Provider.Provision, p.Provider.Enabled = r.PostFormValue("groups_claim"), checked(r, "provision"), checked(r, "enabled")
	p.Domains, p.Mappings = r.PostFormValue("allowed_domains"), r.PostFormValue("group_mappings")
	if p.New {
		p.Provider.CustomerID, _ = strconv.ParseInt(r.PostFormValue("customer_id"), 10, 64)
	}
	return s.renderSSOForm(w, r, c, p)
}

func (s *Server) handleSSODelete(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	if err := s.uc.DeleteSSOProvider(r.Context(), c, id); err != nil {
		return err
	}
	redirect(w, r, "/settings/sso", "Removed the identity provider.")
	return nil
}

// handleUserMFAReset removes a user's second factors, for a holder of
// users.manage over them.
func (s *Server) handleUserMFAReset(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := s.uc.ResetMFA(r.Context(), c, id); err != nil {
		return err
	}
	redirect(w, r, fmt.Sprintf("/users/%d", id), "Reset the user's second factors: they enrol again at their next sign-in.")
	return nil
}

// handleUserSessionsEnd signs a user out everywhere.
func (s *Server) handleUserSessionsEnd(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	n, err := s.uc.EndSessions(r.Context(), c, id)
	if err != nil {
		return err
	}
	redirect(w, r, fmt.Sprintf("/users/%d", id), fmt.Sprintf("Ended %d sessions.", n))
	return nil
}
