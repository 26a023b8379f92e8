package graphauthtest_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// recorded holds the key sets and headers of real platform answers (see
// testdata/recorded.json for where each comes from).
type recorded struct {
	NoStoreHeaders          map[string]string   `json:"noStoreHeaders"`
	DiscoveryHeaders        map[string]string   `json:"discoveryHeaders"`
	VariableHeaders         []string            `json:"variableHeaders"`
	TokenKeys               []string            `json:"tokenKeys"`
	ErrorKeys               []string            `json:"errorKeys"`
	ErrorKeysWithoutURI     map[string][]string `json:"errorKeysWithoutURI"`
	ErrorDescriptionPattern string              `json:"errorDescriptionPattern"`
	OpenIDKeys              []string            `json:"openidConfigurationKeys"`
	OpenIDNotServed         []string            `json:"openidConfigurationNotServed"`
	JWKSKeyKeys             []string            `json:"jwksKeyKeys"`
	InstanceDiscoveryKeys   []string            `json:"instanceDiscoveryKeys"`
}

func loadRecorded(t *testing.T) recorded {
	t.Helper()
	data, err := os.ReadFile("testdata/recorded.json")
	require.NoError(t, err)
	var r recorded
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// answer is one response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, srv *graphauthtest.Server, method, path string, form url.Values, clientRequestID string) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if clientRequestID != "" {
		req.Header.Set("client-request-id", clientRequestID)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// topKeys returns the keys of a JSON object in the order they are written.
func topKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "a JSON object")
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

// assertHeaders compares an answer's headers with a recorded set: the fixed
// values equal, the variable ones present.
func assertHeaders(t *testing.T, rec recorded, want map[string]string, a answer) {
	t.Helper()
	for k, v := range want {
		assert.Equal(t, v, a.header.Get(k), "header %s", k)
	}
	for _, k := range rec.VariableHeaders {
		assert.NotEmpty(t, a.header.Get(k), "header %s", k)
	}
	assert.False(t, bytes.HasSuffix(a.body, []byte("\n")), "the body ends without a newline, as the platform's do")
}

const sentCorrelation = "0f3d0e52-8c5e-4d6f-9a0b-1c2d3e4f5a6b"

func TestTheFakeAnswersWithTheRecordedHeadersAndKeys(t *testing.T) {
	t.Parallel()
	rec := loadRecorded(t)
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	appOnly := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {srv.Secret}, "scope": {"https://graph.microsoft.com/.default"}}

	t.Run("client credentials token", func(t *testing.T) {
		a := send(t, srv, http.MethodPost, tokenPath, appOnly, sentCorrelation)
		require.Equal(t, http.StatusOK, a.status)
		assertHeaders(t, rec, rec.NoStoreHeaders, a)
		assert.Equal(t, sentCorrelation, a.header.Get("client-request-id"), "echoed")
		assert.Equal(t, rec.TokenKeys, topKeys(t, a.body))
	})

	t.Run("client-request-id is echoed as sent, and absent when not sent", func(t *testing.T) {
		a := send(t, srv, http.MethodPost, tokenPath, appOnly, "")
		assert.Empty(t, a.header.Get("client-request-id"))
		assert.Regexp(t, `^[0-9a-f-]{36}$`, a.header.Get("x-ms-request-id"))
		b := send(t, srv, http.MethodPost, tokenPath, appOnly, "")
		assert.NotEqual(t, a.header.Get("x-ms-request-id"), b.header.Get("x-ms-request-id"), "a fresh trace ID per answer")
	})

	wrongSecret := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {"not-the-secret"}, "scope": {"https://graph.microsoft.com/.default"}}
	t.Run("refusal (7000215)", func(t *testing.T) {
		a := send(t, srv, http.MethodPost, tokenPath, wrongSecret, sentCorrelation)
		require.Equal(t, http.StatusUnauthorized, a.status)
		assertHeaders(t, rec, rec.NoStoreHeaders, a)
		assert.Equal(t, rec.ErrorKeys, topKeys(t, a.body))
		var body struct {
			Description string `json:"error_description"`
			TraceID     string `json:"trace_id"`
			Correlation string `json:"correlation_id"`
			URI         string `json:"error_uri"`
		}
		require.NoError(t, json.Unmarshal(a.body, &body))
		assert.Regexp(t, rec.ErrorDescriptionPattern, body.Description)
		assert.Equal(t, a.header.Get("x-ms-request-id"), body.TraceID, "x-ms-request-id is the body's trace_id")
		assert.Contains(t, body.Description, "Trace ID: "+body.TraceID+" ")
		assert.Equal(t, sentCorrelation, body.Correlation)
		assert.Equal(t, srv.URL+"/error?code=7000215", body.URI)
		page := send(t, srv, http.MethodGet, strings.TrimPrefix(body.URI, srv.URL), nil, "")
		assert.Equal(t, http.StatusOK, page.status, "the error_uri answers")
	})

	t.Run("refusal of a code redeemed twice (54005) has no error_uri", func(t *testing.T) {
		q, _, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", authorizeParams(srv, "openid User.Read"))
		require.NotEmpty(t, q.Get("code"), page)
		first := send(t, srv, http.MethodPost, tokenPath, codeForm(srv, q.Get("code")), "")
		require.Equal(t, http.StatusOK, first.status, string(first.body))
		a := send(t, srv, http.MethodPost, tokenPath, codeForm(srv, q.Get("code")), "")
		require.Equal(t, http.StatusBadRequest, a.status)
		assertHeaders(t, rec, rec.NoStoreHeaders, a)
		assert.Equal(t, rec.ErrorKeysWithoutURI["54005"], topKeys(t, a.body))
	})

	t.Run("authorize refusals, redirected and on the platform's page", func(t *testing.T) {
		q := authorizeParams(srv, "openid User.Read")
		q.Set("response_type", "token")
		resp, err := srv.Client().Get(srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/authorize?" + q.Encode())
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusFound, resp.StatusCode)
		a := answer{status: resp.StatusCode, header: resp.Header}
		assertHeaders(t, rec, map[string]string{"Cache-Control": "no-store, no-cache", "Pragma": "no-cache", "Expires": "-1",
			"Strict-Transport-Security": rec.NoStoreHeaders["Strict-Transport-Security"]}, a)
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		desc := loc.Query().Get("error_description")
		assert.Regexp(t, rec.ErrorDescriptionPattern, desc)
		assert.Contains(t, desc, "Trace ID: "+resp.Header.Get("x-ms-request-id")+" ", "the redirect's trace ID is the answer's")
		assert.Equal(t, srv.URL+"/error?code=700054", loc.Query().Get("error_uri"))

		q = authorizeParams(srv, "openid")
		q.Set("client_id", "00000000-0000-0000-0000-00000000dead")
		page := send(t, srv, http.MethodGet, "/"+srv.TenantID+"/oauth2/v2.0/authorize?"+q.Encode(), nil, sentCorrelation)
		assert.Equal(t, http.StatusBadRequest, page.status)
		assert.Equal(t, "no-store, no-cache", page.header.Get("Cache-Control"))
		assert.Contains(t, string(page.body), page.header.Get("x-ms-request-id"), "the page shows the answer's request ID")
		assert.Contains(t, string(page.body), sentCorrelation, "and the client's correlation ID")
	})

	t.Run("OpenID configuration", func(t *testing.T) {
		a := send(t, srv, http.MethodGet, "/"+srv.TenantID+"/v2.0/.well-known/openid-configuration", nil, "")
		require.Equal(t, http.StatusOK, a.status)
		assertHeaders(t, rec, rec.DiscoveryHeaders, a)
		var want []string
		for _, k := range rec.OpenIDKeys {
			if !contains(rec.OpenIDNotServed, k) {
				want = append(want, k)
			}
		}
		assert.ElementsMatch(t, want, topKeys(t, a.body), "Entra's keys, less the endpoints the fake does not serve")
		var doc map[string]any
		require.NoError(t, json.Unmarshal(a.body, &doc))
		for k, v := range doc {
			if s, ok := v.(string); ok && (strings.HasSuffix(k, "_endpoint") || k == "jwks_uri") {
				u, err := url.Parse(s)
				require.NoError(t, err)
				got := send(t, srv, http.MethodGet, u.RequestURI(), nil, "")
				assert.NotEqual(t, http.StatusNotFound, got.status, "%s (%s) answers", k, s)
			}
		}
	})

	t.Run("JWKS keys carry x5c, and kid and x5t are its SHA-1 thumbprint", func(t *testing.T) {
		a := send(t, srv, http.MethodGet, "/"+srv.TenantID+"/discovery/v2.0/keys", nil, "")
		require.Equal(t, http.StatusOK, a.status)
		assertHeaders(t, rec, rec.DiscoveryHeaders, a)
		var set struct{ Keys []json.RawMessage }
		require.NoError(t, json.Unmarshal(a.body, &set))
		require.NotEmpty(t, set.Keys)
		for _, raw := range set.Keys {
			assert.Equal(t, rec.JWKSKeyKeys, topKeys(t, raw))
			var k struct {
				Kid, X5t, N, E string
				X5c            []string
			}
			require.NoError(t, json.Unmarshal(raw, &k))
			require.Len(t, k.X5c, 1)
			der, err := base64.StdEncoding.DecodeString(k.X5c[0])
			require.NoError(t, err, "x5c is standard base64 (RFC 7517 §4.7)")
			cert, err := x509.ParseCertificate(der)
			require.NoError(t, err)
			sum := sha1.Sum(der)
			assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), k.X5t)
			assert.Equal(t, k.X5t, k.Kid)
			n, _ := base64.RawURLEncoding.DecodeString(k.N)
			pub, ok := cert.PublicKey.(*rsa.PublicKey)
			require.True(t, ok)
			assert.Zero(t, pub.N.Cmp(new(big.Int).SetBytes(n)), "the certificate holds the key n names")
		}
	})

	t.Run("instance discovery", func(t *testing.T) {
		q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/authorize"}}
		a := send(t, srv, http.MethodGet, "/common/discovery/instance?"+q.Encode(), nil, sentCorrelation)
		require.Equal(t, http.StatusOK, a.status)
		assertHeaders(t, rec, rec.DiscoveryHeaders, a)
		assert.Equal(t, sentCorrelation, a.header.Get("client-request-id"))
		assert.ElementsMatch(t, rec.InstanceDiscoveryKeys, topKeys(t, a.body))
	})
}

func TestUserInfoAnswersForADelegatedToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	q, _, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", authorizeParams(srv, "openid profile email User.Read"))
	require.NotEmpty(t, q.Get("code"), page)
	tok := send(t, srv, http.MethodPost, "/"+srv.TenantID+"/oauth2/v2.0/token", codeForm(srv, q.Get("code")), "")
	require.Equal(t, http.StatusOK, tok.status)
	var body struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	require.NoError(t, json.Unmarshal(tok.body, &body))

	call := func(auth string) answer {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/oidc/userinfo", nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, header: resp.Header, body: data}
	}
	a := call("Bearer " + body.AccessToken)
	require.Equal(t, http.StatusOK, a.status, string(a.body))
	var info map[string]string
	require.NoError(t, json.Unmarshal(a.body, &info))
	assert.Equal(t, "admin@contoso.onmicrosoft.com", info["email"])
	assert.NotEmpty(t, info["sub"])
	assert.Equal(t, subOf(t, body.IDToken), info["sub"], "the same sub as the ID token")

	for name, auth := range map[string]string{
		"no token":                  "",
		"a mangled token":           "Bearer eyJ.not.a-token",
		"an app-only token":         "Bearer " + appOnlyToken(t, srv),
		"a token with no signature": "Bearer " + strings.Join(strings.Split(body.AccessToken, ".")[:2], ".") + ".",
	} {
		got := call(auth)
		assert.Equal(t, http.StatusUnauthorized, got.status, name)
		assert.Contains(t, got.header.Get("WWW-Authenticate"), "Bearer", name)
	}
	srv.Advance(2 * 3600e9)
	assert.Equal(t, http.StatusUnauthorized, call("Bearer "+body.AccessToken).status, "an expired token")
}

func subOf(t *testing.T, idToken string) string {
	t.Helper()
	parts := strings.Split(idToken, ".")
	require.Len(t, parts, 3)
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c struct{ Sub string }
	require.NoError(t, json.Unmarshal(data, &c))
	return c.Sub
}

func appOnlyToken(t *testing.T, srv *graphauthtest.Server) string {
	t.Helper()
	a := send(t, srv, http.MethodPost, "/"+srv.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {srv.ClientID}, "client_secret": {srv.Secret}, "scope": {"https://graph.microsoft.com/.default"}}, "")
	require.Equal(t, http.StatusOK, a.status)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(a.body, &body))
	return body.AccessToken
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
