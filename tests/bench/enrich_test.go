package bench

import (
	"context"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/pingone"
)

// upstreamLatency is how long each fake takes to answer any call.
const upstreamLatency = 50 * time.Millisecond

// BenchmarkEnrichUser measures enrich-user (by user ID) against fakes that
// answer each call after 50 ms, beside, in the same run, the same calls
// made one after another as the SOPs' scripts make them, and one single
// command (okta-get-user, pingone-get-user) through idcmd. The
// vs-one-call metric is enrich's ns/op over the single command's: the
// issue's target is at most 1.2 for Okta. PingOne's risk evaluations are
// named by its audit activities, so they can only be read after them: two
// rounds, about 2.
func BenchmarkEnrichUser(b *testing.B) {
	r := newRig(b)
	r.fake.SetLatency(upstreamLatency)
	r.pingone.SetLatency(upstreamLatency)
	ctx := context.Background()
	oc, err := okta.New(okta.Config{BaseURL: r.fake.URL, APIToken: r.fake.Token})
	if err != nil {
		b.Fatal(err)
	}
	pc, err := pingone.New(pingone.Config{EnvironmentID: r.pingone.EnvironmentID, ClientID: r.pingone.ClientID,
		ClientSecret: r.pingone.ClientSecret, APIURL: r.pingone.URL, AuthURL: r.pingone.AuthURL})
	if err != nil {
		b.Fatal(err)
	}
	window := func() (time.Time, time.Time) { now := time.Now().UTC(); return now.Add(-24 * time.Hour), now }
	providers := []struct {
		name, one, enrich string
		serial            func() error
	}{
		{"okta", "okta-get-user", `{"provider":"okta","user":"` + r.userID + `"}`, func() error {
			id := r.userID
			since, until := window()
			steps := []func() error{
				func() error { _, err := oc.GetUser(ctx, id); return err },
				func() error { _, err := oc.ListUserGroups(ctx, id); return err },
				func() error { _, err := oc.ListUserRoles(ctx, id); return err },
				func() error { _, err := oc.ListAppLinks(ctx, id); return err },
				func() error { _, err := oc.ListFactors(ctx, id); return err },
				func() error {
					_, _, err := oc.ListLogs(ctx, okta.LogQuery{Filter: `(actor.id eq "` + id + `" or target.id eq "` + id + `")`,
						Since: since, Until: until, SortOrder: "DESCENDING", Limit: 1000})
					return err
				},
			}
			for _, s := range steps {
				if err := s(); err != nil {
					return err
				}
			}
			return nil
		}},
		{"pingone", "pingone-get-user", `{"provider":"pingone","user":"` + r.p1User + `"}`, func() error {
			id := r.p1User
			since, until := window()
			steps := []func() error{
				func() error { _, err := pc.GetUser(ctx, id); return err },
				func() error { _, err := pc.ListGroupMemberships(ctx, id); return err },
				func() error { _, err := pc.ListRoleAssignments(ctx, id); return err },
				func() error { _, err := pc.ListDevices(ctx, id); return err },
				func() error { _, err := pc.ListSessions(ctx, id); return err },
				func() error {
					_, _, err := pc.ListActivities(ctx, pingone.ActivityQuery{Since: since, Until: until, ActorUserID: id, Limit: 1000})
					return err
				},
				func() error {
					_, _, err := pc.ListActivities(ctx, pingone.ActivityQuery{Since: since, Until: until, ResourceID: id, Limit: 1000})
					return err
				},
			}
			for _, s := range steps {
				if err := s(); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, p := range providers {
		var oneCall float64
		b.Run(p.name+"/one-call", func(b *testing.B) {
			body := `{"user":"` + map[string]string{"okta": r.userID, "pingone": r.p1User}[p.name] + `"}`
			for b.Loop() {
				if err := r.via(p.one, body); err != nil {
					b.Fatal(err)
				}
			}
			oneCall = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(p.name+"/serial", func(b *testing.B) {
			for b.Loop() {
				if err := p.serial(); err != nil {
					b.Fatal(err)
				}
			}
			if oneCall > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/oneCall, "vs-one-call")
			}
		})
		b.Run(p.name+"/enrich", func(b *testing.B) {
			for b.Loop() {
				if err := r.via("enrich-user", p.enrich); err != nil {
					b.Fatal(err)
				}
			}
			if oneCall > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/oneCall, "vs-one-call")
			}
		})
	}
}
