package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestAppOnlyAndDelegatedReports(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Equal(t, "app-only report: 2 users in the tenant\n"+
		"signed in as admin@contoso.onmicrosoft.com; their refresh token is kept for offline access\n"+
		"accounts held: 1\n"+
		"delegated report for Megan Admin: ok\n", out.String())
}

// The connector's guide, step by step: the administrator consents to the
// app's permissions; the connector clears User.Read and signs the analyst
// in with offline_access alone; later, without a prompt, the refresh token
// serves the delegated Graph calls, and the connector lists the accounts it
// holds.
func TestTheGuidesOfflineAccessOnlySignIn(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	browser := srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	// 1. The administrator grants the app's declared permissions.
	consentURL := srv.URL + "/" + srv.TenantID + "/v2.0/adminconsent?" + url.Values{"client_id": {srv.ClientID},
		"scope": {"https://graph.microsoft.com/.default"}, "redirect_uri": {"http://localhost"}, "state": {"s"},
		"login_hint": {"admin@contoso.onmicrosoft.com"}}.Encode()
	resp, err := browser.Get(consentURL)
	require.NoError(t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "True", back.Query().Get("admin_consent"), back.Query().Get("error_description"))

	// 2. User.Read cleared: offline_access is the only delegated scope.
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{Options: opts, RedirectURI: "http://localhost/", Scopes: []string{"offline_access"}})
	require.NoError(t, err)
	defer s.Close()
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	require.NoError(t, err)
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	assert.Equal(t, "openid profile offline_access", u.Query().Get("scope"), "offline_access once, never with a resource")

	// 3. The analyst signs in; the code is redeemed.
	resp, err = browser.Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	user, err := s.Complete(ctx, pending, callback.Query())
	require.NoError(t, err)
	assert.Equal(t, "adele@contoso.onmicrosoft.com", user.Username)

	// 4. Later, without a prompt: the delegated report.
	client := &http.Client{Transport: &graphauth.Transport{Credential: s.Credential(user.AccountID), Base: srv.Client().Transport,
		AllowedHosts: []string{srv.URL}}}
	me, err := client.Get(srv.URL + "/v1.0/me")
	require.NoError(t, err)
	me.Body.Close()
	assert.Equal(t, http.StatusOK, me.StatusCode, "the token carries the User.Read the administrator granted")

	// 5. The accounts the connector holds.
	accounts, err := s.Accounts(ctx)
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	assert.Equal(t, user.AccountID, accounts[0].ID)
}

// A stray request to the loopback port before the platform's redirect (a
// favicon, another process, a forged state) answered "sign-in failed" and
// ended the analyst's sign-in; the redirect that followed found nobody.
func TestStrayLoopbackRequestsLeaveTheSignInWaiting(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	base := "http://localhost:" + fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}, RedirectURI: base + "/",
			Scopes: []string{"offline_access"}})
	require.NoError(t, err)
	browser := &http.Client{Transport: srv.Client().Transport}
	statuses := []int{}
	browse := func(u string) error {
		for _, stray := range []string{base + "/favicon.ico", base + "/", base + "/?state=forged-forged-forged&code=x"} {
			resp, err := http.Get(stray)
			if err != nil {
				return err
			}
			statuses = append(statuses, resp.StatusCode)
			resp.Body.Close()
		}
		resp, err := browser.Get(u)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	user, err := signIn(context.Background(), s, l, browse)
	require.NoError(t, err)
	assert.Equal(t, "admin@contoso.onmicrosoft.com", user.Username)
	assert.Equal(t, []int{404, 404, 400}, statuses)
}
