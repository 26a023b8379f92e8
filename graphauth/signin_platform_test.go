package graphauth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

const (
	scriptedAuthority = "https://login.scripted.test"
	scriptedClientID  = "22222222-2222-2222-2222-222222222222"
	scriptedTenantID  = "11111111-1111-1111-1111-111111111111"
	scriptedUserID    = "44444444-4444-4444-4444-444444444444"
)

// scriptedKey signs the scripted platform's ID tokens; one key serves every
// test, as generating one takes a while.
var scriptedKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// scriptedPlatform is an identity platform in memory, for tests that write
// the token endpoint's answers byte by byte: it serves the OpenID
// configuration (whose issuer names scriptedTenantID, whatever tenant the
// path names, as Microsoft's does for a tenant's domain) and the signing
// keys, and answers each token request with answer. It counts the
// configuration requests.
//
// With authority set to a Microsoft cloud's host, MSAL also asks it for
// instance discovery, as it does of the real platform; nothing leaves the
// process either way.
type scriptedPlatform struct {
	authority string // empty means scriptedAuthority
	answer    func(form url.Values) (status int, body []byte)
	configs   atomic.Int32
}

func (p *scriptedPlatform) host() string {
	if p.authority == "" {
		return scriptedAuthority
	}
	return p.authority
}

func (p *scriptedPlatform) RoundTrip(req *http.Request) (*http.Response, error) {
	status, body := http.StatusNotFound, []byte(`{"error":"not_found"}`)
	seg, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	host := p.host()
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/common/discovery/instance":
		status, body = http.StatusOK, mustJSON(map[string]any{"api-version": "1.1",
			"tenant_discovery_endpoint": host + "/" + scriptedTenantID + "/v2.0/.well-known/openid-configuration",
			"metadata":                  []map[string]any{{"preferred_network": req.URL.Host, "preferred_cache": req.URL.Host, "aliases": []string{req.URL.Host}}}})
	case req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/v2.0/.well-known/openid-configuration"):
		p.configs.Add(1)
		status, body = http.StatusOK, mustJSON(map[string]any{
			"issuer":                 host + "/" + scriptedTenantID + "/v2.0",
			"token_endpoint":         host + "/" + seg + "/oauth2/v2.0/token",
			"authorization_endpoint": host + "/" + seg + "/oauth2/v2.0/authorize",
			"jwks_uri":               host + "/" + seg + "/discovery/v2.0/keys",
		})
	case req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/discovery/v2.0/keys"):
		pub := scriptedKey().PublicKey
		status, body = http.StatusOK, mustJSON(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}}})
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/oauth2/v2.0/token"):
		data, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(data))
		status, body = p.answer(form)
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// signIn is a confidential client of the scripted platform for tenant.
func (p *scriptedPlatform) signIn(t testing.TB, tenant string) *graphauth.SignIn {
	t.Helper()
	return p.signInWith(t, tenant, nil)
}

// signInWith is signIn with a Store.
func (p *scriptedPlatform) signInWith(t testing.TB, tenant string, store graphauth.Store) *graphauth.SignIn {
	t.Helper()
	s, err := graphauth.NewSignIn(tenant, scriptedClientID, graphauth.ClientAuth{Secret: "s~scripted-secret-value"},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: p.host(), HTTPClient: &http.Client{Transport: p},
			Retry: graphauth.RetryOptions{MaxRetries: -1}}, RedirectURI: callbackURI, Store: store})
	require.NoError(t, err)
	return s
}

// complete runs one sign-in of s to the callback and completes it, the
// token endpoint answering with tokens(the sign-in's nonce, the request).
func (p *scriptedPlatform) complete(t testing.TB, s *graphauth.SignIn, tokens func(nonce string, form url.Values) (int, []byte)) (*graphauth.User, error) {
	t.Helper()
	_, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	p.answer = func(form url.Values) (int, []byte) { return tokens(pending.Nonce, form) }
	return s.Complete(context.Background(), pending, url.Values{"state": {pending.State}, "code": {"scripted-code"}})
}

// good answers with a good token response for nonce.
func (p *scriptedPlatform) good(nonce string, _ url.Values) (int, []byte) {
	return 200, scriptedTokens(p.idToken(nonce, nil), nil)
}

// idToken is scriptedIDToken, issued by this platform's host.
func (p *scriptedPlatform) idToken(nonce string, edit func(jwt.MapClaims)) string {
	return scriptedIDToken(nonce, func(c jwt.MapClaims) {
		c["iss"] = p.host() + "/" + scriptedTenantID + "/v2.0"
		if edit != nil {
			edit(c)
		}
	})
}

// scriptedIDToken signs an ID token for this app, a user of
// scriptedTenantID and the sign-in's nonce, changed by edit.
func scriptedIDToken(nonce string, edit func(jwt.MapClaims)) string {
	now := time.Now()
	c := jwt.MapClaims{"aud": scriptedClientID, "iss": scriptedAuthority + "/" + scriptedTenantID + "/v2.0",
		"tid": scriptedTenantID, "oid": scriptedUserID, "sub": "pairwise-sub", "nonce": nonce,
		"preferred_username": "adele@contoso.onmicrosoft.com", "name": "Adele Vance", "ver": "2.0",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if edit != nil {
		edit(c)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(scriptedKey())
	if err != nil {
		panic(err)
	}
	return s
}

// scriptedTokens is a good token response carrying idToken, changed by
// edit; a nil value deletes a field.
func scriptedTokens(idToken string, edit map[string]any) []byte {
	r := map[string]any{"token_type": "Bearer", "scope": "User.Read profile openid",
		"expires_in": 3599, "ext_expires_in": 3599, "access_token": "scripted-access-token", "refresh_token": "scripted-refresh-token",
		"id_token":    idToken,
		"client_info": base64.RawURLEncoding.EncodeToString(mustJSON(map[string]string{"uid": scriptedUserID, "utid": scriptedTenantID}))}
	for k, v := range edit {
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	return mustJSON(r)
}
