package commands

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Push verification timing. Okta documents no poll interval for the
// Factors API; every poll is a request in the org's users rate-limit
// bucket (600 a minute on most orgs), and a person takes a few seconds to
// find the phone and tap. One poll right after the push (so an answer that
// is already there costs no wait) and then one every 3 seconds is at most
// 10 polls in the longest wait: a fraction of one percent of the bucket,
// and an answer is seen at most 3 seconds late.
const (
	// pushPollInterval is the wait between two polls of the transaction.
	pushPollInterval = 3 * time.Second
	// defaultPushWait is wait_seconds' default: long enough for a person
	// to answer, well under the server's request timeout (30s by default).
	defaultPushWait = 20 * time.Second
	// pushAnswerMargin is kept back from the request's deadline for what
	// follows the wait (the audit record, the answer), so that a short
	// server.request_timeout ends in a timed_out outcome, never a 504.
	pushAnswerMargin = 3 * time.Second
)

// OktaVerifyPushArgs are the arguments of okta-verify-push.
type OktaVerifyPushArgs struct {
	OktaUserArgs
	// ID of the push factor to send to; default the user's one ACTIVE push factor.
	Factor string `json:"factor,omitempty" validate:"omitempty,max=64" example:"opfh52xcuft3J4uZc0g3"`
	// Seconds to wait for the user's answer (1-25; default 20). idcmd stops earlier when the request deadline (server.request_timeout) comes first.
	WaitSeconds int `json:"wait_seconds,omitempty" validate:"omitempty,min=1,max=25" default:"20" example:"20"`
}

// OktaVerifyPush sends an Okta Verify push to the user's phone and waits for
// the answer. It is a Write, not a Read: it prompts a person, and repeated
// prompts are the MFA-fatigue attack itself.
var OktaVerifyPush = Spec[OktaVerifyPushArgs, OktaPushVerification]{
	Name:        "okta-verify-push",
	Summary:     "Send an Okta Verify push to a user and wait for their answer",
	Description: "Answers whether the user accepted or rejected the push, or whether it timed out (TimedOutBy says if Okta's push expired or idcmd's wait_seconds ended first). Every call prompts the user's phone.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.PushVerification", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a OktaVerifyPushArgs) (Reply[OktaPushVerification], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaPushVerification]{}, err
		}
		f, err := pushFactor(ctx, c, u, a.Factor)
		if err != nil {
			return Reply[OktaPushVerification]{}, err
		}
		wait := pushWait(ctx, a.WaitSeconds)
		start := time.Now()
		tx, err := c.VerifyPush(ctx, u.ID, f.ID)
		if err != nil {
			return Reply[OktaPushVerification]{}, err
		}
		out := OktaPushVerification{ID: u.ID, Username: u.Profile.Login, FactorID: f.ID, Device: factorDevice(f), ExpiresAt: tx.ExpiresAt}
		deadline := start.Add(wait)
		for poll := tx.Links.Poll.Href; !tx.Done(); {
			if tx.Links.Poll.Href != "" {
				poll = tx.Links.Poll.Href // always the newest poll link, as Okta asks
			}
			if out.Polls > 0 {
				left := time.Until(deadline)
				if left <= 0 {
					break
				}
				if err := sleepCtx(ctx, min(pushPollInterval, left)); err != nil {
					return Reply[OktaPushVerification]{}, err
				}
			}
			next, err := c.PollPush(ctx, u.ID, f.ID, poll)
			if err != nil {
				return Reply[OktaPushVerification]{}, err
			}
			out.Polls++
			tx = next
			if tx.ExpiresAt != nil {
				out.ExpiresAt = tx.ExpiresAt
			}
		}
		out.WaitedSeconds = time.Since(start).Round(100 * time.Millisecond).Seconds()
		out.FactorResult = tx.FactorResult
		var verdict string
		switch tx.FactorResult {
		case okta.PushSuccess:
			out.Outcome, verdict = "accepted", "The user accepted the push."
		case okta.PushRejected:
			out.Outcome, verdict = "rejected", "The user rejected the push: they say it was not them."
		case okta.PushTimeout:
			out.Outcome, out.TimedOutBy, verdict = "timed_out", "okta", "The push expired at Okta without an answer."
		case okta.PushWaiting:
			out.Outcome, out.TimedOutBy = "timed_out", "idcmd"
			verdict = "idcmd stopped waiting after " + strconv.FormatFloat(out.WaitedSeconds, 'f', -1, 64) +
				"s (wait_seconds); the push is still open on the phone until it expires at Okta."
		default:
			return Reply[OktaPushVerification]{}, &upstream.Error{Provider: "okta", Kind: upstream.Unknown,
				Message: "Okta answered the push with factorResult " + strconv.Quote(tx.FactorResult)}
		}
		readable := table("Okta push verification of "+out.Username, []string{"ID", "Username", "Factor", "Device", "Outcome", "Okta result", "Waited (s)"},
			[][]string{{out.ID, out.Username, out.FactorID, out.Device, out.Outcome, out.FactorResult, strconv.FormatFloat(out.WaitedSeconds, 'f', -1, 64)}})
		return Reply[OktaPushVerification]{Outputs: out, Readable: readable + "\n" + verdict + "\n", Raw: rawJSON(tx.Raw)}, nil
	},
}

// pushWait is how long okta-verify-push waits: wait_seconds (default 20),
// and never past the request's deadline less pushAnswerMargin.
func pushWait(ctx context.Context, seconds int) time.Duration {
	wait := defaultPushWait
	if seconds > 0 {
		wait = time.Duration(seconds) * time.Second
	}
	if dl, ok := ctx.Deadline(); ok {
		wait = max(0, min(wait, time.Until(dl)-pushAnswerMargin))
	}
	return wait
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pushFactor is the factor okta-verify-push sends to: the one named (which
// must be an ACTIVE push factor), or the user's only ACTIVE push factor.
func pushFactor(ctx context.Context, c *okta.Client, u *okta.User, factorID string) (*okta.Factor, error) {
	if factorID != "" {
		f, err := resolveOktaFactor(ctx, c, u, factorID)
		if err != nil {
			return nil, err
		}
		switch {
		case f.FactorType != "push":
			return nil, inputError("The factor cannot be verified by push", "body.factor",
				"factor "+f.ID+" is a "+f.FactorType+" factor, not push")
		case f.Status != "ACTIVE":
			return nil, inputError("The factor cannot be verified by push", "body.factor",
				"push factor "+f.ID+" is "+f.Status+", not ACTIVE")
		}
		return f, nil
	}
	fs, err := c.ListFactors(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	var active []okta.Factor
	for _, f := range fs {
		if f.FactorType == "push" && f.Status == "ACTIVE" {
			active = append(active, f)
		}
	}
	switch len(active) {
	case 0:
		return nil, inputError("The user has no push factor to verify", "body.user",
			u.Profile.Login+" has no ACTIVE push factor enrolled")
	case 1:
		return &active[0], nil
	}
	ids := make([]string, 0, len(active))
	for _, f := range active {
		ids = append(ids, f.ID)
	}
	return nil, inputError("Choose the push factor", "body.factor",
		u.Profile.Login+" has "+strconv.Itoa(len(active))+" ACTIVE push factors: "+strings.Join(ids, ", ")+"; pass one as factor")
}

// resolveOktaFactor reads one of the user's factors; an unknown factor ID
// is a 404 naming body.factor.
func resolveOktaFactor(ctx context.Context, c *okta.Client, u *okta.User, factorID string) (*okta.Factor, error) {
	f, err := c.GetFactor(ctx, u.ID, factorID)
	if upstream.IsKind(err, upstream.NotFound) || upstream.IsKind(err, upstream.Invalid) {
		return nil, unknownArgument(Okta, "body.factor", "the user has no factor with this ID; okta-get-user-factors lists them",
			u.Profile.Login+" has no factor "+strconv.Quote(factorID))
	}
	return f, err
}

// factorDevice is the push factor's device name, from its profile.
func factorDevice(f *okta.Factor) string {
	var prof struct {
		Name string `json:"name"`
	}
	if len(f.Profile) > 0 {
		_ = unmarshalJSON(f.Profile, &prof)
	}
	return prof.Name
}

// OktaResetFactorArgs are the arguments of okta-reset-factor.
type OktaResetFactorArgs struct {
	OktaUserArgs
	// ID of the factor to remove (okta-get-user-factors lists them).
	Factor string `json:"factor" validate:"required,max=64" example:"opfh52xcuft3J4uZc0g3"`
}

// OktaResetFactor unenrolls one MFA factor, beside okta-reset-factors
// which removes them all: the user enrolls it again at next sign-in.
var OktaResetFactor = Spec[OktaResetFactorArgs, OktaFactorReset]{
	Name:        "okta-reset-factor",
	Summary:     "Reset (unenroll) one MFA factor of an Okta user",
	Description: "Okta also removes the user's other Okta Verify factors when the factor is an Okta Verify push; RemovedFactor lists every factor gone.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.User", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a OktaResetFactorArgs) (Reply[OktaFactorReset], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaFactorReset]{}, err
		}
		before, err := c.ListFactors(ctx, u.ID)
		if err != nil {
			return Reply[OktaFactorReset]{}, err
		}
		i := slices.IndexFunc(before, func(f okta.Factor) bool { return f.ID == a.Factor })
		if i < 0 {
			return Reply[OktaFactorReset]{}, unknownArgument(Okta, "body.factor", "the user has no factor with this ID; okta-get-user-factors lists them",
				u.Profile.Login+" has no factor "+strconv.Quote(a.Factor))
		}
		if err := c.UnenrollFactor(ctx, u.ID, a.Factor); err != nil {
			return Reply[OktaFactorReset]{}, err
		}
		after, err := c.ListFactors(ctx, u.ID)
		if err != nil {
			return Reply[OktaFactorReset]{}, err
		}
		var removed []okta.Factor
		for _, f := range before {
			if !slices.ContainsFunc(after, func(g okta.Factor) bool { return g.ID == f.ID }) {
				removed = append(removed, f)
			}
		}
		out := OktaFactorReset{ID: u.ID, Username: u.Profile.Login, Action: "reset_factor",
			Factor: oktaFactors(before[i : i+1])[0], Removed: oktaFactors(removed), Remaining: oktaFactors(after)}
		rows := make([][]string, 0, len(out.Removed))
		for _, f := range out.Removed {
			rows = append(rows, []string{f.ID, f.FactorType, f.Provider, f.Status})
		}
		readable := table("Okta MFA factor reset for "+u.Profile.Login, []string{"Removed factor", "Type", "Provider", "Status"}, rows)
		readable += "\n" + strconv.Itoa(len(out.Remaining)) + " factor(s) remain.\n"
		return Reply[OktaFactorReset]{Outputs: out, Readable: readable, Raw: rawList(after, func(f okta.Factor) []byte { return f.Raw })}, nil
	},
}

// unmarshalJSON decodes a provider's raw JSON fragment.
func unmarshalJSON(b []byte, v any) error { return json.Unmarshal(b, v) }
