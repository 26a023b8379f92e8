package msgraph_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/msgraph"
)

// canned answers every request with one response.
type canned struct {
	status     int
	retryAfter string
	body       string
	foreign    *atomic.Bool // set when a request leaves Graph's host
}

func (c canned) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.foreign != nil && !strings.EqualFold(req.URL.Host, "graph.microsoft.com") {
		c.foreign.Store(true)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if c.retryAfter != "" {
		h.Set("Retry-After", c.retryAfter)
	}
	return &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(strings.NewReader(c.body)), Request: req}, nil
}

// FuzzGraphAnswers feeds arbitrary answers to Do, Pages and All: each
// returns a value or an error, never panics, never follows a link off
// Graph's host, and never puts the token in an error.
func FuzzGraphAnswers(f *testing.F) {
	f.Add(403, "", `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-11-24T09:00:00","request-id":"a","client-request-id":"b"}}}`)
	f.Add(429, "1", `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`)
	f.Add(503, "Wed, 21 Oct 2015 07:28:00 GMT", `<html>`)
	f.Add(200, "", `{"value":[{"id":"1"}],"@odata.nextLink":"https://evil.example/v1.0/users"}`)
	f.Add(200, "", `{"value":[{"id":"1"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=1"}`)
	f.Add(200, "", `{"value":null,"@odata.deltaLink":"x"}`)
	f.Add(200, "", `{"value":[1,"a",{"id":{}}]}`)
	f.Add(404, "99999999999999999999", `{"error":{"code":"","message":null}}`)
	f.Fuzz(func(t *testing.T, status int, retryAfter, body string) {
		if status < 100 || status > 999 {
			status = 200
		}
		var foreign atomic.Bool
		c, err := msgraph.NewClient(tokenOf("secret-token-value"), &msgraph.Options{
			HTTPClient: &http.Client{Transport: canned{status, retryAfter, body, &foreign}},
			Retry:      graphauth.RetryOptions{MaxRetries: -1},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		check := func(err error) {
			if err == nil {
				return
			}
			if strings.Contains(err.Error(), "secret-token-value") {
				t.Fatalf("the token is in the error: %v", err)
			}
			var ge *msgraph.GraphError
			if status >= 400 && !errors.As(err, &ge) {
				t.Fatalf("a %d is not a *GraphError: %v", status, err)
			}
		}
		var out map[string]any
		check(c.Get(ctx, "/users", &out))
		pages := 0
		for _, err := range c.Pages(ctx, "/users") {
			check(err)
			if pages++; err != nil || pages > 3 {
				break
			}
		}
		n := 0
		for _, err := range msgraph.All[struct {
			ID string `json:"id"`
		}](ctx, c, "/users") {
			check(err)
			if n++; err != nil || n > 10 {
				break
			}
		}
		if foreign.Load() {
			t.Fatal("a request left Graph's host")
		}
		if status >= 400 {
			resp, _ := canned{status, retryAfter, body, nil}.RoundTrip(&http.Request{Method: "GET", URL: mustURL("https://graph.microsoft.com/v1.0/groups"), Header: http.Header{}})
			if ge := msgraph.ParseGraphError(resp); ge == nil || ge.StatusCode != status {
				t.Fatalf("ParseGraphError lost the status")
			}
		}
	})
}

type tokenOf string

func (s tokenOf) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	return graphauth.Token{AccessToken: string(s)}, nil
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
