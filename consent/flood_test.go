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
			select {
			case started <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
		return base.RoundTrip(r)
	})}
	// The bound is generous enough that A reaches its redemption on a
	// loaded machine (under -race) before the bound ends it.
	web, _, done, _ := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.HTTPClient, o.MaxConcurrent, o.Timeout = gated, 1, 3*time.Second
		o.Confirm = &consent.ConfirmOptions{Timeout: 100 * time.Millisecond}
	})
	srv.SignIn("it@customer.onmicrosoft.com")
	browserA, browserB := newBrowser(srv), newBrowser(srv)
	forgedA, forgedB := signInState(t, web.URL, browserA), signInState(t, web.URL, browserB)
	srv.ResetLog()

	go get(t, browserA, forgedA)
	select {
	case <-started: // A redeems its code and holds the only slot
	case r := <-done:
		t.Fatalf("A ended before it redeemed its code: %v", r.err)
	}
	resp, err := browserB.Get(forgedB)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "one confirmation at a time")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Empty(t, done, "a refused callback does not end the round trip")

	close(release)
	assert.ErrorIs(t, (<-done).err, context.DeadlineExceeded, "A gives up at the handler's bound")
	// A's Done runs inside its callback, before its slot is given back:
	// B may be refused once more, and its state survives that too.
	for deadline := time.Now().Add(10 * time.Second); ; {
		status, _ := get(t, browserB, forgedB)
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case r := <-done:
		assert.ErrorIs(t, r.err, context.DeadlineExceeded, "B's state survived the 503")
	case <-time.After(30 * time.Second):
		t.Fatal("B's callback never ended its round trip")
	}
	srv.Close()
	assert.LessOrEqual(t, srv.CountGrant("authorization_code"), 2, "one redemption per forged callback")
	assert.Zero(t, srv.CountGrant("client_credentials"))
}

// handlerClock is a HandlerOptions.Now that moves only when told.
type handlerClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *handlerClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *handlerClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Each round trip that an anonymous browser starts and forges, never
// visiting the platform, makes the handler redeem a made-up code with the
// app's secret. MaxConcurrent bounds how many at once, not how many.
func TestCodeRedemptionsAreBoundedInRate(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	clock := &handlerClock{t: time.Now()}
	web, _, done, _ := onboarding(t, srv, app, func(o *consent.HandlerOptions) { o.Now = clock.Now })
	srv.ResetLog()

	const flood, burst = 30, 10 // the default: 30 a minute, 10 at once
	type attempt struct {
		browser  *http.Client
		callback string
	}
	var refused []attempt
	for range flood {
		browser := newBrowser(srv)
		var state string
		browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			state = r.URL.Query().Get("state")
			return http.ErrUseLastResponse
		}
		get(t, browser, web.URL+"/onboard")
		get(t, browser, web.URL+"/consent/callback?"+url.Values{"admin_consent": {"True"}, "tenant": {victimID}, "state": {state}}.Encode())
		forged := web.URL + "/consent/callback?" + url.Values{"code": {"made-up"}, "state": {state}}.Encode()
		resp, err := browser.Get(forged)
		require.NoError(t, err)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			refused = append(refused, attempt{browser, forged})
			continue
		}
		var ae *graphauth.AuthError
		assert.ErrorAs(t, (<-done).err, &ae, "the made-up code is redeemed, and refused")
	}
	require.Len(t, refused, flood-burst, "the burst is redeemed, the rest answered 503")
	assert.Empty(t, done, "a refused callback does not end its round trip")

	clock.Advance(time.Minute / 30) // one redemption's worth
	get(t, refused[0].browser, refused[0].callback)
	var ae *graphauth.AuthError
	assert.ErrorAs(t, (<-done).err, &ae, "the refused state is still usable, and redeemed")
	status, _ := get(t, refused[1].browser, refused[1].callback)
	assert.Equal(t, http.StatusServiceUnavailable, status, "one redemption's worth, and no more")

	srv.Close() // waits for the requests in flight, so that the log is complete
	assert.Equal(t, burst+1, srv.Count(graphauthtest.EndpointToken), "token requests: the burst, then one a refill later")
}
