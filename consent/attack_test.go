package consent_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// rig is one attack's setting: the fake platform, the product's handler
// and the attacker's browser, signed in at the platform as the
// administrator of their own tenant, Customer.
type rig struct {
	srv     *graphauthtest.Server
	web     string
	browser *http.Client
	done    chan outcome
	h       *consent.Handler
}

// rewrite makes the browser change each redirect before following it, as
// an attacker at the keyboard can.
func (r rig) rewrite(fn func(u *url.URL)) {
	r.browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		fn(req.URL)
		return nil
	}
}

// setQuery sets a query parameter of the admin consent's redirect.
func setQuery(u *url.URL, key, value string) {
	if u.Path == "/consent/callback" && u.Query().Has("admin_consent") {
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
	}
}

// captured returns the admin consent's redirect of a round trip in browser
// without delivering it: the URL an attacker could find in a log.
func captured(t *testing.T, r rig, browser *http.Client) string {
	t.Helper()
	var cb string
	browser.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/consent/callback" {
			cb = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	get(t, browser, r.web+"/onboard")
	require.NotEmpty(t, cb)
	return cb
}

func TestForgedCallbacksNeverOnboardATenant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		attack func(t *testing.T, r rig)
		want   func(t *testing.T, err error)
		tokens int // token requests the attack may cost, at most
	}{
		{"a callback that names another customer's tenant sends the browser to sign in there, and fails", func(t *testing.T, r rig) {
			r.rewrite(func(u *url.URL) { setQuery(u, "tenant", victimID) })
			get(t, r.browser, r.web+"/onboard")
		}, wantAADSTS(50020), 0},
		{"a callback without state is refused", func(t *testing.T, r rig) {
			get(t, r.browser, r.web+"/consent/callback?admin_consent=True&tenant="+victimID)
		}, wantIs(graphauth.ErrStateMismatch), 0},
		{"a callback with a forged state and cookie is refused", func(t *testing.T, r rig) {
			forged := "forged-state-0123456789abcdef"
			u, _ := url.Parse(r.web)
			r.browser.Jar.SetCookies(u, []*http.Cookie{{Name: "entrakit_consent_" + forged[:16], Value: "forged"}})
			get(t, r.browser, r.web+"/consent/callback?admin_consent=True&tenant="+victimID+"&state="+forged)
		}, wantIs(graphauth.ErrStateMismatch), 0},
		{"the victim's own callback replayed in another browser is refused", func(t *testing.T, r rig) {
			r.srv.SignIn("boss@victim.onmicrosoft.com")
			leaked := captured(t, r, newBrowser(r.srv))
			r.srv.SignIn("it@customer.onmicrosoft.com")
			captured(t, r, r.browser) // the attacker's own round trip, so that they hold a cookie
			r.browser.CheckRedirect = nil
			get(t, r.browser, leaked)
		}, wantIs(graphauth.ErrStateMismatch), 0},
		{"a sign-in callback replayed after its round trip is refused", func(t *testing.T, r rig) {
			var last string
			r.rewrite(func(u *url.URL) {
				if u.Path == "/consent/callback" {
					last = u.String()
				}
			})
			get(t, r.browser, r.web+"/onboard")
			require.NoError(t, (<-r.done).err, "the attacker's own tenant onboards")
			r.srv.ResetLog()
			get(t, r.browser, last)
		}, wantIs(graphauth.ErrStateMismatch), 0},
		{"an ID token for another tenant than the consent named is refused", func(t *testing.T, r rig) {
			r.rewrite(func(u *url.URL) { setQuery(u, "tenant", victimID) })
			get(t, r.browser, r.web+"/onboard?tenant=customer.onmicrosoft.com")
		}, wantIs(consent.ErrTenantMismatch), 1},
		{"a code from a sign-in at another tenant is refused", func(t *testing.T, r rig) {
			r.rewrite(func(u *url.URL) {
				setQuery(u, "tenant", victimID)
				u.Path = strings.Replace(u.Path, "/"+victimID+"/oauth2/", "/"+customerID+"/oauth2/", 1)
			})
			get(t, r.browser, r.web+"/onboard")
		}, wantAADSTS(700005), 1},
		{"a tenant pinned by Start but another one consented is refused before any request", func(t *testing.T, r rig) {
			r.rewrite(func(u *url.URL) { setQuery(u, "tenant", victimID) })
			get(t, r.browser, r.web+"/onboard?tenant="+customerID)
		}, wantIs(consent.ErrTenantMismatch), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, app := msp(t, graphauthtest.Options{})
			web, browser, done, h := onboarding(t, srv, app, nil)
			srv.SignIn("it@customer.onmicrosoft.com")
			r := rig{srv: srv, web: web.URL, browser: browser, done: done, h: h}
			c.attack(t, r)
			out := <-done
			require.Error(t, out.err, "a forged callback reached Done as a success: %+v", out.rec)
			c.want(t, out.err)
			_, recorded, _ := h.Registry().Get(context.Background(), victimID)
			assert.False(t, recorded, "the victim's tenant was recorded")
			srv.Close() // waits for the requests in flight, so that the log is complete
			assert.LessOrEqual(t, srv.Count(graphauthtest.EndpointToken), c.tokens, "token requests")
			assert.Zero(t, srv.CountGrant("client_credentials"), "no app-only token was asked for")
		})
	}
}

func wantIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) { assert.ErrorIs(t, err, target) }
}

func wantAADSTS(code int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(code), "want AADSTS%d, got %v", code, err)
	}
}

// defaultCallbackBound is HandlerOptions.Timeout's documented default.
const defaultCallbackBound = 30 * time.Second

func TestTheHandlerRefusesToStartWithoutWhatItNeedsToProve(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	cfg := consent.Config{ClientID: app.ClientID, RedirectURI: "http://127.0.0.1/consent/callback", AuthorityHost: srv.URL}
	full := func() consent.HandlerOptions {
		return consent.HandlerOptions{Key: make([]byte, 32), Credential: cred, ClientAuth: graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
			Done: func(http.ResponseWriter, *http.Request, consent.Record, error) {}}
	}
	_, err = consent.NewHandler(cfg, full())
	require.NoError(t, err)
	for _, c := range []struct {
		name, field string
		mutate      func(*consent.HandlerOptions)
	}{
		{"without a Credential", "HandlerOptions.Credential", func(o *consent.HandlerOptions) { o.Credential = nil }},
		{"without the app's secret or certificate", "HandlerOptions.ClientAuth", func(o *consent.HandlerOptions) { o.ClientAuth = graphauth.ClientAuth{} }},
		{"without Done", "HandlerOptions.Done", func(o *consent.HandlerOptions) { o.Done = nil }},
		{"without a key", "HandlerOptions.Key", func(o *consent.HandlerOptions) { o.Key = nil }},
		{"with a confirmation longer than the callback's bound", "HandlerOptions.Confirm.Timeout", func(o *consent.HandlerOptions) {
			o.Confirm = &consent.ConfirmOptions{Timeout: 2 * defaultCallbackBound}
		}},
		{"with a negative rate of proofs", "HandlerOptions.MaxProofsPerMinute", func(o *consent.HandlerOptions) { o.MaxProofsPerMinute = -1 }},
	} {
		o := full()
		c.mutate(&o)
		h, err := consent.NewHandler(cfg, o)
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, c.name)
		assert.Equal(t, c.field, ce.Field, c.name)
		assert.Nil(t, h, c.name)
		assert.NotContains(t, err.Error(), app.Secrets[0].Value)
	}
}

// A member who is not an administrator skips the consent page and forges
// its redirect for their own tenant. The sign-in proves the tenant, and the
// member's own consent to User.Read there creates the app's service
// principal, so an app-only token can be had: one with no roles, which
// proves the principal exists, not that anyone granted anything.
func TestANonAdministratorWhoForgesTheConsentIsNotOnboarded(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		required bool
		missing  []string
	}{
		{"with required roles, the error names them", true, []string{"User.Read.All", "Organization.Read.All"}},
		{"with none required, a token without any role is refused", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, app := msp(t, graphauthtest.Options{})
			web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
				if !c.required {
					o.Required = nil
				}
				o.Confirm = &consent.ConfirmOptions{Timeout: 200 * time.Millisecond, FirstWait: 50 * time.Millisecond}
			})
			srv.SignIn("staff@customer.onmicrosoft.com") // not an administrator; Customer never consented
			browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
				if strings.HasSuffix(r.URL.Path, "/adminconsent") { // skip the consent page, forge its redirect
					u, _ := url.Parse(web.URL + "/consent/callback")
					u.RawQuery = url.Values{"admin_consent": {"True"}, "tenant": {customerID}, "state": {r.URL.Query().Get("state")}}.Encode()
					*r.URL = *u
					r.Host = u.Host
				}
				return nil
			}
			status, _ := get(t, browser, web.URL+"/onboard")
			out := <-done
			require.Error(t, out.err, "a tenant without a grant reached Done as a success: %+v", out.rec)
			assert.Equal(t, http.StatusBadRequest, status)
			var ge *consent.GrantError
			require.ErrorAs(t, out.err, &ge)
			assert.Equal(t, customerID, ge.TenantID)
			assert.Equal(t, c.missing, ge.Missing)
			assert.Empty(t, ge.Roles, "the token carries no role")
			assert.Contains(t, out.err.Error(), "administrator")
			assert.Contains(t, out.err.Error(), "try again")
			assert.Zero(t, out.rec, "Done gets no record with an error")
			recs, err := h.Registry().List(context.Background())
			require.NoError(t, err)
			assert.Empty(t, recs, "nothing is recorded")
		})
	}
}
