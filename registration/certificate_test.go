package registration_test

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
)

func TestSelfSignedCertificateAndItsExports(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cert, err := registration.NewSelfSignedCertificate("CN=sync worker", &registration.SelfSignedOptions{Validity: 90 * 24 * time.Hour, Now: now})
	require.NoError(t, err)
	leaf := cert.Leaf()
	assert.Equal(t, "sync worker", leaf.Subject.CommonName)
	assert.Equal(t, now.Add(90*24*time.Hour), leaf.NotAfter.UTC())

	sha := sha1.Sum(leaf.Raw)
	assert.Equal(t, strings.ToUpper(hex.EncodeToString(sha[:])), registration.Thumbprint(leaf))
	assert.Len(t, registration.Thumbprint(leaf), 40)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sha[:]), registration.X5T(leaf))
	s256 := sha256.Sum256(leaf.Raw)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(s256[:]), registration.X5TS256(leaf))
	assert.Equal(t, leaf.Raw, registration.CER(leaf))

	for _, pw := range []graphauth.Secret{"", "s3cret"} {
		pemBytes, err := cert.PEM(pw)
		require.NoError(t, err)
		chain, key, err := graphauth.ParseCertificate(pemBytes, pw)
		require.NoError(t, err, "PEM with password %q round-trips", pw != "")
		assert.True(t, chain[0].Equal(leaf))
		assert.True(t, key.Public().(*rsa.PublicKey).Equal(cert.Key.Public()))
	}
	pfx, err := cert.PFX("s3cret")
	require.NoError(t, err)
	chain, _, err := graphauth.ParseCertificate(pfx, "s3cret")
	require.NoError(t, err)
	assert.True(t, chain[0].Equal(leaf))
	_, _, err = graphauth.ParseCertificate(pfx, "wrong")
	assert.ErrorIs(t, err, graphauth.ErrCertificatePassword)

	_, err = registration.NewSelfSignedCertificate("", nil)
	assert.Error(t, err)
	_, err = registration.NewSelfSignedCertificate("CN=x", &registration.SelfSignedOptions{KeyBits: 1024})
	assert.ErrorContains(t, err, "too small")
}

func TestKeyCredentialAndMatching(t *testing.T) {
	t.Parallel()
	a, err := registration.NewSelfSignedCertificate("a", nil)
	require.NoError(t, err)
	b, err := registration.NewSelfSignedCertificate("b", nil)
	require.NoError(t, err)
	kc := registration.NewKeyCredential(a.Leaf(), "")
	assert.Equal(t, "AsymmetricX509Cert", kc.Type)
	assert.Equal(t, "Verify", kc.Usage)
	assert.Equal(t, "CN=a", kc.DisplayName)
	assert.Equal(t, registration.Thumbprint(a.Leaf()), kc.Thumbprint())
	der, err := base64.StdEncoding.DecodeString(kc.Key)
	require.NoError(t, err)
	assert.Equal(t, a.Leaf().Raw, der, "key is the base64 DER of the public certificate only")

	listed := registration.KeyCredential{CustomKeyIdentifier: kc.CustomKeyIdentifier, Type: "AsymmetricX509Cert", Usage: "Verify"}
	got, ok := registration.MatchRegistered(a.Leaf(), []registration.KeyCredential{listed})
	assert.True(t, ok, "matched by customKeyIdentifier when Graph leaves out the key")
	assert.Equal(t, listed, got)
	_, ok = registration.MatchRegistered(b.Leaf(), []registration.KeyCredential{kc})
	assert.False(t, ok)
}
