package msgraph_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/msgraph"
)

// roundTripFunc is a transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A redirect from Graph's https host to the same host over plain http
// would carry the bearer token in clear text (Go keeps Authorization on a
// redirect to the same host, whatever the scheme): it is refused.
func TestARedirectToTheSameHostOverHTTPIsRefused(t *testing.T) {
	t.Parallel()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+r.Host+"/v1.0/users", http.StatusFound)
	}))
	defer api.Close()
	var clear atomic.Bool
	tls := api.Client().Transport
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Scheme == "http" {
			clear.Store(r.Header.Get("Authorization") != "")
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
		}
		return tls.RoundTrip(r)
	})}
	c, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Endpoint: api.URL, HTTPClient: hc})
	require.NoError(t, err)
	err = c.Get(context.Background(), "/users", nil)
	require.ErrorIs(t, err, msgraph.ErrForeignLink)
	assert.False(t, clear.Load(), "the token never goes out over http")
}

// An Endpoint written with Graph's default port, and nextLinks written
// with or without it, are one host: paging goes on.
func TestTheDefaultPortIsTheSameHost(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"https://graph.microsoft.com:443", "https://GRAPH.microsoft.com"} {
		c, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Endpoint: endpoint})
		require.NoError(t, err)
		assert.Equal(t, "https://graph.microsoft.com", c.Endpoint())
		for _, link := range []string{"https://graph.microsoft.com/v1.0/users?$skiptoken=x", "https://graph.microsoft.com:443/v1.0/users?$skiptoken=x"} {
			_, err := c.URL(link)
			assert.NoError(t, err, "%s from %s", link, endpoint)
		}
		_, err = c.URL("https://graph.microsoft.com:8443/v1.0/users")
		assert.ErrorIs(t, err, msgraph.ErrForeignLink)
	}
}
