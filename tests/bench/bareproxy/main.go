// Command bareproxy is the floor BenchmarkProcess measures idcmd against: a
// Go net/http server that answers okta-get-user and okta-clear-sessions by
// making the same Okta requests idcmd makes, through idcmd's provider
// transport (providers/httpx), and sending Okta's body back. It authenticates no one, validates nothing,
// audits nothing and logs nothing: what it costs is what receiving one
// request, making the Okta calls and answering cost in Go, so idcmd's own
// work is what idcmd costs above it.
//
// It takes idcmd's serve flags and environment (OKTA_BASE_URL,
// OKTA_API_TOKEN; --addr) and logs idcmd's "idcmd listening" line, so the
// benchmark starts it as it starts idcmd.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/idcmd/idcmd/providers/httpx"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bareproxy:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	fs.String("config", "", "ignored: bareproxy has no configuration")
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := fs.Parse(os.Args[2:]); err != nil {
			return err
		}
	}
	okta := oktaClient{base: os.Getenv("OKTA_BASE_URL"), auth: "SSWS " + os.Getenv("OKTA_API_TOKEN")}
	okta.http = httpx.New(httpx.Config{Provider: "okta"})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/commands/okta-get-user", func(w http.ResponseWriter, r *http.Request) {
		okta.answer(w, userOf(r), false)
	})
	mux.HandleFunc("POST /api/v1/commands/okta-clear-sessions", func(w http.ResponseWriter, r *http.Request) {
		okta.answer(w, userOf(r), true)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Printf("{\"msg\":\"idcmd listening\",\"addr\":%q}\n", ln.Addr().String())
	return http.Serve(ln, mux)
}

// userOf is the "user" member of the request's JSON body.
func userOf(r *http.Request) string {
	var args struct {
		User string `json:"user"`
	}
	_ = json.NewDecoder(r.Body).Decode(&args)
	return args.User
}

type oktaClient struct {
	base, auth string
	http       *httpx.Client
}

// answer sends the user's Okta object back; with clear, it first makes the
// two other requests okta-clear-sessions makes (read the user, end its
// sessions).
func (c oktaClient) answer(w http.ResponseWriter, user string, clear bool) {
	path := "/api/v1/users/" + user
	if clear {
		for _, step := range []struct{ method, path string }{{http.MethodGet, path}, {http.MethodDelete, path + "/sessions"}} {
			if _, err := c.do(step.method, step.path); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
	}
	body, err := c.do(http.MethodGet, path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (c oktaClient) do(method, path string) ([]byte, error) {
	resp, err := c.http.Do(context.Background(), &httpx.Request{Method: method, URL: c.base + path,
		Header: http.Header{"Authorization": {c.auth}, "Accept": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	body, err := httpx.BodyBytes(resp)
	if err == nil && resp.StatusCode/100 != 2 {
		err = fmt.Errorf("okta: %s %s: %s", method, path, resp.Status)
	}
	return body, err
}
