package usecase

import (
	"context"
	"slices"

	"gatehouse/internal/access"
	"gatehouse/internal/auth"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// NewUser is a user to create. GroupIDs nil means the account's default
// groups; an empty, non-nil slice means none.
type NewUser struct {
	Email, Name, Password string
	GlobalAdmin, Disabled bool
	// ExternalID is how another tool names the user; empty: none.
	ExternalID string
	GroupIDs   *[]int64
}

// UserChange changes only the fields that are set.
type UserChange struct {
	Email, Name, Password *string
	GlobalAdmin, Disabled *bool
	ExternalID            *string
	GroupIDs              *[]int64
}

// CreateUser adds a user. Only a global admin makes a global admin, and
// every group the user joins — the default ones included — must be one
// the caller could grant.
func (s *Service) CreateUser(ctx context.Context, c *authz.Caller, in NewUser, mode Mode) (gatehouse.User, Impact, error) {
	var errs gatehouse.Invalids
	email, err := gatehouse.NormalizeEmail(in.Email)
	errs.Add(err)
	name, err := gatehouse.NormalizeUserName(in.Name)
	errs.Add(err)
	ext, err := gatehouse.NormalizeExternalID(in.ExternalID)
	errs.Add(err)
	errs.Add(checkPassword(in.Password, email))
	if err := errs.Err(); err != nil {
		return gatehouse.User{}, Impact{}, err
	}
	hash := ""
	if mode != Preview {
		if hash, err = s.passwords.Hash(ctx, in.Password); err != nil {
			return gatehouse.User{}, Impact{}, busy(err)
		}
	}
	var out gatehouse.User
	var warnings []string
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		var groups []int64
		if in.GroupIDs != nil {
			groups = gatehouse.DedupIDs(*in.GroupIDs)
		} else if groups, err = s.store.DefaultGroupIDs(ctx, c.AccountID); err != nil {
			return err
		}
		if in.GlobalAdmin && !c.Grants.GlobalAdmin() {
			return &gatehouse.Error{Code: gatehouse.EForbidden, Field: "global_admin", Message: "only a global admin can make a global admin"}
		}
		if err := s.checkGroupGrants(ctx, c, nil, groups); err != nil {
			return err
		}
		if warnings, err = s.groupWarnings(ctx, c.AccountID, email, groups); err != nil {
			return err
		}
		out, err = s.store.CreateUser(ctx, c.AccountID, gatehouse.UserCreate{Email: email, Name: name, PasswordHash: hash,
			GlobalAdmin: in.GlobalAdmin, Disabled: in.Disabled, ExternalID: ext, GroupIDs: groups})
		return err
	})
	imp.Warnings = warnings
	return out, imp, err
}

// groupWarnings are the warnings about a user's set of groups.
func (s *Service) groupWarnings(ctx context.Context, accountID int64, email string, ids []int64) ([]string, error) {
	groups := make([]gatehouse.SecurityGroup, 0, len(ids))
	for _, id := range ids {
		g, err := s.store.Group(ctx, accountID, id)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			continue // the store refuses it, naming the field
		}
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return mootSelect(email, groups), nil
}

// UpdateUser changes a user the caller covers: a delegated manager never
// changes someone holding more than they do (a password reset would hand
// them that access), never grants or revokes global admin, and adds or
// removes only groups they could grant. A new password ends every session
// and API token of the user.
func (s *Service) UpdateUser(ctx context.Context, c *authz.Caller, id int64, in UserChange, mode Mode) (gatehouse.User, Impact, error) {
	upd := gatehouse.UserUpdate{GlobalAdmin: in.GlobalAdmin, Disabled: in.Disabled, GroupIDs: in.GroupIDs}
	var errs gatehouse.Invalids
	if in.Email != nil {
		email, err := gatehouse.NormalizeEmail(*in.Email)
		errs.Add(err)
		upd.Email = &email
	}
	if in.Name != nil {
		name, err := gatehouse.NormalizeUserName(*in.Name)
		errs.Add(err)
		upd.Name = &name
	}
	if in.ExternalID != nil {
		ext, err := gatehouse.NormalizeExternalID(*in.ExternalID)
		errs.Add(err)
		upd.ExternalID = &ext
	}
	if err := errs.Err(); err != nil {
		return gatehouse.User{}, Impact{}, err
	}
	if upd.GroupIDs != nil {
		ids := gatehouse.DedupIDs(*upd.GroupIDs)
		upd.GroupIDs = &ids
	}
	if in.Password != nil {
		// Hashed before the transaction: the write lock is never held
		// while a hash waits for its turn.
		hash, err := s.newPassword(ctx, c.AccountID, id, *in.Password, upd.Email, mode == Preview)
		if err != nil {
			return gatehouse.User{}, Impact{}, err
		}
		upd.PasswordHash = &hash
	}
	var out gatehouse.User
	var warnings []string
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		before, err := s.store.User(ctx, c.AccountID, id)
		if err != nil {
			return err
		}
		if err := s.checkUserChange(ctx, c, before, upd); err != nil {
			return err
		}
		if err := s.checkConfinedUser(ctx, c.AccountID, before, upd); err != nil {
			return err
		}
		if upd.GroupIDs != nil {
			if warnings, err = s.groupWarnings(ctx, c.AccountID, before.Email, *upd.GroupIDs); err != nil {
				return err
			}
		}
		out, err = s.store.UpdateUser(ctx, c.AccountID, id, upd)
		return err
	})
	imp.Warnings = warnings
	return out, imp, err
}

// newPassword checks a user's new password against the policy (and their
// address, the new one if it changes too) and hashes it; a preview skips
// the hash.
func (s *Service) newPassword(ctx context.Context, accountID, id int64, password string, newEmail *string, preview bool) (string, error) {
	email := ""
	if newEmail != nil {
		email = *newEmail
	} else if u, err := s.store.User(ctx, accountID, id); err == nil {
		email = u.Email
	} else {
		return "", err
	}
	if err := checkPassword(password, email); err != nil || preview {
		return "", err
	}
	hash, err := s.passwords.Hash(ctx, password)
	return hash, busy(err)
}

// DeleteUser removes a user the caller covers; never the account's last
// active global admin (the store's invariant).
func (s *Service) DeleteUser(ctx context.Context, c *authz.Caller, id int64, mode Mode) (gatehouse.User, Impact, error) {
	var u gatehouse.User
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		var err error
		if u, err = s.store.User(ctx, c.AccountID, id); err != nil {
			return err
		}
		if err := s.canManage(ctx, c, id); err != nil {
			return err
		}
		return s.store.DeleteUser(ctx, c.AccountID, id)
	})
	return u, imp, err
}

// checkUserChange holds the delegated-administration rules for a change.
func (s *Service) checkUserChange(ctx context.Context, c *authz.Caller, before gatehouse.User, upd gatehouse.UserUpdate) error {
	if c.Grants.GlobalAdmin() {
		return nil
	}
	if upd.GlobalAdmin != nil && *upd.GlobalAdmin != before.GlobalAdmin {
		return &gatehouse.Error{Code: gatehouse.EForbidden, Field: "global_admin", Message: "only a global admin can grant or revoke global admin"}
	}
	if err := s.canManage(ctx, c, before.ID); err != nil {
		return err
	}
	if upd.GroupIDs != nil {
		return s.checkGroupGrants(ctx, c, before.GroupIDs, *upd.GroupIDs)
	}
	return nil
}

// canManage refuses a delegated manager acting on a user who holds
// anything the manager does not.
func (s *Service) canManage(ctx context.Context, c *authz.Caller, userID int64) error {
	if c.Grants.GlobalAdmin() {
		return nil
	}
	target, err := s.UserGrants(ctx, c.AccountID, userID)
	if err != nil {
		return err
	}
	if MayManage(c.Grants, target) {
		return nil
	}
	if target.GlobalAdmin() {
		return gatehouse.Errorf(gatehouse.EForbidden, "only a global admin can change a global admin")
	}
	return gatehouse.Errorf(gatehouse.EForbidden, "this user holds access you do not hold; only someone who holds it can change them")
}

// MayManage is the delegated-administration rule for acting on a user: a
// manager may act on a user whose every grant the manager holds too
// (only an active global admin acts on a global admin). The decision API
// asks it for "users.manage" on a user.
func MayManage(manager, target *access.Grants) bool {
	return manager.Active() && (manager.GlobalAdmin() || manager.Covers(target))
}

// UserGrants compiles a user's grants as they stand.
func (s *Service) UserGrants(ctx context.Context, accountID, userID int64) (*access.Grants, error) {
	subject, _, err := s.store.Subject(ctx, accountID, userID)
	if err != nil {
		return nil, err
	}
	return access.Compile(subject, s.now()), nil
}

// checkGroupGrants refuses adding or removing a group the caller could
// not grant, and names a group that is not the account's.
func (s *Service) checkGroupGrants(ctx context.Context, c *authz.Caller, before, after []int64) error {
	for _, id := range symmetricDiff(before, after) {
		g, err := s.store.Group(ctx, c.AccountID, id)
		if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
			return gatehouse.Invalid("security_group_ids", "security group %d not found", id)
		}
		if err != nil {
			return err
		}
		if err := canGrant(c, g); err != nil {
			return err
		}
	}
	return nil
}

func symmetricDiff(a, b []int64) []int64 {
	var out []int64
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	for _, id := range b {
		if !slices.Contains(a, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkPassword applies the password policy, naming the field.
func checkPassword(password, email string) error {
	if err := auth.CheckPasswordPolicy(password, email); err != nil {
		return gatehouse.Invalid("password", "%s", err.Error())
	}
	return nil
}

// busy turns a full password-hashing queue into a "try again" answer.
func busy(err error) error {
	if err == auth.ErrBusy {
		return gatehouse.Errorf(gatehouse.ETooMany, "the server is busy checking passwords; try again in a few seconds")
	}
	return err
}
