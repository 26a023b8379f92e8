package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// The platform compares a redirect URI with the registered ones as it is,
// but for a loopback URI's port and a registration without a path, which
// stands for "/". The fake took a loopback redirect with a trailing slash
// the registration lacks, a query, or a fragment, which the platform
// refuses with AADSTS50011: an app tested on the fake then failed in a
// tenant.
func TestALoopbackRedirectMatchesLikeThePlatforms(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app := srv.AddApp(graphauthtest.App{DisplayName: "native", RedirectURIs: []string{"http://localhost/callback", "http://127.0.0.1", "https://app.example/signin-oidc", "http://localhost:8400/ported"}})
	authz := "/" + srv.TenantID + "/oauth2/v2.0/authorize"
	for redirect, ok := range map[string]bool{
		"http://localhost/callback":        true,
		"http://localhost:5555/callback":   true,
		"http://127.0.0.1:5555/":           true,
		"http://127.0.0.1:5555":            true,
		"http://localhost/callback/":       false,
		"http://localhost:5555/callback/":  false,
		"http://localhost/callback?x=1":    false,
		"http://localhost/callback#frag":   false,
		"http://localhost/Callback":        false,
		"http://127.0.0.1:5555/callback":   false,
		"http://user@localhost/callback":   false,
		"https://app.example/signin-oidc/": false,
		"https://app.example/signin-oidc":  true,
		// A registration that names a port matches any port too: the
		// platform ignores the port of a loopback URI on both sides.
		"http://localhost:5555/ported":  true,
		"http://localhost:8400/ported":  true,
		"http://localhost/ported":       true,
		"http://localhost:5555/ported/": false,
	} {
		p := authorizeParams(srv, "User.Read")
		p.Set("client_id", app.ClientID)
		p.Set("redirect_uri", redirect)
		q, resp, page := authorize(t, srv, authz, p)
		if ok {
			assert.NotNil(t, q, "%s: %d %s", redirect, resp.StatusCode, page)
			continue
		}
		assert.Equal(t, 400, resp.StatusCode, redirect)
		assert.Contains(t, page, "AADSTS50011", redirect)
	}
}
