package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Invoker runs a command; *commands.Invoker is one.
type Invoker interface {
	Invoke(ctx context.Context, req commands.Request) (*commands.Result, error)
}

// BlastRadius looks up what a user can reach in the clouds
// (prisma-get-user-cloud-access, through the Invoker, so the lookup is
// audited like any read) and keeps each answer in memory for TTL, so the
// XDR alert, the XSOAR incident and the Prisma delivery of one event (and
// the repeats of a burst) ask Prisma Cloud once. Lookups of one user in
// flight at the same time share one call. Failures are not kept.
type BlastRadius struct {
	inv Invoker
	// TTL is how long an answer is kept (10 min).
	TTL time.Duration
	// Limit is how many permission rows the summary covers (500; the
	// command's most is 1000).
	Limit int
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]*lookup
}

// lookup is one user's answer, or the call that is getting it.
type lookup struct {
	done chan struct{}
	at   time.Time
	sum  CloudSummary
	err  error
}

// CloudSummary is the blast radius an alert, an incident and the Prisma
// delivery's result show.
type CloudSummary struct {
	Email       string   `json:"email"`
	IdP         string   `json:"idp"`
	MatchedBy   string   `json:"matched_by"`
	Accounts    []string `json:"accounts"`
	Clouds      []string `json:"clouds"`
	AdminLevel  bool     `json:"admin_level"`
	AdminIn     []string `json:"admin_accounts,omitempty"`
	Resources   int      `json:"resources"`
	Permissions int      `json:"permissions"`
	// Complete is false when the user has more permission rows than Limit.
	Complete bool   `json:"complete"`
	Note     string `json:"note,omitempty"`
	// AuditID is the audit record of the lookup.
	AuditID int64 `json:"audit_id,omitempty"`
}

// NewBlastRadius looks blast radii up through inv.
func NewBlastRadius(inv Invoker) *BlastRadius {
	return &BlastRadius{inv: inv, TTL: 10 * time.Minute, Limit: 500, cache: map[string]*lookup{}}
}

func (b *BlastRadius) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Lookup returns the blast radius of the event's user. requestID names the
// call in the audit log ("event:<provider>:<id>").
func (b *BlastRadius) Lookup(ctx context.Context, e events.Event) (CloudSummary, error) {
	if e.UserID == "" {
		return CloudSummary{}, permanentf("the event names no user")
	}
	key := e.Provider + ":" + e.UserID
	b.mu.Lock()
	if l, ok := b.cache[key]; ok {
		select {
		case <-l.done:
			if l.err == nil && b.now().Sub(l.at) < b.TTL {
				b.mu.Unlock()
				return l.sum, nil
			}
		default:
			b.mu.Unlock()
			select {
			case <-l.done:
				return l.sum, l.err
			case <-ctx.Done():
				return CloudSummary{}, ctx.Err()
			}
		}
	}
	l := &lookup{done: make(chan struct{})}
	b.cache[key] = l
	b.sweepLocked()
	b.mu.Unlock()

	l.sum, l.err = b.call(ctx, e)
	l.at = b.now()
	close(l.done)
	if l.err != nil {
		b.mu.Lock()
		if b.cache[key] == l {
			delete(b.cache, key)
		}
		b.mu.Unlock()
	}
	return l.sum, l.err
}

// sweepLocked drops expired answers, so the cache holds the users of the
// last TTL only.
func (b *BlastRadius) sweepLocked() {
	now := b.now()
	for k, l := range b.cache {
		select {
		case <-l.done:
			if now.Sub(l.at) >= b.TTL {
				delete(b.cache, k)
			}
		default:
		}
	}
}

// call runs prisma-get-user-cloud-access for the event's user.
func (b *BlastRadius) call(ctx context.Context, e events.Event) (CloudSummary, error) {
	idp := "okta"
	if e.Provider == events.PingOne {
		idp = "pingone"
	}
	res, err := b.inv.Invoke(ctx, commands.Request{
		Command:   commands.PrismaGetUserCloudAccess.Name,
		Args:      &commands.PrismaUserCloudAccessArgs{User: e.UserID, IdP: idp, Limit: b.Limit},
		Caller:    commands.Caller{Subject: "rules", Scopes: []string{commands.ScopeRead}},
		RequestID: "event:" + e.Provider + ":" + e.ID,
	})
	if err != nil {
		return CloudSummary{}, classifyCommandError(err)
	}
	var out commands.PrismaCloudAccess
	switch v := res.Outputs.(type) {
	case commands.PrismaCloudAccess:
		out = v
	case *commands.PrismaCloudAccess:
		out = *v
	default:
		raw, _ := json.Marshal(v)
		if err := json.Unmarshal(raw, &out); err != nil {
			return CloudSummary{}, fmt.Errorf("delivery: read %s outputs: %w", commands.PrismaGetUserCloudAccess.Name, err)
		}
	}
	s := out.Summary
	return CloudSummary{
		Email: out.Email, IdP: out.IdP, MatchedBy: out.MatchedBy, Accounts: s.Accounts, Clouds: s.Clouds,
		AdminLevel: s.AdminLevel, AdminIn: s.AdminAccounts, Resources: s.Resources, Permissions: s.Permissions,
		Complete: s.Complete, Note: out.Note, AuditID: res.AuditID,
	}, nil
}

// classifyCommandError makes what no retry heals permanent for the
// worker: Prisma Cloud not configured, a user the IdP does not have or
// who has no e-mail (bad input).
func classifyCommandError(err error) error {
	var inputErr *commands.InputError
	var argErr *commands.ArgumentError
	switch {
	case errors.Is(err, commands.ErrProviderNotConfigured), errors.Is(err, commands.ErrForbidden), errors.Is(err, commands.ErrUnknownCommand):
		return &upstream.Error{Provider: "idcmd", Kind: upstream.Invalid, Message: err.Error(), Err: err}
	case errors.As(err, &inputErr), errors.As(err, &argErr):
		return &upstream.Error{Provider: "idcmd", Kind: upstream.Invalid, Message: err.Error(), Err: err}
	}
	return err
}

// Markdown is the summary in a few lines, for an incident's entry.
func (s CloudSummary) Markdown() string {
	var b strings.Builder
	admin := "no"
	if s.AdminLevel {
		admin = "YES in " + strings.Join(s.AdminIn, ", ")
	}
	fmt.Fprintf(&b, "- Cloud identity: %s (%s, matched by %s)\n", s.Email, s.IdP, s.MatchedBy)
	fmt.Fprintf(&b, "- Accounts: %d%s\n", len(s.Accounts), listIn(s.Accounts))
	fmt.Fprintf(&b, "- Clouds: %d%s\n", len(s.Clouds), listIn(s.Clouds))
	fmt.Fprintf(&b, "- Admin-level access: %s\n", admin)
	fmt.Fprintf(&b, "- Resources: %d, through %d permissions\n", s.Resources, s.Permissions)
	if !s.Complete {
		b.WriteString("- More permissions remain: the counts cover the first rows only\n")
	}
	if s.Note != "" {
		b.WriteString("- Note: " + s.Note + "\n")
	}
	return b.String()
}

// Text is the summary on one line, for an alert's description.
func (s CloudSummary) Text() string {
	t := fmt.Sprintf("%d accounts%s, %d clouds%s, %d resources through %d permissions", len(s.Accounts), listIn(s.Accounts),
		len(s.Clouds), listIn(s.Clouds), s.Resources, s.Permissions)
	if s.AdminLevel {
		t += ", ADMIN-LEVEL in " + strings.Join(s.AdminIn, ", ")
	}
	if !s.Complete {
		t += " (first rows only)"
	}
	return t
}

func listIn(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return " (" + strings.Join(items, ", ") + ")"
}

// blastRadiusFor is the blast radius an alert or incident shows: nil when
// the decision does not route to Prisma Cloud, else the summary or why it
// is unavailable. It never fails the delivery.
func blastRadiusFor(ctx context.Context, b *BlastRadius, e events.Event, routed bool) *radius {
	if !routed {
		return nil
	}
	if b == nil {
		return &radius{Why: "Prisma Cloud is not configured in idcmd"}
	}
	// The alert or incident must not wait on Prisma Cloud for its whole
	// delivery timeout.
	lctx, cancel := context.WithTimeout(ctx, inlineLookupTimeout)
	defer cancel()
	s, err := b.Lookup(lctx, e)
	if err != nil {
		return &radius{Why: err.Error()}
	}
	return &radius{Summary: &s}
}

// inlineLookupTimeout bounds the blast radius lookup of an alert or an
// incident, well within the worker's 15 s delivery timeout.
const inlineLookupTimeout = 7 * time.Second

// radius is a blast radius or why there is none.
type radius struct {
	Summary *CloudSummary
	Why     string
}

func (r *radius) text() string {
	if r.Summary != nil {
		return r.Summary.Text()
	}
	return "blast radius unavailable: " + r.Why
}

func (r *radius) markdown() string {
	if r.Summary != nil {
		return r.Summary.Markdown()
	}
	return "blast radius unavailable: " + r.Why + "\n"
}
