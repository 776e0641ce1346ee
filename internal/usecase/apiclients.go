package usecase

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// NewAPIClient is an API client to create: another tool's credential for
// the decision API. Nil fields take the defaults.
type NewAPIClient struct {
	Name          string
	ExpiresInDays *int
	// IDs is how the tool names users and records: "gatehouse" (the
	// default) or "external".
	IDs         string
	RateLimit   *int
	Permissions *[]string
}

// API client limits and defaults.
const (
	DefaultClientDays = 365
	MaxClientDays     = 730
	DefaultClientRate = 1000
	MaxClientRate     = 100_000
)

// ClientPermissions are the permissions an API client can be given: what
// a machine caller may do. Users' permissions never reach a client.
var ClientPermissions = []string{"decisions.ask"}

var permClientsManage = catalog.MustLookup("api_clients.manage")

// CreateAPIClient makes an API client of the caller's account and returns
// its secret, shown once. It needs api_clients.manage, and the caller
// must hold every permission the client gets for all customers: nobody
// gives what they do not hold. An API client cannot make another.
func (s *Service) CreateAPIClient(ctx context.Context, c *authz.Caller, in NewAPIClient) (string, gatehouse.APIClient, error) {
	cl, err := normalizeClient(&in)
	if err != nil {
		return "", cl, err
	}
	if err := canManageClients(c); err != nil {
		return "", cl, err
	}
	for _, key := range cl.Permissions {
		if !c.Grants.HoldsAll(catalog.MustLookup(key)) {
			return "", cl, &gatehouse.Error{Code: gatehouse.EForbidden, Field: "permissions",
				Message: "you cannot give an API client \"" + key + "\": you do not hold it for all customers"}
		}
	}
	secret, hash, err := auth.NewClientSecret()
	if err != nil {
		return "", cl, err
	}
	cl.AccountID, cl.CreatedBy, cl.Hash = c.AccountID, c.UserID, hash
	cl.ExpiresAt = s.now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	cl, err = s.store.CreateAPIClient(ctx, cl)
	return secret, cl, err
}

// normalizeClient applies the defaults, then checks every field, naming
// each one at fault.
func normalizeClient(in *NewAPIClient) (gatehouse.APIClient, error) {
	if in.ExpiresInDays == nil {
		d := DefaultClientDays
		in.ExpiresInDays = &d
	}
	if in.RateLimit == nil {
		r := DefaultClientRate
		in.RateLimit = &r
	}
	if in.IDs == "" {
		in.IDs = gatehouse.IDsGatehouse
	}
	perms := ClientPermissions
	if in.Permissions != nil {
		perms = gatehouse.SortPermissions(*in.Permissions)
	}
	cl := gatehouse.APIClient{Name: strings.TrimSpace(in.Name), IDs: in.IDs, RateLimit: *in.RateLimit, Permissions: perms}
	var errs gatehouse.Invalids
	errs.Add(gatehouse.CheckText("name", cl.Name))
	if cl.Name == "" || utf8.RuneCountInString(cl.Name) > 100 {
		errs.Add(gatehouse.Invalid("name", "a name of 1 to 100 characters is required"))
	}
	if d := *in.ExpiresInDays; d < 1 || d > MaxClientDays {
		errs.Add(gatehouse.Invalid("expires_in_days", "from 1 to %d days", MaxClientDays))
	}
	if cl.IDs != gatehouse.IDsGatehouse && cl.IDs != gatehouse.IDsExternal {
		errs.Add(gatehouse.Invalid("ids", "gatehouse or external"))
	}
	if cl.RateLimit < 1 || cl.RateLimit > MaxClientRate {
		errs.Add(gatehouse.Invalid("rate_limit", "from 1 to %d requests a second", MaxClientRate))
	}
	if len(perms) == 0 {
		errs.Add(gatehouse.Invalid("permissions", "name at least one permission"))
	}
	for _, key := range perms {
		if !slices.Contains(ClientPermissions, key) {
			errs.Add(gatehouse.Invalid("permissions", "an API client can hold only %s, not %q", strings.Join(ClientPermissions, ", "), key))
			break
		}
	}
	return cl, errs.Err()
}

// canManageClients is the rule for listing, creating and revoking API
// clients: a person holding api_clients.manage.
func canManageClients(c *authz.Caller) error {
	if c.TokenKind == gatehouse.TokenClient {
		return gatehouse.Errorf(gatehouse.EForbidden, "an API client cannot manage API clients")
	}
	if !c.Grants.HoldsAll(permClientsManage) {
		return gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", "api_clients.manage")
	}
	return nil
}

// ListAPIClients lists the account's API clients.
func (s *Service) ListAPIClients(ctx context.Context, c *authz.Caller) ([]gatehouse.APIClient, error) {
	if err := canManageClients(c); err != nil {
		return nil, err
	}
	return s.store.APIClients(ctx, c.AccountID)
}

// RevokeAPIClient ends an API client at once, on every instance.
func (s *Service) RevokeAPIClient(ctx context.Context, c *authz.Caller, id int64) error {
	if err := canManageClients(c); err != nil {
		return err
	}
	return s.store.DeleteAPIClient(ctx, c.AccountID, id)
}
