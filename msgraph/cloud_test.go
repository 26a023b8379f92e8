package msgraph_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/msgraph"
)

// cloudCred is a credential in a national cloud that records the scopes
// it is asked for.
type cloudCred struct {
	cloud  graphauth.Cloud
	mu     sync.Mutex
	scopes []string
}

func (c *cloudCred) Cloud() graphauth.Cloud { return c.cloud }

func (c *cloudCred) Token(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopes = append(c.scopes, req.Scopes...)
	return graphauth.Token{AccessToken: "t"}, nil
}

type sendFunc func(*http.Request) (*http.Response, error)

func (f sendFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A client made beside a US Government credential, without Options.Cloud,
// calls that cloud's Graph and asks for that Graph's token: the credential
// says which cloud it is in (graphauth.CloudOf).
func TestAClientTakesItsCredentialsCloud(t *testing.T) {
	t.Parallel()
	var hosts []string
	var mu sync.Mutex
	hc := &http.Client{Transport: sendFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		hosts = append(hosts, r.URL.Host)
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"value":[]}`)), Request: r}, nil
	})}
	for _, cloud := range []graphauth.Cloud{graphauth.AzureGovernment, graphauth.AzureChina} {
		cred := &cloudCred{cloud: cloud}
		c, err := msgraph.NewClient(cred, &msgraph.Options{HTTPClient: hc})
		require.NoError(t, err)
		var out struct{ Value []any }
		require.NoError(t, c.Get(context.Background(), "/organization", &out))
		assert.Equal(t, []string{cloud.DefaultScope()}, cred.scopes, cloud.Name)
	}
	assert.Equal(t, []string{"graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"}, hosts)

	// Options.Cloud still wins.
	cred := &cloudCred{cloud: graphauth.AzureChina}
	c, err := msgraph.NewClient(cred, &msgraph.Options{HTTPClient: hc, Cloud: graphauth.AzurePublic})
	require.NoError(t, err)
	require.NoError(t, c.Get(context.Background(), "/organization", nil))
	assert.Equal(t, []string{graphauth.AzurePublic.DefaultScope()}, cred.scopes)
}
