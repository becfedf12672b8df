package pingonetest

import (
	"cmp"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Activity is an audit activity (PingOne's /activities), for
// Env.AppendActivities and Env.Activities. Only Type is required.
type Activity struct {
	// ID is generated when empty.
	ID string
	// RecordedAt defaults to the clock's now; it is kept to milliseconds.
	RecordedAt time.Time
	// CorrelationID ties the activities of one flow or API call together;
	// generated when empty.
	CorrelationID string
	// Type is action.type, e.g. "PASSWORD.CHECK_FAILED".
	Type string
	// Description is action.description; derived from Type when empty
	// ("Password Check Failed").
	Description string
	// Result is ResultSuccess (default) or ResultFailed.
	Result            string
	ResultDescription string
	// UserID is actors.user: a user ID or username of this environment
	// (other values are kept as they are). Empty for none.
	UserID string
	// ClientID is actors.client: an application ID. Empty for none.
	ClientID string
	// Resources are what the activity is about; by default the actor user.
	// Names and populations of known users, groups and applications are
	// filled in.
	Resources []ActivityResource
	// IP and UserAgent are the source of the request, when known.
	IP, UserAgent string
	Tags          []string
}

// ActivityResource is one of an activity's resources.
type ActivityResource struct {
	// Type is USER, GROUP, APPLICATION, SESSION, RISK_EVALUATION...
	Type, ID, Name string
}

// Activity results (result.status).
const (
	ResultSuccess = "SUCCESS"
	ResultFailed  = "FAILED"
)

// storedActivity is an activity with its references resolved.
type storedActivity struct {
	seq uint64
	// seeded marks the demo environment's history, which the stories rely
	// on: the count cap drops it only when nothing else is left.
	seeded    bool
	act       Activity
	user      *actorRef // actors.user
	client    *actorRef // actors.client
	resources []resourceRef
}

type actorRef struct {
	id, name, popID string
}

type resourceRef struct {
	typ, id, name, popID string
}

// activityLog holds the audit trail ordered by (recordedAt, seq): at most
// max activities, none older than PingOne serves (retention.go).
type activityLog struct {
	list   []*storedActivity
	byID   map[string]*storedActivity
	byUser map[string][]*storedActivity // actor user ID → activities, for risk scoring
	seq    uint64
	max    int
}

func (l *activityLog) init() {
	l.byID = map[string]*storedActivity{}
	l.byUser = map[string][]*storedActivity{}
	l.max = DefaultMaxActivities
}

func compareActivities(a, b *storedActivity) int {
	if c := a.act.RecordedAt.Compare(b.act.RecordedAt); c != 0 {
		return c
	}
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// AppendActivities adds activities to the audit trail, for tests that
// arrange a history. Missing IDs, times and descriptions are filled in.
func (e *Env) AppendActivities(acts ...Activity) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for _, a := range acts {
		e.appendActivityLocked(a, now)
	}
}

// Activities returns a copy of the audit trail, oldest first.
func (e *Env) Activities() []Activity {
	e.expireActivities()
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Activity, len(e.activities.list))
	for i, sa := range e.activities.list {
		out[i] = sa.act
		out[i].Resources = slices.Clone(sa.act.Resources)
		out[i].Tags = slices.Clone(sa.act.Tags)
	}
	return out
}

// ActivityCount returns the number of audit activities.
func (e *Env) ActivityCount() int {
	e.expireActivities()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.activities.list)
}

func (e *Env) appendActivityLocked(a Activity, now time.Time) *storedActivity {
	if a.ID == "" {
		a.ID = seededUUID(e.rng)
	}
	if a.RecordedAt.IsZero() {
		a.RecordedAt = now
	}
	a.RecordedAt = a.RecordedAt.UTC().Truncate(time.Millisecond)
	if a.CorrelationID == "" {
		a.CorrelationID = seededUUID(e.rng)
	}
	if a.Result == "" {
		a.Result = ResultSuccess
	}
	if a.Description == "" {
		a.Description = describeAction(a.Type)
	}
	sa := &storedActivity{act: a, seeded: e.seeding}
	if a.UserID != "" {
		sa.user = &actorRef{id: a.UserID, name: a.UserID}
		if u := e.resolveLocked(a.UserID); u != nil {
			sa.user = &actorRef{id: u.id, name: u.username, popID: u.population.id}
			sa.act.UserID = u.id
		}
	}
	if a.ClientID != "" {
		sa.client = &actorRef{id: a.ClientID, name: a.ClientID}
		if app := e.apps[a.ClientID]; app != nil {
			sa.client.name = app.name
		}
	}
	if len(a.Resources) == 0 && sa.user != nil {
		sa.act.Resources = []ActivityResource{{Type: "USER", ID: sa.user.id}}
	}
	for _, res := range sa.act.Resources {
		sa.resources = append(sa.resources, e.resolveResourceLocked(res))
	}
	l := &e.activities
	l.seq++
	sa.seq = l.seq
	i, _ := slices.BinarySearchFunc(l.list, sa, compareActivities)
	l.list = slices.Insert(l.list, i, sa)
	l.byID[a.ID] = sa
	if sa.user != nil {
		l.byUser[sa.user.id] = append(l.byUser[sa.user.id], sa)
	}
	e.retainActivitiesLocked(now)
	if e.observe != nil {
		e.observe(sa)
	}
	return sa
}

func (e *Env) resolveResourceLocked(res ActivityResource) resourceRef {
	ref := resourceRef{typ: res.Type, id: res.ID, name: res.Name}
	switch res.Type {
	case "USER":
		if u := e.resolveLocked(res.ID); u != nil {
			ref.id, ref.popID = u.id, u.population.id
			ref.name = cmp.Or(ref.name, u.username)
		}
	case "GROUP":
		if g := e.groups[res.ID]; g != nil {
			ref.name = cmp.Or(ref.name, g.name)
		}
	case "APPLICATION":
		if a := e.apps[res.ID]; a != nil {
			ref.name = cmp.Or(ref.name, a.name)
		}
	}
	return ref
}

// describeAction derives PingOne's action description from the type:
// "PASSWORD.CHECK_FAILED" → "Password Check Failed".
func describeAction(typ string) string {
	words := strings.FieldsFunc(typ, func(r rune) bool { return r == '.' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
	}
	return strings.Join(words, " ")
}

// recordAPIActivityLocked records an activity caused by an API call of the
// worker application on u (nil if the activity concerns no user), with the
// request's correlation ID, source address and user agent.
func (s *Server) recordAPIActivityLocked(r *http.Request, c *call, typ, result string, u *user, extra ...ActivityResource) {
	var res []ActivityResource
	if u != nil {
		res = append(res, ActivityResource{Type: "USER", ID: u.id})
	}
	s.env.appendActivityLocked(Activity{
		RecordedAt:        c.now,
		CorrelationID:     c.correlationID,
		Type:              typ,
		ResultDescription: result,
		ClientID:          s.env.worker.id,
		Resources:         append(res, extra...),
		IP:                remoteIP(r),
		UserAgent:         r.UserAgent(),
		Tags:              []string{"adminIdentityEvent"},
	}, c.now)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// activityJSON is the wire shape of an audit activity (the spec leaves it
// untyped; fields per PingOne's activity data model).
type activityJSON struct {
	Links         links          `json:"_links"`
	ID            string         `json:"id"`
	RecordedAt    string         `json:"recordedAt"`
	CreatedAt     string         `json:"createdAt"`
	CorrelationID string         `json:"correlationId"`
	Actors        actorsJSON     `json:"actors"`
	Action        actionJSON     `json:"action"`
	Resources     []resourceJSON `json:"resources"`
	Result        resultJSON     `json:"result"`
	Source        *sourceJSON    `json:"source,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
}

type actorsJSON struct {
	Client *actorJSON `json:"client,omitempty"`
	User   *actorJSON `json:"user,omitempty"`
}

type actorJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Environment idRef  `json:"environment"`
	Population  *idRef `json:"population,omitempty"`
	Href        string `json:"href"`
}

type actionJSON struct {
	Type        string `json:"type"`
	Description string `json:"description"`
}

type resourceJSON struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Environment idRef  `json:"environment"`
	Population  *idRef `json:"population,omitempty"`
	Href        string `json:"href,omitempty"`
}

type resultJSON struct {
	Status      string `json:"status"`
	Description string `json:"description,omitempty"`
}

type sourceJSON struct {
	IPAddress string `json:"ipAddress,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// resourcePaths are the API collections hrefs point into, by resource
// type.
var resourcePaths = map[string]string{
	"USER": "/users/", "GROUP": "/groups/", "APPLICATION": "/applications/",
	"RISK_EVALUATION": "/riskEvaluations/", "POPULATION": "/populations/",
}

func (s *Server) renderActivity(r *http.Request, sa *storedActivity) activityJSON {
	env := idRef{ID: s.EnvironmentID}
	pop := func(id string) *idRef {
		if id == "" {
			return nil
		}
		return &idRef{ID: id}
	}
	a := sa.act
	j := activityJSON{
		Links:         links{"self": {Href: s.envURL(r, "/activities/"+a.ID)}},
		ID:            a.ID,
		RecordedAt:    formatTime(a.RecordedAt),
		CreatedAt:     formatTime(a.RecordedAt),
		CorrelationID: a.CorrelationID,
		Action:        actionJSON{Type: a.Type, Description: a.Description},
		Result:        resultJSON{Status: a.Result, Description: a.ResultDescription},
		Resources:     make([]resourceJSON, 0, len(sa.resources)),
		Tags:          a.Tags,
	}
	if sa.client != nil {
		j.Actors.Client = &actorJSON{
			ID: sa.client.id, Name: sa.client.name, Type: "CLIENT", Environment: env,
			Href: s.envURL(r, "/applications/"+sa.client.id),
		}
	}
	if sa.user != nil {
		j.Actors.User = &actorJSON{
			ID: sa.user.id, Name: sa.user.name, Type: "USER", Environment: env, Population: pop(sa.user.popID),
			Href: s.envURL(r, "/users/"+sa.user.id),
		}
	}
	for _, res := range sa.resources {
		rj := resourceJSON{Type: res.typ, ID: res.id, Name: res.name, Environment: env, Population: pop(res.popID)}
		if p, ok := resourcePaths[res.typ]; ok {
			rj.Href = s.envURL(r, p+res.id)
		}
		j.Resources = append(j.Resources, rj)
	}
	if a.IP != "" || a.UserAgent != "" {
		j.Source = &sourceJSON{IPAddress: a.IP, UserAgent: a.UserAgent}
	}
	return j
}
