package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

type settingsJSON struct {
	RequireMFA          bool      `json:"require_mfa" doc:"every user must use a second factor" example:"true"`
	MFASecurityGroupIDs []ID      `json:"mfa_security_group_ids" doc:"the members of these groups must use a second factor"`
	StepUpMinutes       int       `json:"step_up_minutes" doc:"sensitive permissions need a second factor presented within this many minutes" example:"15"`
	SessionIdleMinutes  int       `json:"session_idle_minutes" doc:"a sign-in unused this long ends" example:"120"`
	SessionMaxHours     int       `json:"session_max_hours" doc:"a sign-in this old ends" example:"12"`
	SSOOnly             bool      `json:"sso_only" doc:"users linked to an identity provider may not sign in with a password" example:"false"`
	UpdatedAt           time.Time `json:"updated_at" doc:"zero while the defaults apply"`
}

func toSettingsJSON(st gatehouse.Settings) settingsJSON {
	return settingsJSON{RequireMFA: st.RequireMFA, MFASecurityGroupIDs: toIDs(st.MFAGroupIDs), StepUpMinutes: st.StepUpMinutes,
		SessionIdleMinutes: st.SessionIdleMinutes, SessionMaxHours: st.SessionMaxHours, SSOOnly: st.SSOOnly, UpdatedAt: st.UpdatedAt}
}

type settingsRequest struct {
	RequireMFA          *bool `json:"require_mfa" example:"true"`
	MFASecurityGroupIDs *[]ID `json:"mfa_security_group_ids" doc:"replaces the list"`
	StepUpMinutes       *int  `json:"step_up_minutes" min:"1" max:"1440" example:"15"`
	SessionIdleMinutes  *int  `json:"session_idle_minutes" min:"5" max:"43200" example:"120"`
	SessionMaxHours     *int  `json:"session_max_hours" min:"1" max:"720" example:"12"`
	SSOOnly             *bool `json:"sso_only" example:"false"`
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	st, err := s.uc.Settings(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSettingsJSON(st))
}

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req settingsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	f := gatehouse.SettingsChange{RequireMFA: req.RequireMFA, StepUpMinutes: req.StepUpMinutes, SessionIdleMinutes: req.SessionIdleMinutes,
		SessionMaxHours: req.SessionMaxHours, SSOOnly: req.SSOOnly}
	if req.MFASecurityGroupIDs != nil {
		ids := fromIDs(*req.MFASecurityGroupIDs)
		f.MFAGroupIDs = &ids
	}
	st, err := s.uc.UpdateSettings(r.Context(), c, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSettingsJSON(st))
}

type groupMappingJSON struct {
	Claim           string `json:"claim" doc:"a value of the provider's groups claim" example:"gatehouse-helpdesk"`
	SecurityGroupID ID     `json:"security_group_id"`
}

type ssoProviderJSON struct {
	ID              ID                 `json:"id"`
	Name            string             `json:"name" example:"Contoso Entra ID"`
	Issuer          string             `json:"issuer" example:"https://login.microsoftonline.com/0000/v2.0"`
	ClientID        string             `json:"client_id" example:"6f1c2b0e-gatehouse"`
	ClientSecretSet bool               `json:"client_secret_set" doc:"a client secret is stored (sealed; never shown)" example:"true"`
	AllowedDomains  []string           `json:"allowed_domains" doc:"addresses of these domains may sign in; empty: any" example:"contoso.com"`
	CustomerID      *ID                `json:"customer_id" doc:"a customer's own provider: its users only ever join groups within that customer; null: the MSP's"`
	Provision       bool               `json:"provision" doc:"create a user on a first sign-in no user matches" example:"true"`
	GroupsClaim     string             `json:"groups_claim" example:"groups"`
	GroupMappings   []groupMappingJSON `json:"group_mappings"`
	Enabled         bool               `json:"enabled" example:"true"`
	SignInPath      string             `json:"sign_in_path" doc:"the web sign-in that starts at this provider" example:"/sso/3/start"`
	CallbackURL     string             `json:"callback_url" doc:"register this redirect URI at the provider" example:"https://gatehouse.example.com/sso/callback"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
}

func (s *Server) toSSOProviderJSON(p gatehouse.SSOProvider) ssoProviderJSON {
	out := ssoProviderJSON{ID: ID(p.ID), Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecretSet: p.ClientSecret != nil,
		AllowedDomains: p.AllowedDomains, Provision: p.Provision, GroupsClaim: p.GroupsClaim, GroupMappings: []groupMappingJSON{},
		Enabled: p.Enabled, SignInPath: "/sso/" + strconv.FormatInt(p.ID, 10) + "/start", CallbackURL: s.uc.SSOCallbackURL(), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.CustomerID != 0 {
		id := ID(p.CustomerID)
		out.CustomerID = &id
	}
	for _, m := range p.Mappings {
		out.GroupMappings = append(out.GroupMappings, groupMappingJSON{Claim: m.Claim, SecurityGroupID: ID(m.GroupID)})
	}
	return out
}

type groupMappingRequest struct {
	Claim           string `json:"claim" required:"true" maxLength:"200" example:"gatehouse-helpdesk"`
	SecurityGroupID ID     `json:"security_group_id" required:"true"`
}

type ssoProviderRequest struct {
	Name           *string                `json:"name" maxLength:"100" example:"Contoso Entra ID"`
	Issuer         *string                `json:"issuer" doc:"the provider's issuer URL (https; http only on a loopback host)" example:"https://login.microsoftonline.com/0000/v2.0"`
	ClientID       *string                `json:"client_id" maxLength:"500" example:"6f1c2b0e-gatehouse"`
	ClientSecret   *string                `json:"client_secret" doc:"stored sealed, never shown again; empty string: none (a public client)" example:"s3cr3t-from-the-provider"`
	AllowedDomains *[]string              `json:"allowed_domains" example:"contoso.com"`
	CustomerID     *ID                    `json:"customer_id" doc:"make it a customer's own provider (set when it is added; fixed after); absent: the MSP's"`
	Provision      *bool                  `json:"provision" example:"true"`
	GroupsClaim    *string                `json:"groups_claim" maxLength:"100" doc:"default groups" example:"groups"`
	GroupMappings  *[]groupMappingRequest `json:"group_mappings" doc:"replaces the mappings"`
	Enabled        *bool                  `json:"enabled" example:"true"`
}

func (req ssoProviderRequest) fields() gatehouse.SSOProviderFields {
	f := gatehouse.SSOProviderFields{Name: req.Name, Issuer: req.Issuer, ClientID: req.ClientID, ClientSecret: req.ClientSecret,
		AllowedDomains: req.AllowedDomains, Provision: req.Provision, GroupsClaim: req.GroupsClaim, Enabled: req.Enabled}
	if req.CustomerID != nil {
		c := int64(*req.CustomerID)
		f.CustomerID = &c
	}
	if req.GroupMappings != nil {
		ms := make([]gatehouse.GroupMapping, 0, len(*req.GroupMappings))
		for _, m := range *req.GroupMappings {
			ms = append(ms, gatehouse.GroupMapping{Claim: m.Claim, GroupID: int64(m.SecurityGroupID)})
		}
		f.Mappings = &ms
	}
	return f
}

func (s *Server) listSSOProviders(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	ps, err := s.uc.SSOProviders(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(gatehouse.Page[gatehouse.SSOProvider]{Items: ps}, s.toSSOProviderJSON))
}

func (s *Server) createSSOProvider(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	var req ssoProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := s.uc.CreateSSOProvider(r.Context(), c, req.fields())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, s.toSSOProviderJSON(p))
}

func (s *Server) getSSOProvider(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	p, err := s.uc.SSOProvider(r.Context(), c, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSSOProviderJSON(p))
}

func (s *Server) updateSSOProvider(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	var req ssoProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := s.uc.UpdateSSOProvider(r.Context(), c, id, req.fields())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSSOProviderJSON(p))
}

func (s *Server) deleteSSOProvider(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "identity provider")
	if err != nil {
		return err
	}
	if err := s.uc.DeleteSSOProvider(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
