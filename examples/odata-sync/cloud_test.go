package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	gosync "sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

// usGov answers as US Government's identity platform and Graph would, and
// records what the tool asked of them.
type usGov struct {
	mu        gosync.Mutex
	resources []string
	hosts     []string
}

func (g *usGov) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	body := `{"value":[]}`
	if r.URL.Host == "login.microsoftonline.us" {
		_ = r.ParseForm()
		g.resources = append(g.resources, r.PostForm.Get("resource"))
		body = `{"token_type":"Bearer","expires_in":"3599","expires_on":"4102444800","resource":"https://graph.microsoft.us","access_token":"eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl19.sig"}`
	} else {
		g.hosts = append(g.hosts, r.URL.Host)
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// A GCC High administrator pastes the tenant's v1 Token URL and leaves the
// Resource empty: the token is asked for US Government's Graph
// (https://graph.microsoft.us), which the tool then calls, not the public
// Graph, whose tokens that tenant cannot get.
func TestAUSGovernmentTokenURLAsksForThatCloudsGraph(t *testing.T) {
	g := &usGov{}
	form := settings{TokenURL: "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/token",
		ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: graphauth.Secret("a-secret-value")}
	var out bytes.Buffer
	require.NoError(t, sync(context.Background(), form, nil, &http.Client{Transport: g}, 10, &out))
	assert.Contains(t, out.String(), "Token URL: cloud AzureGovernment")
	require.NotEmpty(t, g.resources)
	for _, r := range g.resources {
		assert.Equal(t, "https://graph.microsoft.us", r)
	}
	require.NotEmpty(t, g.hosts)
	for _, h := range g.hosts {
		assert.Equal(t, "graph.microsoft.us", h)
	}
}

// The guide's Resource, https://graph.microsoft.com, typed next to a US
// Government Token URL is refused with the Resource to use, before a
// request whose AADSTS500011 would send the administrator to create
// Microsoft Graph's service principal.
func TestThePublicGraphResourceWithAUSGovernmentTokenURLIsRefused(t *testing.T) {
	g := &usGov{}
	form := settings{TokenURL: "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/token",
		ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: graphauth.Secret("a-secret-value"), Resource: "https://graph.microsoft.com"}
	var out bytes.Buffer
	err := sync(context.Background(), form, nil, &http.Client{Transport: g}, 10, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set the Resource to https://graph.microsoft.us")
	assert.Empty(t, g.resources, "nothing was sent")
}
