package xsoartest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

func addEntries(t *testing.T, srv *Server, inv string, from, n int) {
	t.Helper()
	auth := http.Header{"Authorization": {srv.APIKey}}
	for i := from; i < from+n; i++ {
		if r := send(t, srv, "/entry", auth, `{"investigationId":"`+inv+`","data":"e`+strconv.Itoa(i)+`"}`); r.status != 200 {
			t.Fatalf("entry %d: %d %s", i, r.status, r.body)
		}
	}
}

func entryTexts(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Markdown
	}
	return out
}

func texts(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, "e"+strconv.Itoa(i))
	}
	return out
}

// TestEntriesKeepTheNewestMaxAcrossWarRooms: MaxEntries bounds the entries
// of all war rooms together; past it the oldest entry goes, whichever war
// room holds it, and the entry IDs of those kept do not change (new ones
// are not reused either).
func TestEntriesKeepTheNewestMaxAcrossWarRooms(t *testing.T) {
	srv := NewServer(Options{MaxEntries: 10})
	defer srv.Close()
	SeedDemo(srv)
	a, b := srv.Incidents()[0].ID, srv.Incidents()[1].ID
	addEntries(t, srv, a, 1, 6)  // a: e1..e6
	addEntries(t, srv, b, 7, 6)  // b: e7..e12; e1, e2 dropped
	addEntries(t, srv, a, 13, 3) // a: e13..e15; e3..e5 dropped
	if got := entryTexts(srv.Entries(a)); !slices.Equal(got, []string{"e6", "e13", "e14", "e15"}) {
		t.Errorf("war room %s holds %v", a, got)
	}
	if got := entryTexts(srv.Entries(b)); !slices.Equal(got, texts(7, 12)) {
		t.Errorf("war room %s holds %v", b, got)
	}
	if got := srv.Entries(a); got[0].ID != "6@"+a || got[3].ID != "9@"+a {
		t.Errorf("entry IDs after drops: %s ... %s, want 6@%s ... 9@%s", got[0].ID, got[3].ID, a, a)
	}
	// A dropped entry is unknown to the API, as a deleted one is.
	auth := http.Header{"Authorization": {srv.APIKey}}
	if r := send(t, srv, "/entry/note", auth, `{"id":"1@`+a+`","version":-1,"investigationId":"`+a+`","data":"true"}`); r.status != 400 {
		t.Errorf("note on a dropped entry: %d %s, want 400", r.status, r.body)
	}
	// The demo incidents themselves are retained.
	if n := len(srv.Incidents()); n != 5 {
		t.Errorf("%d incidents after the entry cap, want the 5 seeded", n)
	}
}

// TestIncidentsRetention: an incident created over the API is deleted with
// its war room 180 days after it was created (XSOAR 8's default), and past
// MaxIncidents the oldest goes first; the retained demo incidents stay.
func TestIncidentsRetention(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	srv := NewServer(Options{Now: clk.Now, MaxIncidents: 3})
	defer srv.Close()
	SeedDemo(srv)
	auth := http.Header{"Authorization": {srv.APIKey}}
	create := func(name string) string {
		t.Helper()
		r := send(t, srv, "/incident", auth, `{"name":"`+name+`","createInvestigation":true}`)
		var in incidentWire
		if r.status != 200 || json.Unmarshal(r.body, &in) != nil {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		return in.ID
	}
	names := func() []string {
		var out []string
		for _, in := range srv.Incidents() {
			out = append(out, in.Name)
		}
		return out
	}
	seeded := names()
	first := create("c1")
	addEntries(t, srv, first, 1, 2)
	for _, n := range []string{"c2", "c3", "c4"} {
		clk.Advance(time.Hour)
		create(n)
	}
	if got := names(); !slices.Equal(got, append(slices.Clone(seeded), "c2", "c3", "c4")) {
		t.Fatalf("with MaxIncidents 3: %v", got)
	}
	if _, ok := srv.Incident(first); ok || srv.Entries(first) != nil {
		t.Errorf("the oldest created incident or its war room is still there")
	}
	if r := send(t, srv, "/entry", auth, `{"investigationId":"`+first+`","data":"late"}`); r.status != 400 {
		t.Errorf("entry to a deleted incident: %d %s, want 400", r.status, r.body)
	}
	if got := create("c5"); got != "10" { // c2 goes: c3, c4, c5 are kept
		t.Errorf("the next incident ID is %s, want 10: IDs are not reused", got)
	}

	// c3 was created an hour before this point; the seeded ones 3 hours.
	clk.Advance(180*24*time.Hour - time.Hour - time.Second)
	if got := names(); !slices.Equal(got, append(slices.Clone(seeded), "c3", "c4", "c5")) {
		t.Fatalf("a second before c3 is 180 days old: %v", got)
	}
	clk.Advance(2 * time.Second)
	if got := names(); !slices.Equal(got, append(slices.Clone(seeded), "c4", "c5")) {
		t.Errorf("after 180 days: %v, want the retained seeded ones, c4 and c5", got)
	}
}
