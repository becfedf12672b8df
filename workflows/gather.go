package workflows

import (
	"context"
	"sync"
)

// gather runs the parts of an enrichment at once, so the whole takes about
// as long as its slowest read, and collects the parts that failed: a part
// that fails is reported missing, never the end of the others.
type gather struct {
	ctx     context.Context
	wg      sync.WaitGroup
	mu      sync.Mutex
	missing []MissingPart
}

func newGather(ctx context.Context) *gather { return &gather{ctx: ctx} }

// part runs read in its own goroutine; an error makes part missing.
func (g *gather) part(name string, read func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := read(g.ctx); err != nil {
			g.miss(name, err.Error())
		}
	}()
}

// miss reports a part missing.
func (g *gather) miss(part, why string) {
	if len(why) > 300 {
		why = why[:300] + "..."
	}
	g.mu.Lock()
	g.missing = append(g.missing, MissingPart{Part: part, Error: why})
	g.mu.Unlock()
}

// wait waits for every part and returns the missing ones, in the order of
// parts (a stable answer whatever finished first).
func (g *gather) wait(order []string) []MissingPart {
	g.wg.Wait()
	out := make([]MissingPart, 0, len(g.missing))
	for _, name := range order {
		for _, m := range g.missing {
			if m.Part == name {
				out = append(out, m)
			}
		}
	}
	return out
}

// partOrder is the order parts are reported in.
var partOrder = []string{"user", "groups", "roles", "apps", "factors", "devices", "sessions", "events", "provider_risk"}
