// Package contract holds, in tests, every request sent to the JSON API
// and every response it gives to the API's OpenAPI document, so the
// document cannot drift from the server. A request the document refuses
// must be refused by the server too (4xx); every response must be one
// the document describes, status, media type and body.
package contract

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

func init() {
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.FileBodyDecoder)
}

// Checker validates exchanges against one document and counts them.
type Checker struct {
	router routers.Router
	base   http.RoundTripper // the transport exchanges go through

	requests, refused, responses, outside atomic.Int64

	mu       sync.Mutex
	failures []string // mismatches seen by transports with no test to fail
}

// Load parses the document, validates it (examples included) and
// prepares its router. The document's servers are dropped, so requests
// to any test server match.
func Load(doc []byte) (*Checker, error) {
	d, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := d.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	d.Servers = nil
	router, err := legacy.NewRouter(d)
	if err != nil {
		return nil, err
	}
	return &Checker{router: router, base: http.DefaultTransport}, nil
}

// Client is an HTTP client whose every exchange with the API is
// validated; a mismatch fails tb.
func (c *Checker) Client(tb testing.TB) *http.Client {
	return &http.Client{Transport: c.Transport(c.base, func(msg string) {
		tb.Helper()
		tb.Errorf("OpenAPI contract: %s", msg)
	})}
}

// Transport validates every exchange through next and reports each
// mismatch.
func (c *Checker) Transport(next http.RoundTripper, report func(string)) http.RoundTripper {
	return &transport{c: c, next: next, report: report}
}

// Main runs a test binary's tests with every exchange of the default
// HTTP client validated too (except when benchmarking), then reports.
// A package's TestMain calls it with its document.
func Main(m *testing.M, pkg string, doc []byte) int {
	c, err := Load(doc)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	Default = c
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		http.DefaultTransport = c.Transport(c.base, c.Record)
	}
	code := m.Run()
	if !c.Finish(pkg) && code == 0 {
		code = 1
	}
	return code
}

// Default is the checker Main set up.
var Default *Checker

// Record is a report function that keeps mismatches for Failures, for
// transports used outside any one test.
func (c *Checker) Record(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, msg)
}

// Failures are the mismatches Record kept.
func (c *Checker) Failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.failures...)
}

// Summary says how many exchanges were validated.
func (c *Checker) Summary() string {
	return fmt.Sprintf("OpenAPI contract: validated %d requests (%d refused by the document, each answered 4xx) and %d responses; %d requests to paths outside the document",
		c.requests.Load(), c.refused.Load(), c.responses.Load(), c.outside.Load())
}

// Finish prints the summary, appends it to the file named by
// GATEHOUSE_TEST_CONTRACT_REPORT (so CI can show it), and lists the
// recorded failures. It returns false if there were any.
func (c *Checker) Finish(pkg string) bool {
	line := pkg + ": " + c.Summary()
	fmt.Println(line)
	if path := os.Getenv("GATEHOUSE_TEST_CONTRACT_REPORT"); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
	fails := c.Failures()
	for _, f := range fails {
		fmt.Println("OpenAPI contract:", f)
	}
	return len(fails) == 0
}

// inAPI reports whether a path is the API's to answer.
func inAPI(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/api/")
}

type transport struct {
	c      *Checker
	next   http.RoundTripper
	report func(string)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !inAPI(req.URL.Path) {
		return t.next.RoundTrip(req)
	}
	body, err := readAll(req.Body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	what := req.Method + " " + req.URL.RequestURI()

	route, params, routeErr := t.c.router.FindRoute(req)
	var input *openapi3filter.RequestValidationInput
	var reqErr error
	if routeErr == nil {
		check := req.Clone(req.Context())
		check.Body = io.NopCloser(bytes.NewReader(body))
		input = &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route, Options: options}
		reqErr = openapi3filter.ValidateRequest(req.Context(), input)
	}

	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	respBody, err := readAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err != nil {
		return resp, err
	}

	if routeErr != nil {
		t.c.outside.Add(1)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.report(fmt.Sprintf("%s is not in the document, yet answered %d", what, resp.StatusCode))
		}
		return resp, nil
	}
	t.c.requests.Add(1)
	if reqErr != nil {
		t.c.refused.Add(1)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.report(fmt.Sprintf("%s: the document refuses the request (%v), yet the server answered %d", what, firstLine(reqErr), resp.StatusCode))
		}
	}
	t.c.responses.Add(1)
	if msg := validateResponse(req.Context(), input, resp, respBody); msg != "" {
		t.report(fmt.Sprintf("%s: response %d: %s; body %.300s", what, resp.StatusCode, msg, respBody))
	}
	return resp, nil
}

var options = &openapi3filter.Options{
	IncludeResponseStatus:             true,
	RejectWhenRequestBodyNotSpecified: true,
	AuthenticationFunc:                bearerPresent,
}

// bearerPresent holds a secured operation's request to carry a bearer
// token; whether the token is good is the server's to say.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return nil
	}
	return errors.New("no bearer token")
}

func validateResponse(ctx context.Context, input *openapi3filter.RequestValidationInput, resp *http.Response, body []byte) string {
	if resp.StatusCode == http.StatusNoContent && len(body) > 0 {
		return "a 204 with a body"
	}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: input, Status: resp.StatusCode,
		Header: resp.Header, Options: options}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return err.Error()
	}
	return ""
}

// readAll reads a body; nil when there was none.
func readAll(r io.ReadCloser) ([]byte, error) {
	if r == nil || r == http.NoBody {
		return nil, nil
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if b == nil {
		b = []byte{}
	}
	return b, err
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
