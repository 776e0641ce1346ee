package usecase

import (
	"context"

	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// Sessions lists a user's open sign-in sessions and API tokens, with
// where each came from: one's own, or — holding users.manage over them —
// another user's.
func (s *Service) Sessions(ctx context.Context, c *authz.Caller, userID int64) ([]gatehouse.Token, error) {
	if err := s.canManageTokensOf(ctx, c, userID); err != nil {
		return nil, err
	}
	return s.store.ListSessions(ctx, c.AccountID, userID)
}

// EndSessions ends every sign-in session of a user (API tokens are
// revoked one by one). Ending one's own keeps the session asking; an
// admin needs users.manage over the user and ends them all.
func (s *Service) EndSessions(ctx context.Context, c *authz.Caller, userID int64) (int, error) {
	keep := int64(0)
	if userID == c.UserID {
		keep = c.TokenID
	} else if err := s.canManageUser(ctx, c, userID); err != nil {
		return 0, err
	}
	return s.store.DeleteSessions(ctx, c.AccountID, userID, keep)
}

// Settings reads the account's sign-in settings, for a holder of
// settings.manage.
func (s *Service) Settings(ctx context.Context, c *authz.Caller) (gatehouse.Settings, error) {
	if err := canManageSettings(c); err != nil {
		return gatehouse.Settings{}, err
	}
	return s.store.Settings(ctx, c.AccountID)
}

// UpdateSettings changes the account's sign-in settings. Requiring MFA
// applies on every user's next request: those without a factor may then
// only enrol one.
func (s *Service) UpdateSettings(ctx context.Context, c *authz.Caller, f gatehouse.SettingsChange) (gatehouse.Settings, error) {
	if err := canManageSettings(c); err != nil {
		return gatehouse.Settings{}, err
	}
	var out gatehouse.Settings
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		st, err := s.store.Settings(ctx, c.AccountID)
		if err != nil {
			return err
		}
		if err := f.Apply(&st); err != nil {
			return err
		}
		out, err = s.store.SaveSettings(ctx, c.AccountID, st)
		return err
	})
	return out, err
}

func canManageSettings(c *authz.Caller) error {
	if !c.Grants.HoldsAll(permSettingsManage) {
		return gatehouse.Errorf(gatehouse.EForbidden, "you do not have the %q permission", "settings.manage")
	}
	return nil
}
