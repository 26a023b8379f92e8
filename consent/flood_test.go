package consent_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestAFloodOfForgedCallbacksCostsTheAppNoTokenRequest(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	web, _, done, h := onboarding(t, srv, app, nil)
	srv.SignIn("it@customer.onmicrosoft.com")
	srv.ResetLog()

	const n = 40
	anonymous := []string{
		"/consent/callback?admin_consent=True&tenant=" + victimID,
		"/consent/callback?admin_consent=True&tenant=" + victimID + "&state=forged-state-0123456789abcdef",
		"/consent/callback?code=forged-code&state=forged-state-0123456789abcdef",
	}
	var wg sync.WaitGroup
	for i := range n * len(anonymous) {
		wg.Go(func() { get(t, newBrowser(srv), web.URL+anonymous[i%len(anonymous)]) })
	}
	wg.Wait()
	for range n * len(anonymous) {
		assert.ErrorIs(t, (<-done).err, graphauth.ErrStateMismatch)
	}
	assert.Zero(t, srv.Count(""), "an anonymous callback sends no request at all")

	// An attacker with states of their own, from Start, naming the victim.
	for range n {
		wg.Go(func() {
			browser := newBrowser(srv)
			browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
				setQuery(r.URL, "tenant", victimID)
				return nil
			}
			get(t, browser, web.URL+"/onboard")
		})
	}
	wg.Wait()
	for range n {
		assert.Error(t, (<-done).err)
	}
	srv.Close()
	assert.Zero(t, srv.Count(graphauthtest.EndpointToken), "the claim is checked by a sign-in at the tenant, which fails, before any token request")
	recs, err := h.Registry().List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, recs)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// signInState runs a round trip up to the redirect to sign in, and returns
// the forged sign-in callback the attacker sends instead: a made-up code
// with the round trip's state, in the browser that holds its cookie.
func signInState(t *testing.T, web string, browser *http.Client) string {
	t.Helper()
	var state string
	browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/authorize") {
			state = r.URL.Query().Get("state")
			return http.ErrUseLastResponse
		}
		return nil
	}
	get(t, browser, web+"/onboard")
	require.NotEmpty(t, state)
	return web + "/consent/callback?" + url.Values{"code": {"forged-code"}, "state": {state}}.Encode()
}

func TestProvingCallbacksAreBoundedInNumberAndTime(t *testing.T) {
	t.Parallel()
	// The platform never answers a token request: only the handler's
	// bound ends a callback that waits for one.
	srv, app := msp(t, graphauthtest.Options{TokenLatency: time.Hour})
	started, release := make(chan struct{}, 4), make(chan struct{})
	base := srv.Client().Transport
	gated := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			started <- struct{}{}
			<-release
		}
		return base.RoundTrip(r)
	})}
	web, _, done, _ := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.HTTPClient, o.MaxConcurrent, o.Timeout = gated, 1, 500*time.Millisecond
		o.Confirm = &consent.ConfirmOptions{Timeout: 100 * time.Millisecond}
	})
	srv.SignIn("it@customer.onmicrosoft.com")
	browserA, browserB := newBrowser(srv), newBrowser(srv)
	forgedA, forgedB := signInState(t, web.URL, browserA), signInState(t, web.URL, browserB)
	srv.ResetLog()

	go get(t, browserA, forgedA)
	<-started // A redeems its code and holds the only slot
	resp, err := browserB.Get(forgedB)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "one confirmation at a time")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Empty(t, done, "a refused callback does not end the round trip")

	close(release)
	assert.ErrorIs(t, (<-done).err, context.DeadlineExceeded, "A gives up at the handler's bound")
	get(t, browserB, forgedB)
	assert.ErrorIs(t, (<-done).err, context.DeadlineExceeded, "B's state survived the 503")
	srv.Close()
	assert.LessOrEqual(t, srv.CountGrant("authorization_code"), 2, "one redemption per forged callback")
	assert.Zero(t, srv.CountGrant("client_credentials"))
}
