package commands

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// demoUserJSON is the fake org's demo user as GET /api/v1/users/{id}
// answers it.
const demoUserJSON = `{"id":"00uYGx8xdERYuGdNdEjE","status":"ACTIVE","created":"2025-03-30T12:36:14.000Z","activated":"2025-03-30T12:36:14.000Z","statusChanged":"2025-03-30T12:36:14.000Z","lastLogin":"2026-12-01T14:43:38.000Z","lastUpdated":"2025-03-30T12:36:14.000Z","passwordChanged":"2025-03-30T12:36:14.000Z","type":{"id":"oty4klvX8rib8CJTSvp1"},"profile":{"city":"New York","countryCode":"US","department":"Engineering","displayName":"John Doe","email":"jdoe@example.com","employeeNumber":"E1010","firstName":"John","lastName":"Doe","login":"jdoe@example.com","manager":"Rachel Okonkwo","managerId":"00uMlXsMJmkDBpZZ2GEB","mobilePhone":"+14155550134","organization":"Example Corp","secondEmail":null,"state":"NY","title":"Senior Software Engineer","userType":"Employee"},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"deactivate":{"href":"http://127.0.0.1:36617/api/v1/users/00uYGx8xdERYuGdNdEjE/lifecycle/deactivate","method":"POST"},"expirePassword":{"href":"http://127.0.0.1:36617/api/v1/users/00uYGx8xdERYuGdNdEjE/lifecycle/expire_password","method":"POST"},"resetFactors":{"href":"http://127.0.0.1:36617/api/v1/users/00uYGx8xdERYuGdNdEjE/lifecycle/reset_factors","method":"POST"},"resetPassword":{"href":"http://127.0.0.1:36617/api/v1/users/00uYGx8xdERYuGdNdEjE/lifecycle/reset_password","method":"POST"},"schema":{"href":"http://127.0.0.1:36617/api/v1/meta/schemas/user/oty4klvX8rib8CJTSvp1"},"self":{"href":"http://127.0.0.1:36617/api/v1/users/00uYGx8xdERYuGdNdEjE"},"suspend":{"href":"http://127.0.0.1:36617/api/v1/users/00uYGx8xdERYuGdNdEjE/lifecycle/suspend","method":"POST"},"type":{"href":"http://127.0.0.1:36617/api/v1/meta/types/user/oty4klvX8rib8CJTSvp1"}}}`

func demoResult() *Result {
	at := func(s string) *time.Time { t, _ := time.Parse(time.RFC3339, s); return &t }
	u := OktaUser{ID: "00uYGx8xdERYuGdNdEjE", Username: "jdoe@example.com", Email: "jdoe@example.com", DisplayName: "John Doe",
		FirstName: "John", LastName: "Doe", Status: "ACTIVE", Department: "Engineering", Title: "Senior Software Engineer",
		Manager: "Rachel Okonkwo", Created: at("2025-03-30T12:36:14Z"), Activated: at("2025-03-30T12:36:14Z"),
		StatusChanged: at("2025-03-30T12:36:14Z"), LastLogin: at("2026-12-01T14:43:38Z"), PasswordChanged: at("2025-03-30T12:36:14Z")}
	return &Result{ResultMeta: ResultMeta{Command: "okta-get-user", RequestID: "6f1c2d0e-6d1b-4c53-9a4e-2b9f0c1e7a10",
		OutputsPrefix: "Okta.User", OutputsKeyField: "ID", ReadableOutput: table("Okta user "+u.Username, userHeaders, [][]string{userRow(u)}),
		RawResponse: rawJSON(demoUserJSON)}, Outputs: u}
}

// BenchmarkAnswer encodes okta-get-user's answer as c.JSON did (the
// Encoder) and as the handler does now (AnswerJSON).
func BenchmarkAnswer(b *testing.B) {
	res := demoResult()
	b.Run("encoder", func(b *testing.B) {
		b.ReportAllocs()
		var w bytes.Buffer
		for b.Loop() {
			w.Reset()
			if err := json.NewEncoder(&w).Encode(res); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("now", func(b *testing.B) {
		b.ReportAllocs()
		var w bytes.Buffer
		var buf []byte // the handler's pooled buffer
		for b.Loop() {
			w.Reset()
			out, err := res.AppendAnswerJSON(buf[:0])
			if err != nil {
				b.Fatal(err)
			}
			buf = out
			w.Write(out)
		}
	})
}

// BenchmarkUserTable renders okta-get-user's war-room table (the escaping
// of its cells had fast paths added for the common case: nothing to escape;
// TestEscapeCellFastPaths checks they change no output).
func BenchmarkUserTable(b *testing.B) {
	row := userRow(demoResult().Outputs.(OktaUser))
	b.ReportAllocs()
	for b.Loop() {
		_ = table("Okta user jdoe@example.com", userHeaders, [][]string{row})
	}
}

// BenchmarkCompactAndHTMLSafe scans the demo user (1.7 KB), as every
// okta-get-user answer scans its raw_response.
func BenchmarkCompactAndHTMLSafe(b *testing.B) {
	raw := []byte(demoUserJSON)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if !compactAndHTMLSafe(raw) {
			b.Fatal("the demo user needs the Encoder's work")
		}
	}
}
