// Package roster keeps the privileged users of both providers in memory,
// refreshed in the background, so the privileged_user detector answers
// without a provider call per event (rules.Directory).
package roster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/rules"
)

// DefaultInterval is how often the roster is read again.
const DefaultInterval = 10 * time.Minute

// Roster is the privileged users by provider: members of the privileged
// groups (by name) and, in Okta, holders of an admin role. It implements
// rules.Directory.
type Roster struct {
	cfg      rules.Privileged
	interval time.Duration
	okta     *okta.Client
	pingone  *pingone.Client
	log      *slog.Logger

	mu sync.RWMutex
	// users is provider → user ID or lower-cased login → why; a provider
	// is present once it has been read successfully.
	users map[string]map[string]string
}

// New returns a roster of the users cfg calls privileged, read from the
// clients given (nil for a provider not configured). interval 0 is
// DefaultInterval. Nothing is read until Run or Refresh.
func New(cfg rules.Privileged, interval time.Duration, oc *okta.Client, pc *pingone.Client, log *slog.Logger) *Roster {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if log == nil {
		log = slog.Default()
	}
	return &Roster{cfg: cfg, interval: interval, okta: oc, pingone: pc, log: log, users: map[string]map[string]string{}}
}

// Run reads the roster at once and then every interval until ctx ends.
func (r *Roster) Run(ctx context.Context) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		_ = r.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads each configured provider once. A provider whose read
// fails keeps its last roster (or stays unknown), and the failure is
// logged and returned.
func (r *Roster) Refresh(ctx context.Context) error {
	var errs []error
	if r.okta != nil {
		errs = append(errs, r.refresh(ctx, events.Okta, r.readOkta))
	}
	if r.pingone != nil {
		errs = append(errs, r.refresh(ctx, events.PingOne, r.readPingOne))
	}
	return errors.Join(errs...)
}

func (r *Roster) refresh(ctx context.Context, provider string, read func(context.Context, map[string]string) error) error {
	users := map[string]string{}
	if err := read(ctx, users); err != nil {
		if ctx.Err() == nil {
			r.log.Warn("roster: reading the privileged users failed; keeping the last roster", "provider", provider, "error", err)
		}
		return fmt.Errorf("roster: %s: %w", provider, err)
	}
	r.mu.Lock()
	r.users[provider] = users
	r.mu.Unlock()
	r.log.Debug("roster: privileged users read", "provider", provider, "entries", len(users))
	return nil
}

// Privileged says why the user is privileged, from memory only; known is
// false until the provider's roster has been read once.
func (r *Roster) Privileged(provider, userID, login string) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	users, ok := r.users[provider]
	if !ok {
		return "", false
	}
	if why := users[userID]; userID != "" && why != "" {
		return why, true
	}
	if login != "" {
		return users[strings.ToLower(login)], true
	}
	return "", true
}

// add records why for the user under its ID and its login; several
// reasons are joined.
func add(users map[string]string, id, login, why string) {
	for _, k := range []string{id, strings.ToLower(login)} {
		if k == "" {
			continue
		}
		switch prev := users[k]; {
		case prev == "":
			users[k] = why
		case !slices.Contains(strings.Split(prev, "; "), why):
			users[k] = prev + "; " + why
		}
	}
}

// readOkta reads the members of the privileged groups and, with
// admin_roles, the users with an admin role of their own and their role
// types.
func (r *Roster) readOkta(ctx context.Context, users map[string]string) error {
	for _, name := range r.cfg.Groups {
		groups, err := r.okta.FindGroupsByName(ctx, name)
		if err != nil {
			return fmt.Errorf("group %q: %w", name, err)
		}
		for _, g := range groups {
			q := okta.GroupMembersQuery{GroupID: g.ID, Limit: 200}
			for {
				page, next, err := r.okta.ListGroupMembers(ctx, q)
				if err != nil {
					return fmt.Errorf("members of group %q: %w", name, err)
				}
				for _, u := range page {
					add(users, u.ID, u.Profile.Login, "member of "+g.Profile.Name)
				}
				if next == "" {
					break
				}
				q = okta.GroupMembersQuery{GroupID: g.ID, Cursor: next}
			}
		}
	}
	if !r.cfg.AdminRoles {
		return nil
	}
	assignees, err := r.okta.ListRoleAssignees(ctx)
	if err != nil {
		return fmt.Errorf("users with admin roles: %w", err)
	}
	for _, a := range assignees {
		roles, err := r.okta.ListUserRoles(ctx, a.ID)
		if upstream.IsKind(err, upstream.NotFound) {
			continue // deleted between the two calls
		}
		if err != nil {
			return fmt.Errorf("admin roles of %s: %w", a.ID, err)
		}
		var types []string
		for _, role := range roles {
			if role.Status != "INACTIVE" && !slices.Contains(types, role.Type) {
				types = append(types, role.Type)
			}
		}
		if len(types) > 0 {
			add(users, a.ID, "", "holds "+strings.Join(types, ", "))
		}
	}
	return nil
}

// readPingOne reads the members (direct and nested) of the privileged
// groups. PingOne has no environment-wide listing of admin role holders
// (only each user's roleAssignments), so admin_roles reads nothing here.
func (r *Roster) readPingOne(ctx context.Context, users map[string]string) error {
	for _, name := range r.cfg.Groups {
		g, err := r.pingone.GetGroup(ctx, name)
		if upstream.IsKind(err, upstream.NotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("group %q: %w", name, err)
		}
		q := pingone.UserQuery{Filter: pingone.GroupMembersFilter(g.ID), Limit: 1000}
		for {
			page, next, err := r.pingone.ListUsers(ctx, q)
			if err != nil {
				return fmt.Errorf("members of group %q: %w", name, err)
			}
			for _, u := range page {
				add(users, u.ID, u.Username, "member of "+g.Name)
			}
			if next == "" {
				break
			}
			q = pingone.UserQuery{Cursor: next}
		}
	}
	return nil
}

var _ rules.Directory = (*Roster)(nil)
