package consent_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/consent/internal/registrytest"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const state = "0123456789abcdefghijklmnop"

func TestURL(t *testing.T) {
	t.Parallel()
	cfg := consent.Config{ClientID: "11111111-2222-3333-4444-555555555555", RedirectURI: "https://console.example/consent"}
	u, err := consent.URL(cfg, "organizations", state)
	require.NoError(t, err)
	parsed, _ := url.Parse(u)
	assert.Equal(t, "https://login.microsoftonline.com/organizations/v2.0/adminconsent", parsed.Scheme+"://"+parsed.Host+parsed.Path)
	assert.Equal(t, "https://graph.microsoft.com/.default", parsed.Query().Get("scope"))
	assert.Equal(t, state, parsed.Query().Get("state"))

	cfg.Cloud = graphauth.AzureGovernment
	u, _ = consent.URL(cfg, "contoso.onmicrosoft.us", state)
	assert.True(t, strings.HasPrefix(u, "https://login.microsoftonline.us/contoso.onmicrosoft.us/v2.0/adminconsent?"))
	assert.Contains(t, u, url.QueryEscape("https://graph.microsoft.us/.default"))

	// An AuthorityHost of a national cloud with no Cloud consents to that
	// cloud's Graph (it asked for the public Graph's .default before).
	byHost := consent.Config{ClientID: cfg.ClientID, RedirectURI: cfg.RedirectURI, AuthorityHost: "https://login.partner.microsoftonline.cn/"}
	u, err = consent.URL(byHost, "contoso.partner.onmschina.cn", state)
	require.NoError(t, err)
	parsed, _ = url.Parse(u)
	assert.Equal(t, "https://microsoftgraph.chinacloudapi.cn/.default", parsed.Query().Get("scope"))
	byHost.AuthorityHost = "https://127.0.0.1:8443" // the fake: the public Graph's scope, as the fake's tokens are
	u, err = consent.URL(byHost, "organizations", state)
	require.NoError(t, err)
	parsed, _ = url.Parse(u)
	assert.Equal(t, "https://graph.microsoft.com/.default", parsed.Query().Get("scope"))

	for name, c := range map[string]struct {
		cfg            consent.Config
		tenant, state_ string
	}{
		"common":            {cfg, "common", state},
		"short state":       {cfg, "organizations", "abc"},
		"http redirect":     {consent.Config{ClientID: cfg.ClientID, RedirectURI: "http://console.example/cb"}, "organizations", state},
		"client not a GUID": {consent.Config{ClientID: "console", RedirectURI: cfg.RedirectURI}, "organizations", state},
	} {
		_, err := consent.URL(c.cfg, c.tenant, c.state_)
		var ce *graphauth.ConfigError
		assert.ErrorAs(t, err, &ce, name)
	}
}

func TestParseCallback(t *testing.T) {
	t.Parallel()
	tid := "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	ok, err := consent.ParseCallback(url.Values{"admin_consent": {"True"}, "tenant": {tid}, "state": {state}, "scope": {"https://graph.microsoft.com/.default"}}, state)
	require.NoError(t, err)
	assert.Equal(t, tid, ok.TenantID)

	_, err = consent.ParseCallback(url.Values{"admin_consent": {"True"}, "tenant": {tid}, "state": {"forged"}}, state)
	assert.ErrorIs(t, err, graphauth.ErrStateMismatch)

	_, err = consent.ParseCallback(url.Values{"admin_consent": {"True"}, "tenant": {tid}, "state": {state},
		"error": {"consent_required"}, "error_description": {"AADSTS65004: User declined to consent to access the app.\r\nTrace ID: t1"}}, state)
	var ce *consent.Error
	require.ErrorAs(t, err, &ce, "an error wins over admin_consent=True")
	assert.Equal(t, consent.Cancelled, ce.Reason)
	assert.Equal(t, "t1", ce.Auth.TraceID)

	_, err = consent.ParseCallback(url.Values{"admin_consent": {"True"}, "tenant": {"evil.example"}, "state": {state}}, state)
	require.ErrorAs(t, err, &ce)
	_, err = consent.ParseCallback(url.Values{"state": {state}}, state)
	require.ErrorAs(t, err, &ce)
}

func TestOnboardingConfirmsTheGrantOnceItTakesEffect(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{PropagationDelay: 500 * time.Millisecond})
	web, browser, done, h := onboarding(t, srv, app, nil)
	srv.SignIn("it@customer.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/onboard")
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, consent.StatusConfirmed, out.rec.Status)
	assert.Equal(t, []string{"Organization.Read.All", "User.Read.All"}, out.rec.Roles)
	assert.Empty(t, out.rec.Missing)
	recs, err := h.Registry().List(context.Background())
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, out.rec.TenantID, recs[0].TenantID)
	assert.Contains(t, body, "onboarded "+out.rec.TenantID)
}

func TestTwoCustomersOnboardEndToEnd(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	fabrikam := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam", Domain: "fabrikam.onmicrosoft.com",
		Users: []graphauthtest.User{{UPN: "admin@fabrikam.onmicrosoft.com", Admin: true}}})
	web, _, done, h := onboarding(t, srv, app, nil)
	for _, c := range []struct{ admin, start, tenant string }{
		{"it@customer.onmicrosoft.com", "/onboard", customerID},
		{"admin@fabrikam.onmicrosoft.com", "/onboard?tenant=fabrikam.onmicrosoft.com", fabrikam.ID},
	} {
		srv.SignIn(c.admin) // the administrator's session at the platform
		status, body := get(t, newBrowser(srv), web.URL+c.start)
		require.Equal(t, 200, status, body)
		out := <-done
		require.NoError(t, out.err)
		assert.Equal(t, c.tenant, out.rec.TenantID)
		assert.Equal(t, c.admin, out.rec.ConsentedBy)
		assert.Equal(t, consent.StatusConfirmed, out.rec.Status)
	}
	recs, err := h.Registry().List(context.Background())
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.ElementsMatch(t, []string{customerID, fabrikam.ID}, []string{recs[0].TenantID, recs[1].TenantID})
	srv.Close()
	assert.Equal(t, 2, srv.CountGrant("authorization_code"), "one proving sign-in per tenant")
}

func TestAGrantNotYetInEffectIsRefusedUntilItIs(t *testing.T) {
	t.Parallel()
	// Four minutes: the fake's clock moves past them below, and its ID
	// tokens stay within the five minutes of clock skew that sign-in allows.
	srv, app := msp(t, graphauthtest.Options{PropagationDelay: 4 * time.Minute})
	web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Confirm = &consent.ConfirmOptions{Timeout: 300 * time.Millisecond, FirstWait: 50 * time.Millisecond}
	})
	srv.SignIn("it@customer.onmicrosoft.com")
	get(t, browser, web.URL+"/onboard")
	out := <-done
	var ge *consent.GrantError
	require.ErrorAs(t, out.err, &ge)
	assert.Equal(t, []string{"User.Read.All", "Organization.Read.All"}, ge.Missing)
	assert.Contains(t, ge.Action, "try again")
	recs, err := h.Registry().List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, recs, "a grant not in effect is not recorded")

	srv.Advance(4 * time.Minute) // the grant reaches tokens
	get(t, newBrowser(srv), web.URL+"/onboard")
	out = <-done
	require.NoError(t, out.err, "trying again onboards the tenant")
	assert.Equal(t, consent.StatusConfirmed, out.rec.Status)
	assert.Equal(t, "it@customer.onmicrosoft.com", out.rec.ConsentedBy)
}

func TestOnboardingRefusals(t *testing.T) {
	t.Parallel()
	t.Run("a non-administrator", func(t *testing.T) {
		srv, app := msp(t, graphauthtest.Options{})
		web, browser, done, h := onboarding(t, srv, app, nil)
		srv.SignIn("staff@customer.onmicrosoft.com")
		get(t, browser, web.URL+"/onboard")
		out := <-done
		var ce *consent.Error
		require.ErrorAs(t, out.err, &ce)
		assert.Equal(t, consent.NotAdministrator, ce.Reason)
		recs, _ := h.Registry().List(context.Background())
		assert.Empty(t, recs)
	})
	t.Run("a cancelled consent", func(t *testing.T) {
		srv, app := msp(t, graphauthtest.Options{Interactive: true})
		web, browser, done, _ := onboarding(t, srv, app, nil)
		browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			if strings.HasSuffix(r.URL.Path, "/adminconsent") {
				return http.ErrUseLastResponse
			}
			return nil
		}
		resp, err := browser.Get(web.URL + "/onboard")
		require.NoError(t, err)
		resp.Body.Close()
		browser.CheckRedirect = nil
		consentURL, _ := url.Parse(resp.Header.Get("Location"))
		form := consentURL.Query()
		form.Set("action", "cancel")
		resp, err = browser.PostForm(srv.URL+consentURL.Path, form)
		require.NoError(t, err)
		resp.Body.Close()
		out := <-done
		var ce *consent.Error
		require.ErrorAs(t, out.err, &ce)
		assert.Equal(t, consent.Cancelled, ce.Reason)
	})
	t.Run("a denied tenant", func(t *testing.T) {
		srv, app := msp(t, graphauthtest.Options{})
		web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) { o.Denied = []string{bannedID} })
		srv.SignIn("root@banned.onmicrosoft.com")
		get(t, browser, web.URL+"/onboard")
		out := <-done
		assert.ErrorIs(t, out.err, consent.ErrTenantNotAllowed)
		recs, _ := h.Registry().List(context.Background())
		assert.Empty(t, recs)
	})
	t.Run("a replayed or forged callback", func(t *testing.T) {
		srv, app := msp(t, graphauthtest.Options{})
		web, browser, done, _ := onboarding(t, srv, app, nil)
		srv.SignIn("it@customer.onmicrosoft.com")
		var callback string
		browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			if r.URL.Path == "/consent/callback" {
				callback = r.URL.String()
			}
			return nil
		}
		get(t, browser, web.URL+"/onboard")
		require.NoError(t, (<-done).err)
		get(t, browser, callback)
		assert.ErrorIs(t, (<-done).err, graphauth.ErrStateMismatch, "replayed")
		fresh := &http.Client{Transport: browser.Transport}
		get(t, fresh, callback)
		assert.ErrorIs(t, (<-done).err, graphauth.ErrStateMismatch, "no cookie")
	})
	t.Run("an unregistered redirect never comes back", func(t *testing.T) {
		srv, app := msp(t, graphauthtest.Options{})
		cfg := consent.Config{ClientID: app.ClientID, RedirectURI: "https://unregistered.example/cb", AuthorityHost: srv.URL}
		u, err := consent.URL(cfg, "organizations", state)
		require.NoError(t, err)
		status, page := get(t, srv.Client(), u)
		assert.Equal(t, 400, status)
		assert.Contains(t, page, "AADSTS50011", "the platform shows its own page")
	})
}

func TestRegistries(t *testing.T) {
	t.Parallel()
	t.Run("memory", func(t *testing.T) {
		registrytest.Run(t, func(*testing.T) consent.Registry { return &consent.MemoryRegistry{} })
	})
	t.Run("file", func(t *testing.T) {
		registrytest.Run(t, func(t *testing.T) consent.Registry {
			return consent.NewFileRegistry(filepath.Join(t.TempDir(), "tenants.json"))
		})
	})
	file := filepath.Join(t.TempDir(), "tenants.json")
	require.NoError(t, os.WriteFile(file, []byte("{not json"), 0o600))
	_, err := consent.NewFileRegistry(file).List(context.Background())
	assert.Error(t, err)
	assert.False(t, errors.Is(err, os.ErrNotExist))
}

func TestIncrementalDelegatedConsent(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}, RedirectURI: "http://localhost/callback"})
	require.NoError(t, err)
	signIn := func(req graphauth.AuthRequest) (*graphauth.User, error) {
		u, p, err := s.AuthCodeURL(req)
		require.NoError(t, err)
		resp, err := srv.Client().Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		return s.Complete(context.Background(), p, back.Query())
	}
	user, err := signIn(consent.Incremental("admin@contoso.onmicrosoft.com", "Mail.Send", "UserAuthenticationMethod.ReadWrite.All"))
	require.NoError(t, err)
	_, err = s.Token(context.Background(), user.AccountID, []string{"UserAuthenticationMethod.ReadWrite.All"})
	assert.NoError(t, err, "an administrator consents to an admin-only scope")

	_, err = signIn(consent.Incremental("adele@contoso.onmicrosoft.com", "UserAuthenticationMethod.ReadWrite.All"))
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae, "a user cannot")
	assert.True(t, ae.HasCode(90094))
}

func TestReverifyUpdatesTheRegistry(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	web, browser, done, h := onboarding(t, srv, app, nil)
	srv.SignIn("it@customer.onmicrosoft.com")
	get(t, browser, web.URL+"/onboard")
	out := <-done
	require.NoError(t, out.err)
	srv.RevokeAppRoles(out.rec.TenantID, app.ClientID, "User.Read.All")
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	recs, err := consent.Reverify(context.Background(), h.Registry(), cred, app.RequiredRoles, &consent.ConfirmOptions{Timeout: 200 * time.Millisecond, FirstWait: 50 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, []string{"User.Read.All"}, recs[0].Missing)
	stored, _, _ := h.Registry().Get(context.Background(), out.rec.TenantID)
	assert.Equal(t, recs[0].Status, stored.Status)
}

func FuzzParseCallback(f *testing.F) {
	f.Add("admin_consent=True&tenant=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee&state=" + state)
	f.Add("admin_consent=True&error=consent_required&error_description=AADSTS65004%3A+declined&state=" + state)
	f.Add("state=x&error=%ZZ")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		res, err := consent.ParseCallback(q, state)
		var ce *consent.Error
		if errors.As(err, &ce) {
			assert.NotEmpty(t, ce.Action, "every refusal says what to do")
			assert.NotEmpty(t, ce.Reason)
		}
		if err == nil {
			assert.Len(t, res.TenantID, 36, "only a GUID tenant is accepted")
			assert.Empty(t, q.Get("error"), "an error always wins")
		}
	})
}
