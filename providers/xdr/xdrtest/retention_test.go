package xdrtest

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

func comment(t *testing.T, s *Server, id, text string) {
	t.Helper()
	status, body := post(t, s, pathUpdate, goodAuth(s), `{"request_data":{"incident_id":"`+id+`","update_data":{"comment":{"comment_action":"add","value":"`+text+`"}}}}`)
	if status != 200 {
		t.Fatalf("comment %s: %d %v", text, status, body)
	}
}

func commentTexts(cs []Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Text
	}
	return out
}

// TestCommentsKeepTheNewestMaxAcrossIncidents: MaxComments bounds the
// comments of all incidents together; past it the oldest comment goes,
// whichever incident holds it, and the incidents stay.
func TestCommentsKeepTheNewestMaxAcrossIncidents(t *testing.T) {
	s, _ := newTestServer(t, Options{MaxComments: 5})
	SeedDemo(s)
	a, b := s.Incidents()[0].ID, s.Incidents()[1].ID
	for i := 1; i <= 4; i++ {
		comment(t, s, a, "c"+strconv.Itoa(i))
	}
	comment(t, s, b, "c5")
	comment(t, s, b, "c6") // c1 goes
	comment(t, s, a, "c7") // c2 goes
	if got := commentTexts(s.Comments(a)); !slices.Equal(got, []string{"c3", "c4", "c7"}) {
		t.Errorf("incident %s: %v", a, got)
	}
	if got := commentTexts(s.Comments(b)); !slices.Equal(got, []string{"c5", "c6"}) {
		t.Errorf("incident %s: %v", b, got)
	}
	if n := len(s.Incidents()); n != 6 {
		t.Errorf("%d incidents, want the 6 seeded", n)
	}
}

// TestAlertsRetention: past MaxAlerts the oldest alerts go first, and an
// alert is dropped 180 days after it was received (XDR's alert
// retention), whether or not anything is inserted meanwhile.
func TestAlertsRetention(t *testing.T) {
	s, clk := newTestServer(t, Options{MaxAlerts: 100})
	insert := func(n int) {
		t.Helper()
		if status, body := post(t, s, pathInsert, goodAuth(s), alertsBody(n, alertJSON(""))); status != 200 {
			t.Fatalf("insert %d: %d %v", n, status, body)
		}
	}
	requests := func() []int {
		var out []int
		for _, a := range s.Alerts() {
			if len(out) == 0 || out[len(out)-1] != a.Request {
				out = append(out, a.Request)
			}
		}
		return out
	}
	insert(60)
	clk.Advance(time.Hour) // the per-minute window
	insert(60)             // 120: the 20 oldest of request 1 go
	if got := s.Alerts(); len(got) != 100 || got[0].Request != 1 || got[40].Request != 2 {
		t.Fatalf("%d alerts kept, first from request %d; want 100, 40 from request 1", len(got), got[0].Request)
	}
	clk.Advance(180*24*time.Hour - 2*time.Hour)
	insert(10)
	if got := requests(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("before 180 days: alerts of requests %v", got)
	}
	clk.Advance(time.Hour + time.Second) // request 1 is 180 days old
	if got := requests(); !slices.Equal(got, []int{2, 3}) || len(s.Alerts()) != 70 {
		t.Errorf("after 180 days: alerts of requests %v (%d), want 2 and 3 (70)", got, len(s.Alerts()))
	}
}
