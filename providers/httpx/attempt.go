package httpx

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// attempt sends r once. The body is read inside the attempt so the
// per-attempt timeout covers it and the connection is free for the retry.
func (c *Client) attempt(ctx context.Context, r *Request) (*http.Response, error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}

	start := c.cfg.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(r.Operation, 0, start)
		return nil, fmt.Errorf("%s %s: %w", c.cfg.Provider, r.Operation, err)
	}
	body, err := readBody(resp.Body, c.cfg.MaxBodyBytes)
	resp.Body.Close()
	if err != nil {
		c.observe(r.Operation, 0, start)
		return nil, fmt.Errorf("%s %s: reading response: %w", c.cfg.Provider, r.Operation, err)
	}
	c.observe(r.Operation, resp.StatusCode, start)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// newRequest builds a fresh *http.Request for one attempt. GetBody is set
// too, so the standard library can replay the body on its own internal
// retries (a reused connection that was closed under it).
func (c *Client) newRequest(ctx context.Context, r *Request) (*http.Request, error) {
	body := r.Body
	if r.NewBody != nil {
		var err error
		if body, err = r.NewBody(); err != nil {
			return nil, fmt.Errorf("%s %s: building body: %w", c.cfg.Provider, r.Operation, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.cfg.Provider, r.Operation, err)
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
		if len(body) == 0 {
			req.Body = http.NoBody
		}
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if r.Prepare != nil {
		if err := r.Prepare(req); err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.cfg.Provider, r.Operation, err)
		}
	}
	return req, nil
}

// readBody reads at most limit bytes and fails rather than truncating, so a
// cut-off JSON page is never mistaken for a complete one.
func readBody(rc io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("response body larger than %d bytes", limit)
	}
	return b, nil
}

// observe reports one attempt to the Observer, if any.
func (c *Client) observe(op string, status int, start time.Time) {
	if c.cfg.Observer != nil {
		c.cfg.Observer(c.cfg.Provider, op, status, c.cfg.Now().Sub(start))
	}
}
