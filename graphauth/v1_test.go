package graphauth_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const graphResource = "https://graph.microsoft.com"

func TestAV1TokenIsAskedForWithResourceAndCachedApartFromV2(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	defer cred.Close()
	ctx := context.Background()

	v1, err := cred.Token(ctx, graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	assert.Equal(t, graphResource, v1.Resource)
	assert.Nil(t, v1.Scopes)
	claims := claimsOf(t, v1.AccessToken)
	assert.Equal(t, graphResource, claims["aud"])
	assert.Equal(t, srv.ClientID, claims["appid"])
	assert.Contains(t, rolesOf(t, v1.AccessToken), "User.Read.All")
	assert.Equal(t, 1, srv.CountGrant("client_credentials"))

	again, err := cred.Token(ctx, graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	assert.Equal(t, v1.AccessToken, again.AccessToken, "served from the cache")
	assert.Equal(t, 1, srv.CountGrant("client_credentials"))

	v2, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.CountGrant("client_credentials"), "the v2 token is another")
	assert.Equal(t, []string{graphResource + "/.default"}, v2.Scopes)
	assert.Empty(t, v2.Resource)

	var v1Requests int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/oauth2/token") {
			v1Requests++
		}
	}
	assert.Equal(t, 1, v1Requests, "the v1 endpoint was asked once")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", v1, v1, v1), v1.AccessToken)
	assert.Contains(t, v1.String(), `Resource: "https://graph.microsoft.com"`)
}

func TestAV1TokenIsRefreshedLikeAnyOther(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := clocked(t, srv, nil)
	defer cred.Close()
	ctx := context.Background()
	first, err := cred.Token(ctx, graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	srv.Advance(first.RefreshOn.Sub(srv.Now()) + time.Second)
	_, err = cred.Token(ctx, graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	var next graphauth.Token
	require.Eventually(t, func() bool {
		next, err = cred.Token(ctx, graphauth.TokenRequest{Resource: graphResource})
		return err == nil && next.ExpiresOn.After(first.ExpiresOn)
	}, 5*time.Second, time.Millisecond, "refreshed in the background")
	assert.Equal(t, 2, srv.CountGrant("client_credentials"))
	assert.Equal(t, graphResource, next.Resource)
}

func TestAV1TokenWithACertificate(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for name, o := range map[string]graphauth.CertificateOptions{"PS256": {}, "RS256 with x5c": {LegacyRS256: true, SendCertificateChain: true}} {
		o.Options = *fakeOpts(srv)
		cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey, &o)
		require.NoError(t, err, name)
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
		require.NoError(t, err, name)
		assert.Equal(t, "2", claimsOf(t, tok.AccessToken)["appidacr"], "a certificate authenticated the app")
		_ = cred.Close()
	}
}

func TestAV1TokenWithAFederatedAssertion(t *testing.T) {
	t.Parallel()
	srv, mint := federation(t)
	cred, err := graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, func(context.Context) (string, error) {
		return mint("system:serviceaccount:sync:worker"), nil
	}, fakeOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	assert.Contains(t, rolesOf(t, tok.AccessToken), "Group.Read.All")
}

func TestAV1RefusalIsAnAuthError(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "not-the-secret", fakeOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "invalid_client", ae.Code)
	assert.Contains(t, ae.AADSTS, 7000215)
	assert.NotContains(t, err.Error(), "not-the-secret")

	good := secretCred(t, srv, nil)
	defer good.Close()
	_, err = good.Token(context.Background(), graphauth.TokenRequest{Resource: "https://unknown.example"})
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.AADSTS, 500011, "the resource principal is not in the tenant")
}

func TestV1RequestsThatCannotBeRight(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	defer cred.Close()
	for name, req := range map[string]graphauth.TokenRequest{
		"both resource and scopes": {Resource: graphResource, Scopes: []string{graphResource + "/.default"}},
		"a v2 scope as resource":   {Resource: graphResource + "/.default"},
		"two resources":            {Resource: graphResource + " https://management.azure.com"},
	} {
		_, err := cred.Token(context.Background(), req)
		var ce *graphauth.ConfigError
		assert.True(t, errors.As(err, &ce), name)
	}
	assert.Zero(t, srv.CountGrant("client_credentials"), "nothing was sent")
}

// Scopes that would not reach the platform as themselves are refused before
// any request: one spelt like a v1 token's cache key (even with that v1
// token cached), one with a space the platform would split at, one with a
// line break that would forge a log line.
func TestScopesThatAreNotOneScopeAreRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	defer cred.Close()
	ctx := context.Background()
	_, err := cred.Token(ctx, graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	before := srv.CountGrant("client_credentials")
	for name, scopes := range map[string][]string{
		"a v1 cache key":      {"\x00v1\x00" + graphResource},
		"two scopes in one":   {graphResource + "/.default offline_access"},
		"a line break":        {graphResource + "/.default\nlevel=ERROR msg=forged"},
		"an empty scope":      {graphResource + "/.default", ""},
		"a NUL in the second": {graphResource + "/.default", "x\x00y"},
	} {
		_, err := cred.Token(ctx, graphauth.TokenRequest{Scopes: scopes})
		var ce *graphauth.ConfigError
		require.True(t, errors.As(err, &ce), "%s: %v", name, err)
		assert.Equal(t, "TokenRequest.Scopes", ce.Field, name)
		assert.NotContains(t, err.Error(), "\n", name)
	}
	assert.Equal(t, before, srv.CountGrant("client_credentials"), "nothing was sent")
}

// v1Platform answers the v1 token endpoint with body.
func v1Platform(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !strings.HasSuffix(r.URL.Path, "/oauth2/token") {
			http.NotFound(w, r)
			return
		}
		require.NoError(t, r.ParseForm())
		assert.Equal(t, "client_credentials", r.PostForm.Get("grant_type"))
		assert.Equal(t, graphResource, r.PostForm.Get("resource"))
		assert.Empty(t, r.PostForm.Get("scope"))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(api.Close)
	return api, &calls
}

func TestTheV1AnswerAsTheRealPlatformWritesIt(t *testing.T) {
	t.Parallel()
	// The v1 endpoint's documented answer: every number a string.
	api, _ := v1Platform(t, 200, `{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"4102444800","not_before":"4102441200","resource":"https://graph.microsoft.com","access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`)
	cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "a-secret-value",
		&graphauth.Options{AuthorityHost: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	assert.InDelta(t, float64(time.Hour), float64(time.Until(tok.ExpiresOn)), float64(2*time.Minute))
}

func TestMangledV1AnswersAreRefused(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		status int
		body   string
	}{
		"an HTML page":           {200, `<html>sign in</html>`},
		"no access token":        {200, `{"token_type":"Bearer","expires_in":"3599"}`},
		"no lifetime":            {200, `{"token_type":"Bearer","access_token":"x.y.z"}`},
		"a lifetime of years":    {200, `{"token_type":"Bearer","expires_in":"99999999","access_token":"x.y.z"}`},
		"not a number":           {200, `{"token_type":"Bearer","expires_in":"soon","access_token":"x.y.z"}`},
		"another token type":     {200, `{"token_type":"pop","expires_in":"3599","access_token":"x.y.z"}`},
		"a redirect":             {302, ``},
		"a gateway's error page": {502, `<html>bad gateway</html>`},
	} {
		api, _ := v1Platform(t, tc.status, tc.body)
		cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "a-secret-value",
			&graphauth.Options{AuthorityHost: api.URL, HTTPClient: api.Client(), Retry: graphauth.RetryOptions{MaxRetries: -1}})
		require.NoError(t, err)
		_, err = cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
		var ae *graphauth.AuthError
		assert.True(t, errors.As(err, &ae), name)
		assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse, name)
		_ = cred.Close()
	}
}

func TestConcurrentV1CallersShareOneRequest(t *testing.T) {
	t.Parallel()
	api, calls := v1Platform(t, 200, `{"token_type":"Bearer","expires_in":"3599","access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`)
	cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "a-secret-value",
		&graphauth.Options{AuthorityHost: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	defer cred.Close()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
}

func TestTheSecretGoesOnlyInTheV1Form(t *testing.T) {
	t.Parallel()
	var form url.Values
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		assert.Empty(t, r.URL.RawQuery)
		fmt.Fprint(w, `{"token_type":"Bearer","expires_in":"3599","access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`)
	}))
	defer api.Close()
	cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "a-secret-value",
		&graphauth.Options{AuthorityHost: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	assert.Equal(t, "a-secret-value", form.Get("client_secret"))
	assert.Equal(t, "11111111-2222-3333-4444-555555555555", form.Get("client_id"))
}

// answerWith is a transport that answers every request with one body.
type answerWith struct {
	status int
	body   string
}

func (a answerWith) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(a.body)), Request: req}, nil
}

// FuzzV1Answer feeds arbitrary v1 token endpoint answers to a credential:
// a token that can be used, or an *AuthError; never a panic, never the
// secret in an error.
func FuzzV1Answer(f *testing.F) {
	f.Add(200, `{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"1388444763","not_before":"1388440863","resource":"https://graph.microsoft.com","access_token":"a.b.c"}`)
	f.Add(200, `{"token_type":"Bearer","expires_in":3599,"access_token":"a.b.c"}`)
	f.Add(400, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"trace_id":"t","correlation_id":"c"}`)
	f.Add(200, `{"expires_in":"-1","access_token":""}`)
	f.Add(429, `{"error":"temporarily_unavailable"}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 599 {
			status = 200
		}
		cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "s3cr3t-v4lue",
			&graphauth.Options{HTTPClient: &http.Client{Transport: answerWith{status, body}}, Retry: graphauth.RetryOptions{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		defer cred.Close()
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
		if err != nil {
			var ae *graphauth.AuthError
			if !errors.As(err, &ae) || strings.Contains(err.Error(), "s3cr3t-v4lue") {
				t.Fatalf("%T %v", err, err)
			}
			return
		}
		if tok.AccessToken == "" || !tok.ExpiresOn.After(time.Now()) || tok.Resource != graphResource {
			t.Fatalf("an unusable token was returned: %v", tok)
		}
	})
}

func TestAV1AnswerWithExpiresOnAlone(t *testing.T) {
	t.Parallel()
	on := time.Now().Add(time.Hour).Unix()
	api, _ := v1Platform(t, 200, fmt.Sprintf(`{"token_type":"Bearer","expires_on":"%d","resource":"https://graph.microsoft.com","access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`, on))
	cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "a-secret-value",
		&graphauth.Options{AuthorityHost: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
	require.NoError(t, err)
	assert.InDelta(t, float64(on), float64(tok.ExpiresOn.Unix()), 5)
}

// A v1 answer whose expires_on and not_before are JSON numbers (as some
// v1 gateways and ADFS write them), or expires_in a number, is a token all
// the same: the types vary, the meaning does not.
func TestAV1AnswerWithNumbersForItsTimes(t *testing.T) {
	t.Parallel()
	on := time.Now().Add(time.Hour).Unix()
	for name, body := range map[string]string{
		"expires_on a number, with expires_in": fmt.Sprintf(`{"token_type":"Bearer","expires_in":3599,"expires_on":%d,"not_before":%d,"resource":"https://graph.microsoft.com","access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`, on, on-3600),
		"expires_on a number, alone":           fmt.Sprintf(`{"token_type":"Bearer","expires_on":%d,"resource":"https://graph.microsoft.com","access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`, on),
		"null times":                           `{"token_type":"Bearer","expires_in":"3599","expires_on":null,"not_before":null,"access_token":"eyJ0eXAiOiJKV1QifQ.e30.sig"}`,
	} {
		t.Run(name, func(t *testing.T) {
			api, _ := v1Platform(t, 200, body)
			cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "a-secret-value",
				&graphauth.Options{AuthorityHost: api.URL, HTTPClient: api.Client()})
			require.NoError(t, err)
			defer cred.Close()
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
			require.NoError(t, err)
			assert.InDelta(t, float64(on), float64(tok.ExpiresOn.Unix()), 120)
		})
	}
}

// A refusal whose fields hold line breaks, a line separator or a
// right-to-left override (a hostile proxy, or text the platform echoes)
// is still one line that reads as written; one whose gateway kept the
// description but not error_codes still has its AADSTS code.
func TestARefusalIsOneLineWithItsCode(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"line breaks":                `{"error":"invalid_client\nlevel=ERROR msg=forged","error_description":"AADSTS7000215: a\nlevel=ERROR forged\r\nTrace ID: x\r\nCorrelation ID: z","error_codes":[7000215]}`,
		"separators and an override": `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\u2028level=ERROR \u0085 \u202e","error_codes":[7000215]}`,
		"no error_codes":             `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`,
	} {
		cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "s3cr3t-v4lue",
			&graphauth.Options{HTTPClient: &http.Client{Transport: answerWith{401, body}}, Retry: graphauth.RetryOptions{MaxRetries: -1}})
		require.NoError(t, err)
		_, err = cred.Token(context.Background(), graphauth.TokenRequest{Resource: graphResource})
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae, name)
		assert.Equal(t, []int{7000215}, ae.AADSTS, name)
		for _, r := range []string{"\n", "\r", "\u2028", "\u0085", "\u202e"} {
			assert.NotContains(t, err.Error(), r, name)
		}
		cred.Close()
	}
}
