package web

import (
	"net/http"
	"strconv"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// apiClientsPage lists the account's API clients — other tools'
// credentials for the decision API — and makes new ones.
type apiClientsPage struct {
	Clients    []gatehouse.APIClient
	Name       string
	Days       int
	DayChoices []int
	IDs        string
	Rate       string
	Created    *createdToken // the new client's secret, shown once
	Err        *formError
}

func (s *Server) handleAPIClients(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	return s.renderAPIClients(w, r, c, apiClientsPage{Days: usecase.DefaultClientDays, IDs: gatehouse.IDsGatehouse,
		Rate: strconv.Itoa(usecase.DefaultClientRate)})
}

func (s *Server) renderAPIClients(w http.ResponseWriter, r *http.Request, c *authz.Caller, p apiClientsPage) error {
	var err error
	if p.Clients, err = s.uc.ListAPIClients(r.Context(), c); err != nil {
		return err
	}
	p.DayChoices = []int{30, 90, usecase.DefaultClientDays, usecase.MaxClientDays}
	status := http.StatusOK
	if p.Err != nil {
		status = p.Err.Status
	}
	s.render(w, r, c, status, "api_clients", "API clients", p)
	return nil
}

// handleAPIClientCreate makes a client and shows its secret once, on this
// answer only.
func (s *Server) handleAPIClientCreate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	p := apiClientsPage{Name: r.PostFormValue("name"), IDs: r.PostFormValue("ids"), Rate: r.PostFormValue("rate_limit")}
	in := usecase.NewAPIClient{Name: p.Name, IDs: p.IDs}
	days, derr := strconv.Atoi(r.PostFormValue("expires_in_days"))
	rate, rerr := strconv.Atoi(p.Rate)
	var err error
	switch {
	case derr != nil:
		err = gatehouse.Invalid("expires_in_days", "choose how long the client lasts")
	case rerr != nil:
		err = gatehouse.Invalid("rate_limit", "a whole number of requests a second")
	default:
		p.Days, in.ExpiresInDays, in.RateLimit = days, &days, &rate
		var secret string
		var cl gatehouse.APIClient
		if secret, cl, err = s.uc.CreateAPIClient(r.Context(), c, in); err == nil {
			w.Header().Set("Cache-Control", "no-store")
			return s.renderAPIClients(w, r, c, apiClientsPage{Days: usecase.DefaultClientDays, IDs: gatehouse.IDsGatehouse,
				Rate: strconv.Itoa(usecase.DefaultClientRate), Created: &createdToken{Name: cl.Name, Secret: secret}})
		}
	}
	fe, ok := formProblem(err)
	if !ok {
		return err
	}
	p.Err = fe
	return s.renderAPIClients(w, r, c, p)
}

func (s *Server) handleAPIClientRevoke(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "API client")
	if err != nil {
		return err
	}
	if err := s.uc.RevokeAPIClient(r.Context(), c, id); err != nil {
		return err
	}
	redirect(w, r, "/api-clients", "Revoked the API client.")
	return nil
}
