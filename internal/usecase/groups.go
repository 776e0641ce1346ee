package usecase

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gatehouse/internal/access"
	"gatehouse/internal/authz"
	"gatehouse/internal/gatehouse"
)

// CreateGroup adds a security group the caller could grant. A preview
// only answers what would change (nobody is in a new group yet).
func (s *Service) CreateGroup(ctx context.Context, c *authz.Caller, g gatehouse.SecurityGroup, mode Mode) (gatehouse.SecurityGroup, Impact, error) {
	var out gatehouse.SecurityGroup
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		g.ID, g.UserCount = 0, 0
		g.Normalize()
		if err := g.Validate(); err != nil {
			return err
		}
		if err := canGrant(c, g); err != nil {
			return err
		}
		var err error
		out, err = s.store.CreateGroup(ctx, c.AccountID, g)
		return err
	})
	imp.Warnings = destructiveInSelect(g)
	return out, imp, err
}

// UpdateGroup changes the fields f sets. The caller must be able to
// grant the group both as it was and as it becomes: nobody edits a group
// holding more than they do, nor widens one beyond what they hold.
func (s *Service) UpdateGroup(ctx context.Context, c *authz.Caller, id int64, f gatehouse.GroupFields, mode Mode) (gatehouse.SecurityGroup, Impact, error) {
	var out gatehouse.SecurityGroup
	var warnings []string
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		before, err := s.store.Group(ctx, c.AccountID, id)
		if err != nil {
			return err
		}
		after := before
		f.Apply(&after)
		after.Normalize()
		if err := after.Validate(); err != nil {
			return err
		}
		if err := canGrant(c, before); err != nil {
			return err
		}
		if err := canGrant(c, after); err != nil {
			return err
		}
		if err := s.checkConfinedMembers(ctx, c.AccountID, after, "customer_ids"); err != nil {
			return err
		}
		warnings = destructiveInSelect(after)
		out, err = s.store.UpdateGroup(ctx, c.AccountID, after)
		return err
	})
	imp.Warnings = warnings
	return out, imp, err
}

// DeleteGroup removes a group the caller could grant; its members lose
// what only it gave them, which a preview reports first.
func (s *Service) DeleteGroup(ctx context.Context, c *authz.Caller, id int64, mode Mode) (gatehouse.SecurityGroup, Impact, error) {
	var g gatehouse.SecurityGroup
	imp, err := s.change(ctx, c, mode, func(ctx context.Context) error {
		var err error
		if g, err = s.store.Group(ctx, c.AccountID, id); err != nil {
			return err
		}
		if err := canGrant(c, g); err != nil {
			return err
		}
		return s.store.DeleteGroup(ctx, c.AccountID, id)
	})
	return g, imp, err
}

// CopyGroup makes a new group with another's scope and permissions,
// named name or, when name is empty, "Copy of <name>" numbered until free.
func (s *Service) CopyGroup(ctx context.Context, c *authz.Caller, id int64, name string) (gatehouse.SecurityGroup, error) {
	var out gatehouse.SecurityGroup
	_, err := s.change(ctx, c, Apply, func(ctx context.Context) error {
		src, err := s.store.Group(ctx, c.AccountID, id)
		if err != nil {
			return err
		}
		if strings.TrimSpace(name) == "" {
			if name, err = s.freeCopyName(ctx, c.AccountID, src.Name); err != nil {
				return err
			}
		}
		cp := gatehouse.SecurityGroup{Name: name, Description: src.Description, AccessType: src.AccessType,
			CustomerIDs: src.CustomerIDs, Permissions: src.Permissions}
		cp.Normalize()
		if err := cp.Validate(); err != nil {
			return err
		}
		if err := canGrant(c, cp); err != nil {
			return err
		}
		out, err = s.store.CreateGroup(ctx, c.AccountID, cp)
		return err
	})
	return out, err
}

// freeCopyName is "Copy of <name>", or "Copy of <name> (n)" with the
// lowest n free, cut to fit the name limit at a character boundary.
func (s *Service) freeCopyName(ctx context.Context, accountID int64, name string) (string, error) {
	groups, err := s.AllGroups(ctx, accountID)
	if err != nil {
		return "", err
	}
	taken := make(map[string]bool, len(groups))
	for _, g := range groups {
		taken[g.Name] = true
	}
	for n := 1; n <= 1000; n++ {
		suffix := ""
		if n > 1 {
			suffix = fmt.Sprintf(" (%d)", n)
		}
		room := gatehouse.MaxGroupName - utf8.RuneCountInString("Copy of "+suffix)
		candidate := "Copy of " + shorten(name, room) + suffix
		if !taken[candidate] {
			return candidate, nil
		}
	}
	return "", gatehouse.Errorf(gatehouse.EConflict, "could not find a free name for the copy; rename earlier copies first")
}

// shorten cuts s to at most n characters.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:max(n, 0)]))
}

// AllGroups reads every security group of the account; an account has
// tens of groups, not thousands.
func (s *Service) AllGroups(ctx context.Context, accountID int64) ([]gatehouse.SecurityGroup, error) {
	var out []gatehouse.SecurityGroup
	f := gatehouse.ListFilter{Limit: 500}
	for {
		page, err := s.store.ListGroups(ctx, accountID, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out, nil
		}
		f.Cursor = page.NextCursor
	}
}

// canGrant refuses a delegated manager handing out (or taking away) a
// group holding a permission or customer they do not hold themselves.
// The message names the permission; the customer only by id, which the
// caller already sent or holds.
func canGrant(c *authz.Caller, g gatehouse.SecurityGroup) error {
	err := c.Grants.CanGrant(g.AccessGroup())
	var esc *access.EscalationError
	if errors.As(err, &esc) {
		msg := "you cannot grant %q"
		args := []any{esc.Permission}
		if esc.Customer != 0 {
			msg += " on customer %d"
			args = append(args, esc.Customer)
		} else if g.AccessType == gatehouse.AllCustomers {
			msg += " for all customers"
		}
		return gatehouse.Errorf(gatehouse.EForbidden, msg+": you do not hold it yourself", args...)
	}
	return err
}
