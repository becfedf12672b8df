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
	// fastTransport bounds the attempt itself, from the connection's
	// deadline, which spares a context and a timer per provider call.
	fast, _ := c.http.Transport.(*fastTransport)
	if c.cfg.Timeout > 0 && fast == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}

	start := c.cfg.Now()
	var resp *http.Response
	if fast != nil {
		resp, err = fast.send(req, c.cfg.Timeout)
	} else {
		resp, err = c.http.Do(req)
	}
	if err != nil {
		c.observe(r.Operation, 0, start)
		return nil, fmt.Errorf("%s %s: %w", c.cfg.Provider, r.Operation, err)
	}
	if _, whole := resp.Body.(*bufferedBody); !whole { // fastTransport's are read already
		body, err := readBody(resp.Body, resp.ContentLength, c.cfg.MaxBodyBytes)
		resp.Body.Close()
		if err != nil {
			c.observe(r.Operation, 0, start)
			return nil, fmt.Errorf("%s %s: reading response: %w", c.cfg.Provider, r.Operation, err)
		}
		resp.Body = &bufferedBody{Reader: bytes.NewReader(body), body: body}
		resp.ContentLength = int64(len(body))
	}
	c.observe(r.Operation, resp.StatusCode, start)
	return resp, nil
}

// bufferedBody is a response body Do has read whole: readable as any body,
// and its bytes available to BodyBytes without a copy.
type bufferedBody struct {
	*bytes.Reader
	body []byte
}

func (*bufferedBody) Close() error { return nil }

// BodyBytes returns the whole body of a response that Do returned, without
// copying it: the slice is the response's own and nothing else holds it,
// so a client may keep it (as the raw JSON of a decoded object) but must
// not modify it. How much of the body was read before does not matter. For
// another response it reads what is left of the body.
func BodyBytes(resp *http.Response) ([]byte, error) {
	if b, ok := resp.Body.(*bufferedBody); ok {
		return b.body, nil
	}
	return io.ReadAll(resp.Body)
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

// maxPresized bounds the buffer readBody allocates from Content-Length
// before a byte has arrived; a larger body grows it as it comes.
const maxPresized = 1 << 20

// readBody reads at most limit bytes and fails rather than truncating, so a
// cut-off JSON page is never mistaken for a complete one. With the length
// the response announced (size; -1 when unknown) the buffer is allocated
// once, at its size, instead of grown from 512 bytes by doubling; a wrong
// announcement costs only growth, never a byte, and no announcement
// allocates more than maxPresized up front.
func readBody(rc io.Reader, size, limit int64) ([]byte, error) {
	r := io.LimitReader(rc, limit+1)
	if size < 0 || size > limit {
		size = 511
	}
	size = min(size, maxPresized)
	b := make([]byte, 0, size+1) // +1: room for the read that sees EOF
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
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
