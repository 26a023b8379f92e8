package graphauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// The key files administrators hand over by mistake each get an error
// that says what the file is and what to give instead.
func TestKeyFileMistakesAreNamed(t *testing.T) {
	t.Parallel()
	_, cert := graphauthtest.NewCertificate("CN=app", time.Now())
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	require.NoError(t, err)
	pkcs8EC, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	for _, c := range []struct {
		name string
		data []byte
		says []string
	}{
		{"a PEM holding BEGIN EC PRIVATE KEY", append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...),
			[]string{"EC (elliptic-curve) key", "needs an RSA key", "rsa:2048"}},
		{"an EC key in PKCS#8", append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8EC})...),
			[]string{"EC (elliptic-curve) key", "needs an RSA key"}},
		{"a DER .cer where the key is needed", cert.Raw,
			[]string{"certificate alone", ".cer", "PFX or PEM file that holds the key"}},
		{"a PEM .cer where the key is needed", certPEM,
			[]string{"holds no private key", "not the .cer"}},
	} {
		_, _, err := graphauth.ParseCertificate(c.data, "")
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, c.name)
		for _, s := range c.says {
			assert.Contains(t, err.Error(), s, c.name)
		}
		assert.NotContains(t, err.Error(), "asn1", c.name)
	}
}
