package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// BodyLimit is the largest request body accepted, in bytes: 1 MiB
// (1,048,576 bytes). One byte more is a 413.
const BodyLimit = 1 << 20

// bodyLimitSpec is BodyLimit in Echo's size syntax. Echo (labstack/gommon
// bytes.Parse) reads "1M" as decimal, 1,000,000 bytes; "1MiB" is 2^20.
const bodyLimitSpec = "1MiB"

// unreadBodyLinger is how long the server may still read (and discard) a
// request body it answered without reading, before it closes the
// connection. Closing at once, with unread bytes in the socket, would reset
// the connection and can destroy the answer just sent; Go's own server
// waits the same 500 ms (rstAvoidanceDelay) when it gives up on a body.
const unreadBodyLinger = 500 * time.Millisecond

// limitBody refuses bodies over BodyLimit, by Content-Length and by what is
// actually read (a chunked body has no length). The paths in except
// enforce their own limit.
func limitBody(except ...string) echo.MiddlewareFunc {
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: bodyLimitSpec, Skipper: func(c echo.Context) bool {
		return slices.Contains(except, c.Request().URL.Path)
	}})
}

// deadline gives every request a context deadline, so a slow provider
// cannot hold a caller (or a connection) forever, and makes the same
// instant the read deadline of the connection, so a client that sends its
// body a byte at a time cannot hold it either: the body read fails at the
// deadline (a 408) instead of waiting for the next byte.
func deadline(d time.Duration) echo.MiddlewareFunc {
	if d <= 0 {
		d = 30 * time.Second
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			at := time.Now().Add(d)
			ctx, cancel := context.WithDeadline(c.Request().Context(), at)
			defer cancel()
			// ErrNotSupported (a test recorder) leaves only the context deadline.
			_ = http.NewResponseController(c.Response()).SetReadDeadline(at)
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// guardBody tracks how much of the request body the handler read. When a
// response is written before the body was read to its end (a 401 for a
// missing token, a 404, a 413, a 408 for a body that came too slowly), the
// connection is closed after the answer instead of being drained for
// reuse: Go's server would otherwise read up to 256 KB of the rest first,
// at whatever pace the client sends it, before even writing the answer.
func guardBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 {
			return next(c)
		}
		body := &guardedBody{ReadCloser: req.Body, length: req.ContentLength}
		req.Body = body
		res := c.Response()
		res.Before(func() {
			if body.complete() {
				return
			}
			res.Header().Set(echo.HeaderConnection, "close")
			_ = http.NewResponseController(res).SetReadDeadline(time.Now().Add(unreadBodyLinger))
		})
		return next(c)
	}
}

// guardedBody is a request body that knows whether it was read to the end
// and turns a read past the deadline into a 408.
type guardedBody struct {
	io.ReadCloser
	length int64 // Content-Length; -1 when unknown (chunked)
	read   int64
	eof    bool
}

// errBodyTimeout is the 408 for a body that did not arrive by the deadline.
var errBodyTimeout = echo.NewHTTPError(http.StatusRequestTimeout, "the request body did not arrive before the request deadline")

func (b *guardedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		b.eof = true
	case isTimeout(err):
		return n, errBodyTimeout.WithInternal(err)
	}
	return n, err
}

// complete reports whether nothing of the body is left on the wire.
func (b *guardedBody) complete() bool {
	return b.eof || (b.length >= 0 && b.read >= b.length)
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
