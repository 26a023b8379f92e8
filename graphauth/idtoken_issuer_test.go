package graphauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The platform names itself in an ID token's iss with its cloud's own host
// (https://login.microsoftonline.com/{tid}/v2.0), whichever of the cloud's
// hosts the app signs in through: an app configured with an alias
// (login.windows.net, login.chinacloudapi.cn) or with the host in capitals
// refused every sign-in. Another cloud's issuer is still refused.
func TestIDTokenIssuerThroughAnAliasHost(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	defer jwks.Close()
	now := time.Unix(1_800_000_000, 0)
	const tid, client = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	ks := newKeySet(jwks.URL, jwks.Client(), func() time.Time { return now })
	token := func(iss string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"aud": client, "iss": iss, "tid": tid, "nonce": "n1",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	validate := func(authority, iss string) error {
		_, err := validateIDToken(context.Background(), ks, token(iss), idTokenCheck{authority: authority, clientID: client, nonce: "n1", now: now,
			allowed: func(t string) bool { return t == tid }})
		return err
	}
	for authority, iss := range map[string]string{
		"https://login.windows.net":                "https://login.microsoftonline.com/" + tid + "/v2.0",
		"https://login.microsoft.com":              "https://login.microsoftonline.com/" + tid + "/v2.0",
		"https://Login.MicrosoftOnline.com":        "https://login.microsoftonline.com/" + tid + "/v2.0",
		"https://login.chinacloudapi.cn":           "https://login.partner.microsoftonline.cn/" + tid + "/v2.0",
		"https://login.usgovcloudapi.net":          "https://login.microsoftonline.us/" + tid + "/v2.0",
		"https://login.microsoftonline.com":        "https://login.microsoftonline.com/" + tid + "/v2.0",
		"https://login.private.example":            "https://login.private.example/" + tid + "/v2.0",
		"https://login.partner.microsoftonline.cn": "https://login.partner.microsoftonline.cn/" + tid + "/v2.0",
	} {
		assert.NoError(t, validate(authority, iss), authority)
	}
	for authority, iss := range map[string]string{
		"https://login.windows.net":         "https://login.microsoftonline.us/" + tid + "/v2.0",
		"https://login.chinacloudapi.cn":    "https://login.microsoftonline.com/" + tid + "/v2.0",
		"https://login.microsoftonline.com": "https://login.windows.net.evil.example/" + tid + "/v2.0",
		"https://login.private.example":     "https://login.microsoftonline.com/" + tid + "/v2.0",
	} {
		var ie *IDTokenError
		require.ErrorAs(t, validate(authority, iss), &ie, "%s, %s", authority, iss)
		assert.Contains(t, ie.Error(), "issuer")
	}
}
