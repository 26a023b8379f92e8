package jwtsign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestSignPS256AndRS256(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	key, cert := graphauthtest.NewCertificate("CN=a", now)
	for _, c := range []struct {
		alg    Alg
		header string
		thumb  []byte
	}{
		{PS256, "x5t#S256", func() []byte { s := sha256.Sum256(cert.Raw); return s[:] }()},
		{RS256, "x5t", func() []byte { s := sha1.Sum(cert.Raw); return s[:] }()},
	} {
		raw, err := Sign(Assertion{ClientID: "cid", Audience: "https://h/t/oauth2/v2.0/token", Chain: []*x509.Certificate{cert},
			Signer: key, Alg: c.alg, SendX5C: true, Now: now, JTI: "j1"})
		require.NoError(t, err)
		claims := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
			jwt.WithValidMethods([]string{string(c.alg)}), jwt.WithTimeFunc(func() time.Time { return now }))
		require.NoError(t, err, c.alg)
		assert.Equal(t, base64.RawURLEncoding.EncodeToString(c.thumb), tok.Header[c.header])
		assert.Len(t, tok.Header["x5c"], 1)
		assert.Equal(t, "cid", claims["iss"])
		assert.Equal(t, "cid", claims["sub"])
		assert.EqualValues(t, now.Add(10*time.Minute).Unix(), claims["exp"])
	}
}

func TestSignRefusesBadInput(t *testing.T) {
	t.Parallel()
	now := time.Now()
	key, cert := graphauthtest.NewCertificate("CN=a", now)
	_, err := Sign(Assertion{Alg: "HS256", Chain: []*x509.Certificate{cert}, Signer: key})
	assert.ErrorContains(t, err, "unsupported algorithm")
	_, err = Sign(Assertion{Alg: PS256, Signer: key})
	assert.Error(t, err)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = Sign(Assertion{Alg: PS256, Chain: []*x509.Certificate{cert}, Signer: ec, Now: now})
	assert.Error(t, err, "an EC key cannot make an RSA signature")
}
