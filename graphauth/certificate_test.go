package graphauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestCertificateCredentialSignsTheWaysThePlatformAccepts(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for name, extra := range map[string]graphauth.CertificateOptions{
		"PS256 with x5t#S256":       {},
		"RS256 with x5t":            {LegacyRS256: true},
		"with the chain in x5c":     {SendCertificateChain: true},
		"RS256 with the chain, too": {LegacyRS256: true, SendCertificateChain: true},
	} {
		t.Run(name, func(t *testing.T) {
			extra.Options = *fakeOpts(srv)
			cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey, &extra)
			require.NoError(t, err)
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.Len(t, rolesOf(t, tok.AccessToken), 3)
		})
	}
}

func TestCertificateCredentialRefusals(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	strangerKey, strangerCert := graphauthtest.NewCertificate("CN=stranger", srv.Now())

	cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{strangerCert}, strangerKey,
		&graphauth.CertificateOptions{Options: *fakeOpts(srv)})
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(700027), "a certificate not uploaded to the app: %v", ae.AADSTS)

	_, err = graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, strangerKey, nil)
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "does not match")

	old := x509.Certificate{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}
	key, expired := selfSigned(t, old)
	_, err = graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{expired}, key, nil)
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "expired")

	future := x509.Certificate{NotBefore: time.Now().Add(24 * time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}
	key, early := selfSigned(t, future)
	_, err = graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{early}, key, nil)
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "not valid before")

	_, err = graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, nil, nil, nil)
	require.ErrorAs(t, err, &ce)
}

func selfSigned(t *testing.T, tmpl x509.Certificate) (*rsaKey, *x509.Certificate) {
	t.Helper()
	key, _ := graphauthtest.NewCertificate("CN=tmp", time.Now())
	tmpl.SerialNumber = bigOne()
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return key, cert
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseCertificateFormats(t *testing.T) {
	t.Parallel()
	key, cert := graphauthtest.NewCertificate("CN=leaf", time.Now())
	_, ca := graphauthtest.NewCertificate("CN=ca", time.Now())
	pkcs1 := pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))
	p8der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	encDER, err := pkcs8.MarshalPrivateKey(key, []byte("pa55"), nil)
	require.NoError(t, err)
	modern, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, "pa55")
	require.NoError(t, err)
	legacy, err := pkcs12.LegacyRC2.Encode(key, cert, nil, "pa55")
	require.NoError(t, err)

	ok := map[string]struct {
		data     []byte
		password graphauth.Secret
	}{
		"PEM, PKCS#1 key after the chain":       {append(append(pemOf("CERTIFICATE", ca.Raw), pemOf("CERTIFICATE", cert.Raw)...), pkcs1...), ""},
		"PEM, PKCS#8 key first":                 {append(pemOf("PRIVATE KEY", p8der), pemOf("CERTIFICATE", cert.Raw)...), ""},
		"PEM, encrypted PKCS#8 key":             {append(pemOf("CERTIFICATE", cert.Raw), pemOf("ENCRYPTED PRIVATE KEY", encDER)...), "pa55"},
		"PFX, AES-256 as Windows and Key Vault": {modern, "pa55"},
		"PFX, legacy RC2":                       {legacy, "pa55"},
	}
	for name, c := range ok {
		chain, signer, err := graphauth.ParseCertificate(c.data, c.password)
		require.NoError(t, err, name)
		assert.True(t, chain[0].Equal(cert), "%s: the leaf comes first", name)
		assert.True(t, key.PublicKey.Equal(signer.Public()), name)
	}

	_, _, err = graphauth.ParseCertificate(modern, "wrong")
	assert.ErrorIs(t, err, graphauth.ErrCertificatePassword)
	_, _, err = graphauth.ParseCertificate(append(pemOf("CERTIFICATE", cert.Raw), pemOf("ENCRYPTED PRIVATE KEY", encDER)...), "wrong")
	assert.ErrorIs(t, err, graphauth.ErrCertificatePassword)
	_, _, err = graphauth.ParseCertificate(append(pemOf("CERTIFICATE", cert.Raw), pemOf("ENCRYPTED PRIVATE KEY", encDER)...), "")
	assert.ErrorIs(t, err, graphauth.ErrCertificatePassword)

	otherKey, _ := graphauthtest.NewCertificate("CN=other", time.Now())
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	bad := map[string][]byte{
		"a .cer without a key":        pemOf("CERTIFICATE", cert.Raw),
		"a key without a certificate": pkcs1,
		"a key for another cert":      append(pemOf("CERTIFICATE", cert.Raw), pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(otherKey))...),
		"an EC key":                   append(pemOf("CERTIFICATE", cert.Raw), pemOf("PRIVATE KEY", ecDER)...),
		"a malformed block":           append(pemOf("CERTIFICATE", []byte("junk")), pkcs1...),
		"neither PEM nor PFX":         []byte("hello"),
	}
	for name, data := range bad {
		_, _, err := graphauth.ParseCertificate(data, "")
		var ce *graphauth.ConfigError
		assert.ErrorAs(t, err, &ce, name)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "app.pfx")
	require.NoError(t, os.WriteFile(path, modern, 0o600))
	chain, _, err := graphauth.LoadCertificate(path, "pa55")
	require.NoError(t, err)
	assert.Len(t, chain, 2)
	_, _, err = graphauth.LoadCertificate(filepath.Join(dir, "missing.pem"), "")
	assert.Error(t, err)
}
