package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/problem"
	"github.com/labstack/echo/v4"
)

// Commands serves POST /api/v1/commands/{name} for every command in the catalog.
type Commands struct {
	Invoker *commands.Invoker
}

// Run decodes the body strictly, and runs the command through the Invoker.
func (h *Commands) Run(c echo.Context) error {
	cmd, err := h.Invoker.Lookup(c.Param("name"))
	if err != nil {
		return err
	}
	caller := CallerFrom(c)
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	// Authorization comes first: a caller without the scope gets 403
	// whatever the body holds. The Invoker refuses and records the denial,
	// with the arguments and incident when the body could be read.
	if err := h.Invoker.Authorize(cmd, caller); err != nil {
		var args any
		var inc *commands.Incident
		if body, rerr := io.ReadAll(c.Request().Body); rerr == nil && requireJSON(c.Request()) == nil {
			args, inc, _ = commands.Decode(cmd, body)
		}
		_, err = h.Invoker.Invoke(c.Request().Context(), commands.Request{Command: cmd.Info().Name, Args: args, Incident: inc, Caller: caller, RequestID: reqID})
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c.Request())
	if err != nil {
		return err
	}
	args, inc, err := commands.Decode(cmd, body)
	if err != nil {
		return err
	}
	res, err := h.Invoker.Invoke(c.Request().Context(), commands.Request{
		Command:        cmd.Info().Name,
		Args:           args,
		Incident:       inc,
		Caller:         caller,
		RequestID:      reqID,
		IdempotencyKey: key,
		NoWriteBack:    fromIntegration(c.Request()),
	})
	var ae *commands.AuditedError
	if (err == nil && res.Replayed) || (errors.As(err, &ae) && ae.Replayed) {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		return err
	}
	if res.Approval != nil {
		c.Response().Header().Set(echo.HeaderLocation, res.Approval.StatusURL)
		return answer(c, http.StatusAccepted, res)
	}
	return answer(c, http.StatusOK, res)
}

// answer writes a command's result: the bytes c.JSON would write
// (Result.AnswerJSON), without its second pass over raw_response. A query
// (?pretty) or Echo's debug mode, which indent, take c.JSON itself.
func answer(c echo.Context, status int, res *commands.Result) error {
	if c.Request().URL.RawQuery != "" || c.Echo().Debug {
		return c.JSON(status, res)
	}
	buf := answerBuffers.Get().(*[]byte)
	defer putAnswerBuffer(buf)
	b, err := res.AppendAnswerJSON((*buf)[:0])
	*buf = b
	if err != nil {
		return err
	}
	// With its length announced, net/http sends the answer as is rather
	// than in chunks (it chunks whatever passes 2 KB unannounced, and
	// okta-get-user's answer is 2.5 KB), which the caller also parses faster.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.JSONBlob(status, b)
}

// answerBuffers keep the buffers answers are encoded into, so an answer
// (4 KB for okta-get-user) costs no allocation of its own.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// putAnswerBuffer returns a buffer to the pool, unless a large answer (a
// page of events) grew it past what most answers need.
func putAnswerBuffer(b *[]byte) {
	if cap(*b) <= 64<<10 {
		answerBuffers.Put(b)
	}
}

// OriginHeader marks a call made by idcmd's own XSOAR integration. XSOAR
// already puts the integration's answer into the war room, so such a call is
// audited with its incident but writes nothing back: a second entry would
// only repeat the first. The header can only suppress an entry, never add
// or redirect one, so it needs no more trust than the token already has.
const OriginHeader = "X-Idcmd-Origin"

// OriginXSOARIntegration is OriginHeader's value from the integration.
const OriginXSOARIntegration = "xsoar-integration"

func fromIntegration(r *http.Request) bool {
	return r.Header.Get(OriginHeader) == OriginXSOARIntegration
}

// idempotencyKey reads the optional Idempotency-Key header: printable
// ASCII, at most 255 characters.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	if len(key) > commands.MaxIdempotencyKey {
		return "", badHeader("Idempotency-Key", "must be at most 255 characters")
	}
	for _, ch := range key {
		if ch < 0x21 || ch > 0x7e {
			return "", badHeader("Idempotency-Key", "must be printable ASCII without spaces")
		}
	}
	return key, nil
}

func badHeader(name, msg string) error {
	return &commands.InputError{Detail: "A request header is invalid", Errors: []commands.FieldError{{Location: "header." + name, Message: msg}}}
}

// requireJSON accepts application/json (any parameters) and an empty body
// without a type; everything else is 415.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get(echo.HeaderContentType)
	if ct == "" && r.ContentLength == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != echo.MIMEApplicationJSON {
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"Send the arguments as a JSON object with Content-Type: application/json.")
	}
	return nil
}
