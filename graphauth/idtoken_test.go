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

func TestIDTokenValidation(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	defer jwks.Close()
	now := time.Unix(1_800_000_000, 0)
	const tid, client = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	check := idTokenCheck{authority: "https://login.example", clientID: client, nonce: "n1", now: now,
		allowed: func(t string) bool { return t == tid }}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"aud": client, "iss": "https://login.example/" + tid + "/v2.0", "tid": tid, "nonce": "n1",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	sign := func(c jwt.MapClaims, method jwt.SigningMethod, k any, kid string) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(k)
		require.NoError(t, err)
		return s
	}
	ks := newKeySet(jwks.URL, jwks.Client(), func() time.Time { return now })
	_, err = validateIDToken(context.Background(), ks, sign(good(), jwt.SigningMethodRS256, key, "k1"), check)
	require.NoError(t, err)

	mut := func(f func(jwt.MapClaims)) string {
		c := good()
		f(c)
		return sign(c, jwt.SigningMethodRS256, key, "k1")
	}
	bad := []struct{ name, raw, reason string }{
		{"alg none", sign(good(), jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "k1"), "signature"},
		{"a foreign key", sign(good(), jwt.SigningMethodRS256, foreign, "k1"), "signature"},
		{"an unknown kid", sign(good(), jwt.SigningMethodRS256, key, "k9"), "signature"},
		{"HS256 with the key ID", sign(good(), jwt.SigningMethodHS256, []byte("secret"), "k1"), "signature"},
		{"another app", mut(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), "aud"},
		{"another issuer", mut(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" + tid + "/v2.0" }), "issuer"},
		{"a tenant not allowed", mut(func(c jwt.MapClaims) {
			c["tid"], c["iss"] = "99999999-9999-9999-9999-999999999999", "https://login.example/99999999-9999-9999-9999-999999999999/v2.0"
		}), "may not sign in"},
		{"another nonce", mut(func(c jwt.MapClaims) { c["nonce"] = "n2" }), "nonce"},
		{"no nonce", mut(func(c jwt.MapClaims) { delete(c, "nonce") }), "nonce"},
		{"a nonce that is not a string", mut(func(c jwt.MapClaims) { c["nonce"] = []string{"n1"} }), "nonce"},
		{"expired", mut(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Minute).Unix() }), "expired"},
		{"issued in the future", mut(func(c jwt.MapClaims) {
			c["iat"], c["nbf"] = now.Add(10*time.Minute).Unix(), now.Add(10*time.Minute).Unix()
		}), "future"},
		{"no iat", mut(func(c jwt.MapClaims) { delete(c, "iat") }), "iat"},
		{"an iat that is not a number", mut(func(c jwt.MapClaims) { c["iat"] = "yesterday" }), "iat"},
		{"issued a day ago, still unexpired", mut(func(c jwt.MapClaims) {
			c["iat"], c["nbf"] = now.Add(-24*time.Hour).Unix(), now.Add(-24*time.Hour).Unix()
		}), "iat"},
		{"issued before the sign-in could have started", mut(func(c jwt.MapClaims) { c["iat"] = now.Add(-maxIDTokenAge - time.Second).Unix() }), "iat"},
		{"an iat in the future beyond the skew, nbf absent", mut(func(c jwt.MapClaims) { delete(c, "nbf"); c["iat"] = now.Add(6 * time.Minute).Unix() }), "future"},
		{"several audiences without azp", mut(func(c jwt.MapClaims) { c["aud"] = []string{client, "33333333-3333-3333-3333-333333333333"} }), "azp"},
		{"several audiences, azp another app", mut(func(c jwt.MapClaims) {
			c["aud"], c["azp"] = []string{client, "33333333-3333-3333-3333-333333333333"}, "33333333-3333-3333-3333-333333333333"
		}), "azp"},
		{"one audience, azp another app", mut(func(c jwt.MapClaims) { c["azp"] = "33333333-3333-3333-3333-333333333333" }), "azp"},
		{"an azp that is not a string", mut(func(c jwt.MapClaims) { c["aud"], c["azp"] = []string{client, "x"}, []string{client} }), "azp"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := validateIDToken(context.Background(), ks, c.raw, check)
			var ie *IDTokenError
			require.ErrorAs(t, err, &ie)
			assert.Contains(t, ie.Error(), c.reason)
		})
	}
	accepted := []struct{ name, raw string }{
		{"expired, within the 5-minute skew", mut(func(c jwt.MapClaims) { c["exp"] = now.Add(-4 * time.Minute).Unix() })},
		{"issued 4 minutes ahead (skew)", mut(func(c jwt.MapClaims) {
			c["iat"], c["nbf"] = now.Add(4*time.Minute).Unix(), now.Add(4*time.Minute).Unix()
		})},
		{"issued at the start of a sign-in that took its full time", mut(func(c jwt.MapClaims) { c["iat"] = now.Add(-maxIDTokenAge + time.Second).Unix() })},
		{"no nbf", mut(func(c jwt.MapClaims) { delete(c, "nbf") })},
		{"several audiences, azp this app", mut(func(c jwt.MapClaims) {
			c["aud"], c["azp"] = []string{"33333333-3333-3333-3333-333333333333", client}, client
		})},
		{"one audience, azp this app", mut(func(c jwt.MapClaims) { c["azp"] = client })},
		{"one audience in a list, no azp", mut(func(c jwt.MapClaims) { c["aud"] = []string{client} })},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			_, err := validateIDToken(context.Background(), ks, c.raw, check)
			assert.NoError(t, err)
		})
	}
}

func TestCallbackErrorReadsTheDescription(t *testing.T) {
	t.Parallel()
	e := callbackError("interaction_required", "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-01-01 00:00:00Z")
	assert.Equal(t, "interaction_required", e.Code)
	assert.Equal(t, []int{50076}, e.AADSTS)
	assert.Equal(t, "t-1", e.TraceID)
	assert.Equal(t, "c-1", e.CorrelationID)
	assert.NotContains(t, e.Error(), "\n")
	plain := callbackError("access_denied", "The user canceled")
	assert.Empty(t, plain.AADSTS)
}

// Whatever an error redirect holds, the error keeps to RFC 6749's
// characters and to bounded lengths.
func FuzzCallbackError(f *testing.F) {
	f.Add("access_denied", "AADSTS65004: User declined.\r\nTrace ID: x")
	f.Add("x", "AADSTS:")
	f.Add("access_denied\r\nSet-Cookie: a=b", "AADSTS65004: \"q\" \\ \x1b[31m \u00fc\rforged\nTrace ID: t\rx")
	f.Add("\xff", "\xc3\x28")
	f.Fuzz(func(t *testing.T, code, desc string) {
		e := callbackError(code, desc)
		assert.LessOrEqual(t, len(e.Code), maxCallbackCode)
		assert.LessOrEqual(t, len(e.Description), maxCallbackDescription)
		assert.LessOrEqual(t, len(e.TraceID), maxCallbackID)
		assert.LessOrEqual(t, len(e.CorrelationID), maxCallbackID)
		for _, v := range []string{e.Code, e.Description, e.TraceID, e.CorrelationID, e.Error()} {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
					t.Fatalf("%q holds %q, outside RFC 6749 §4.1.2.1", v, c)
				}
			}
		}
	})
}

// Whatever the platform (or an attacker) sends as an ID token, validation
// returns claims only for a token signed by the published key with every
// claim right.
func FuzzValidateIDToken(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	defer jwks.Close()
	now := time.Unix(1_800_000_000, 0)
	const tid = "11111111-1111-1111-1111-111111111111"
	good := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"aud": "app", "iss": "https://login.example/" + tid + "/v2.0", "tid": tid,
		"nonce": "n1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	good.Header["kid"] = "k1"
	signed, _ := good.SignedString(key)
	f.Add(signed)
	several := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"aud": []string{"app", "other"}, "azp": "app",
		"iss": "https://login.example/" + tid + "/v2.0", "tid": tid, "nonce": "n1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	several.Header["kid"] = "k1"
	signed, _ = several.SignedString(key)
	f.Add(signed)
	f.Add("eyJhbGciOiJub25lIn0.eyJhdWQiOiJhcHAifQ.")
	f.Add("not.a.jwt")
	ks := newKeySet(jwks.URL, jwks.Client(), func() time.Time { return now })
	check := idTokenCheck{authority: "https://login.example", clientID: "app", nonce: "n1", now: now, allowed: func(t string) bool { return t == tid }}
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := validateIDToken(context.Background(), ks, raw, check)
		if err == nil {
			assert.Equal(t, tid, claims["tid"])
			assert.Equal(t, "n1", claims["nonce"])
		}
	})
}
