package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"
	"golang.org/x/net/http/httpproxy"
)

// fastTransport is the http.RoundTripper a Client uses when its Config
// brings no *http.Client: the requests go over fasthttp's client, which
// writes a request and reads its answer in the caller's goroutine. net/http's
// Transport hands each request to a writer goroutine and each answer back
// from a reader goroutine, which cost BenchmarkProcess's floor a fifth of
// its CPU per call. Every provider answer is read whole anyway (attempt),
// so nothing of net/http's streaming is lost.
//
// What it keeps of net/http's Transport: connections kept alive and pooled
// per host, HTTP_PROXY/HTTPS_PROXY/NO_PROXY from the environment (loopback is
// never proxied), gzip asked for and decoded, the escaped path sent as
// written, every value of a repeated header (Okta's Link pages), no
// redirects followed, a request cut off as soon as its context ends, and a
// request re-sent once when a kept-alive connection turns out closed before
// any answer, if re-sending it is safe (see replayable).
type fastTransport struct {
	client  *fasthttp.Client
	maxBody int64
}

// attemptCall is what exchange needs to know of an attempt and fasthttp's
// RoundTripper does not pass: its context, and when it must end (the
// sooner of the context's deadline and the attempt's own bound; zero:
// never). It travels as a user value of fasthttp's request (attemptKey).
type attemptCall struct {
	ctx      context.Context
	deadline time.Time
}

type attemptKey struct{}

const (
	// dialTimeout is net/http's DefaultTransport's.
	dialTimeout = 30 * time.Second
	// idleConnTimeout closes a kept-alive connection unused this long, well
	// before the usual server-side keep-alive (60 s and more), so a pooled
	// connection is rarely one the server has just closed.
	idleConnTimeout = 30 * time.Second
	// headerBufferSize bounds a response's status line and headers, as
	// net/http's MaxResponseHeaderBytes does (there 10 MiB; provider APIs
	// send a few KiB). fasthttp keeps a buffer this size per connection.
	headerBufferSize = 64 << 10
)

func newFastTransport(maxBody int64) *fastTransport {
	t := &fastTransport{maxBody: maxBody}
	t.client = &fasthttp.Client{
		Name:                   "idcmd",
		MaxConnsPerHost:        4096,
		MaxConnWaitTimeout:     dialTimeout,
		MaxIdleConnDuration:    idleConnTimeout,
		MaxResponseBodySize:    int(min(maxBody, math.MaxInt32)),
		ReadBufferSize:         headerBufferSize,
		DisablePathNormalizing: true,
		// One retry, for a kept-alive connection found closed (RetryIfErr).
		MaxIdemponentCallAttempts: 2,
		RetryIfErr:                retryOnClosedConn,
		ConfigureClient: func(hc *fasthttp.HostClient) error {
			dial, err := dialerFor(hc.Addr, hc.IsTLS)
			if err != nil {
				return err
			}
			hc.Dial = dial
			hc.Transport = exchange{}
			return nil
		},
	}
	return t
}

// dialerFor connects to one host (fasthttp keeps a HostClient per host) as
// net/http's ProxyFromEnvironment would: through HTTPS_PROXY or HTTP_PROXY
// unless NO_PROXY names the host, and never through a proxy for localhost
// or a loopback address. fasthttpproxy's own environment reading applies
// one proxy to every host, so the choice is made here, host by host.
func dialerFor(addr string, isTLS bool) (fasthttp.DialFunc, error) {
	scheme := "http"
	if isTLS {
		scheme = "https"
	}
	proxyURL, err := httpproxy.FromEnvironment().ProxyFunc()(&url.URL{Scheme: scheme, Host: addr})
	if err != nil {
		return nil, fmt.Errorf("proxy settings: %w", err)
	}
	d := &fasthttpproxy.Dialer{DialDualStack: true, Timeout: dialTimeout, ConnectTimeout: dialTimeout}
	if proxyURL == nil {
		return func(addr string) (net.Conn, error) { return d.Dial("tcp", addr) }, nil
	}
	d.Config = httpproxy.Config{HTTPProxy: proxyURL.String(), HTTPSProxy: proxyURL.String()}
	dial, err := d.GetDialFuncForTLS(false, isTLS)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", proxyURL.Redacted(), err)
	}
	return dial, nil
}

// RoundTrip sends req and reads its whole answer.
func (t *fastTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.roundTrip(req, 0)
}

// send is what http.Client.Do(req) would do with this transport (no
// redirect is followed: a Client never follows one), errors included, with
// the attempt also bounded by timeout (0: only by req's context). attempt
// calls it directly.
func (t *fastTransport) send(req *http.Request, timeout time.Duration) (*http.Response, error) {
	resp, err := t.roundTrip(req, timeout)
	if err != nil {
		return nil, &url.Error{Op: req.Method[:1] + strings.ToLower(req.Method[1:]), URL: req.URL.Redacted(), Err: err}
	}
	return resp, nil
}

func (t *fastTransport) roundTrip(req *http.Request, timeout time.Duration) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	freq := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(freq)
	fresp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(fresp)

	freq.SetRequestURI(req.URL.String())
	freq.Header.SetMethod(req.Method)
	if req.Host != "" && req.Host != req.URL.Host {
		freq.UseHostHeader = true
		freq.Header.SetHost(req.Host)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			freq.Header.Add(k, v)
		}
	}
	gunzip := false
	if req.Header.Get("Accept-Encoding") == "" && req.Method != http.MethodHead {
		freq.Header.Set("Accept-Encoding", "gzip")
		gunzip = true
	}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		freq.SetBody(body)
	}
	call := &attemptCall{ctx: ctx}
	if timeout > 0 {
		call.deadline = time.Now().Add(timeout)
	}
	if d, ok := ctx.Deadline(); ok && (call.deadline.IsZero() || d.Before(call.deadline)) {
		call.deadline = d
	}
	if !call.deadline.IsZero() {
		left := time.Until(call.deadline)
		if left <= 0 {
			return nil, context.DeadlineExceeded
		}
		freq.SetTimeout(left)
	}
	freq.SetUserValue(attemptKey{}, call)
	fresp.Header.SetNoDefaultContentType(true)

	if err := t.client.Do(freq, fresp); err != nil {
		return nil, t.mapError(ctx, err)
	}
	return t.response(req, fresp, gunzip)
}

// response copies fasthttp's answer into an *http.Response whose body is
// already whole (bufferedBody), as attempt would make it.
func (t *fastTransport) response(req *http.Request, fresp *fasthttp.Response, gunzip bool) (*http.Response, error) {
	code := fresp.StatusCode()
	resp := &http.Response{
		Status:     strconv.Itoa(code) + " " + http.StatusText(code),
		StatusCode: code,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, fresp.Header.Len()),
		Request:    req,
		Close:      fresp.ConnectionClose(),
	}
	for k, v := range fresp.Header.All() {
		key := string(k)
		resp.Header[key] = append(resp.Header[key], string(v))
	}
	var body []byte
	if gunzip && bytes.EqualFold(fresp.Header.ContentEncoding(), []byte("gzip")) {
		var err error
		if body, err = fresp.BodyGunzipWithLimit(int(min(t.maxBody, math.MaxInt32))); err != nil {
			if errors.Is(err, fasthttp.ErrBodyTooLarge) {
				return nil, t.tooLarge()
			}
			return nil, fmt.Errorf("decoding gzip body: %w", err)
		}
		// As net/http does when it asked for gzip itself: the caller sees
		// the decoded body, with no encoding and no (wrong) length.
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.Uncompressed = true
	} else {
		body = bytes.Clone(fresp.Body())
	}
	if body == nil {
		body = []byte{}
	}
	resp.ContentLength = int64(len(body))
	resp.Body = &bufferedBody{Reader: bytes.NewReader(body), body: body}
	return resp, nil
}

// mapError turns fasthttp's errors into what net/http's callers expect: the
// context's own error when it ended, and the body limit in attempt's words.
func (t *fastTransport) mapError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	switch {
	case errors.Is(err, fasthttp.ErrTimeout):
		// The attempt's time ran out (its own bound or ctx's deadline),
		// as a context.WithTimeout of the attempt would have said.
		return context.DeadlineExceeded
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return t.tooLarge()
	}
	return err
}

func (t *fastTransport) tooLarge() error {
	return fmt.Errorf("response body larger than %d bytes", t.maxBody)
}

// exchange is the fasthttp RoundTripper behind fastTransport: fasthttp's
// own, plus what it lacks, ending a request when its context ends. It sets
// the connection's deadline to the request's, and a context.AfterFunc moves
// it into the past when the context ends first, which fails the write or
// read under way at once; such a connection is closed, never pooled again.
type exchange struct{}

func (exchange) RoundTrip(hc *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (retry bool, err error) {
	call, _ := req.UserValue(attemptKey{}).(*attemptCall)
	if call == nil {
		call = &attemptCall{ctx: context.Background()}
	}
	ctx, deadline := call.ctx, call.deadline
	var timeout time.Duration
	if !deadline.IsZero() {
		timeout = time.Until(deadline)
	}
	cc, err := hc.AcquireConn(timeout, req.ConnectionClose())
	if err != nil {
		return false, err
	}
	conn := cc.Conn()
	reused := cc.LastUseTime().After(cc.CreatedTime())
	if err := conn.SetDeadline(deadline); err != nil {
		hc.CloseConn(cc)
		return true, err
	}
	stop := func() bool { return true }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	}

	bw := hc.AcquireWriter(conn)
	err = req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	hc.ReleaseWriter(bw)
	if err == nil {
		if req.Header.IsHead() {
			resp.SkipBody = true
		}
		br := hc.AcquireReader(conn)
		err = resp.ReadLimitBody(br, hc.MaxResponseBodySize)
		hc.ReleaseReader(br)
	}
	// After stop reports false the deadline may still be moved, so the
	// connection must not serve another request.
	ended := !stop()
	if err != nil || ended || req.ConnectionClose() || resp.ConnectionClose() {
		hc.CloseConn(cc)
	} else {
		hc.ReleaseConn(cc)
	}
	if err != nil {
		if reused && closedBeforeAnswer(err) {
			err = errClosedIdle
		}
		return !ended && !errors.Is(err, fasthttp.ErrBodyTooLarge), err
	}
	return false, nil
}

// errClosedIdle is a kept-alive connection that the server closed before
// it answered: the request never reached it, or reached it as the server
// was closing an idle connection (net/http's errServerClosedIdle).
var errClosedIdle = errors.New("server closed the kept-alive connection before answering")

func closedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// retryOnClosedConn re-sends a request only after errClosedIdle, and only
// one that net/http would re-send then: a replayable one (an idempotent
// method, or one carrying an idempotency key). A POST that may have reached
// the provider is never sent twice behind the caller's back.
func retryOnClosedConn(req *fasthttp.Request, _ int, err error) (resetTimeout, retry bool) {
	return false, errors.Is(err, errClosedIdle) && replayable(req)
}

func replayable(req *fasthttp.Request) bool {
	switch string(req.Header.Method()) {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return len(req.Header.Peek("Idempotency-Key")) > 0 || len(req.Header.Peek("X-Idempotency-Key")) > 0
}
