// Command minfake is the smallest Okta that idcmd's process benchmark can
// call: it answers the two requests okta-get-user and okta-clear-sessions
// make (GET /api/v1/users/{id}, DELETE /api/v1/users/{id}/sessions) for one
// user, with the bytes and headers the full fake (oktatest) sends for its
// seeded demo user, and does nothing else. It is the baseline: the same load
// sent straight to it tells what a call costs without idcmd, so idcmd's CPU
// and latency can be read beside it in the same run.
//
// It listens on 127.0.0.1 on a free port and prints "listening <url> <user id>
// <token>" on stdout once it serves.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// HookSecret is the event hook secret the intake benchmark sends to both
// minfake's sink and idcmd (okta.webhook_secret).
const HookSecret = "bench-hook-secret-0123456789"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "minfake:", err)
		os.Exit(1)
	}
}

func run() error {
	id, body, err := demoUser()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	userPath := "/api/v1/users/" + id
	auth := "SSWS " + oktatest.DefaultToken
	mux := http.NewServeMux()
	// Okta's rate-limit headers, fixed: the client reads them on every
	// answer, so a baseline without them would be cheaper than Okta.
	limits := func(h http.Header) {
		h["X-Rate-Limit-Limit"] = []string{"600"}
		h["X-Rate-Limit-Remaining"] = []string{"599"}
		h["X-Rate-Limit-Reset"] = []string{"4102444800"}
	}
	mux.HandleFunc("GET "+userPath, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != auth {
			http.Error(w, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`, http.StatusUnauthorized)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		limits(h)
		_, _ = w.Write(body)
	})
	mux.HandleFunc("DELETE "+userPath+"/sessions", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != auth {
			http.Error(w, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`, http.StatusUnauthorized)
			return
		}
		limits(w.Header())
		w.WriteHeader(http.StatusNoContent)
	})
	// The intake benchmark's baseline: a receiver that checks the hook's
	// secret, reads the whole delivery and answers 204, storing nothing.
	mux.HandleFunc("POST /hook-sink", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != HookSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	fmt.Printf("listening http://%s %s %s\n", ln.Addr(), id, oktatest.DefaultToken)
	return http.Serve(ln, mux)
}

// demoUser is the full fake's seeded active user, as it serves it: its ID and
// the exact body of GET /api/v1/users/{id}.
func demoUser() (string, []byte, error) {
	full := oktatest.NewServer(oktatest.Options{Seed: true})
	defer full.Close()
	id, ok := full.Org().UserID(oktatest.DemoActiveUser)
	if !ok {
		return "", nil, fmt.Errorf("the full fake has no %s", oktatest.DemoActiveUser)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, full.URL+"/api/v1/users/"+id, nil)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Authorization", "SSWS "+full.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("the full fake answered %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	return id, body, err
}
