package usecase

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/internal/audit"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

// NewToken is a personal API token to create. Permissions nil means all
// of its owner's permissions, as they stand on each request.
type NewToken struct {
	Name          string
	ExpiresInDays *int
	Permissions   *[]string
}

// Token lifetimes.
const (
	DefaultTokenDays = 90
	MaxTokenDays     = 366
)

// CreateToken issues an API token for the caller, who needs
// api_tokens.manage. A token may be limited to some of the caller's
// permissions, never more; one made through a limited token is limited
// to that token's permissions at most. The secret is returned once.
func (s *Service) CreateToken(ctx context.Context, c *authz.Caller, in NewToken) (string, gatehouse.Token, error) {
	name := strings.TrimSpace(in.Name)
	days := DefaultTokenDays
	if in.ExpiresInDays != nil {
		days = *in.ExpiresInDays
	}
	var perms []string
	if in.Permissions != nil {
		perms = gatehouse.SortPermissions(*in.Permissions)
	} else if c.TokenPermissions != nil {
		perms = c.TokenPermissions
	}
	switch {
	case name == "" || utf8.RuneCountInString(name) > 100:
		return "", gatehouse.Token{}, gatehouse.Invalid("name", "a name of 1 to 100 characters is required")
	case days < 1 || days > MaxTokenDays:
		return "", gatehouse.Token{}, gatehouse.Invalid("expires_in_days", "from 1 to %d days", MaxTokenDays)
	case perms != nil && len(perms) == 0:
		return "", gatehouse.Token{}, gatehouse.Invalid("permissions", "name at least one permission, or leave the list out for all of yours")
	}
	for _, key := range perms {
		if _, ok := catalog.Lookup(key); !ok {
			return "", gatehouse.Token{}, gatehouse.Invalid("permissions", "unknown permission %q", key)
		}
	}
	if !c.Grants.Holds(permTokensManage) {
		return "", gatehouse.Token{}, gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", "api_tokens.manage")
	}
	for _, key := range perms {
		if !c.Grants.Holds(catalog.MustLookup(key)) {
			return "", gatehouse.Token{}, &gatehouse.Error{Code: gatehouse.EForbidden, Field: "permissions",
				Message: "you cannot give a token \"" + key + "\": you do not hold it yourself"}
		}
	}
	return s.issue(ctx, gatehouse.Token{AccountID: c.AccountID, UserID: c.UserID, Kind: gatehouse.TokenAPI, Name: name,
		Permissions: perms}, time.Duration(days)*24*time.Hour)
}

// issue stores a new token's hash and returns its secret.
func (s *Service) issue(ctx context.Context, t gatehouse.Token, ttl time.Duration) (string, gatehouse.Token, error) {
	secret, hash, err := auth.NewToken()
	if err != nil {
		return "", t, err
	}
	t.Hash = hash
	t.ExpiresAt = s.now().Add(ttl).UTC().Truncate(time.Millisecond)
	if t.CreatedIP == "" {
		t.CreatedIP = audit.ActorFrom(ctx).IP
	}
	t, err = s.store.CreateToken(ctx, t)
	return secret, t, err
}

// ListTokens lists a user's API tokens: one's own, or — holding
// users.manage over them — another user's.
func (s *Service) ListTokens(ctx context.Context, c *authz.Caller, userID int64) ([]gatehouse.Token, error) {
	if err := s.canManageTokensOf(ctx, c, userID); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, c.AccountID, userID)
}

// RevokeToken ends one of a user's tokens, under the same rule.
func (s *Service) RevokeToken(ctx context.Context, c *authz.Caller, userID, tokenID int64) error {
	if err := s.canManageTokensOf(ctx, c, userID); err != nil {
		return err
	}
	return s.store.DeleteToken(ctx, c.AccountID, userID, tokenID)
}

// SignOut ends the caller's own session or token.
func (s *Service) SignOut(ctx context.Context, c *authz.Caller) error {
	return s.store.DeleteToken(ctx, c.AccountID, c.UserID, c.TokenID)
}

func (s *Service) canManageTokensOf(ctx context.Context, c *authz.Caller, userID int64) error {
	if userID == c.UserID {
		return nil
	}
	if _, err := s.store.User(ctx, c.AccountID, userID); err != nil {
		return err
	}
	if !c.Grants.HoldsAll(permUsersManage) {
		return gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", "users.manage")
	}
	return s.canManage(ctx, c, userID)
}
