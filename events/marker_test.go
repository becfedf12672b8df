package events

import "testing"

func TestSubjectRoundTrips(t *testing.T) {
	s := Subject{Provider: "okta", UserID: "00u1abcdEFGH", Login: "jdoe@example.com"}
	if got, ok := ParseLabel(s.Label()); !ok || got.Provider != s.Provider || got.UserID != s.UserID {
		t.Errorf("ParseLabel(%q) = %+v, %v", s.Label(), got, ok)
	}
	text := "Nine rejected pushes from RU " + s.Tag()
	if got, ok := ParseTag(text); !ok || got != s {
		t.Errorf("ParseTag(%q) = %+v, %v", text, got, ok)
	}
}

func TestSubjectRefusesLookalikes(t *testing.T) {
	for _, v := range []string{"", "okta:", "azure:00u1", "okta:00u1 extra", "okta:../admin"} {
		if _, ok := ParseLabel(v); ok {
			t.Errorf("ParseLabel(%q) accepted", v)
		}
	}
	for _, v := range []string{"[idcmd user=azure:1]", "idcmd user=okta:00u1", "[idcmd user=okta:]"} {
		if _, ok := ParseTag(v); ok {
			t.Errorf("ParseTag(%q) accepted", v)
		}
	}
}
