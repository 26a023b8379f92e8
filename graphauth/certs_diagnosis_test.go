package graphauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"

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

// A PEM file saved by a Windows editor, with a UTF-8 byte order mark
// (Notepad) or as UTF-16 (Windows PowerShell's Out-File), is read as the
// PEM it is: the mark no longer hides the key in the first block.
func TestAPEMSavedOnWindowsIsRead(t *testing.T) {
	t.Parallel()
	key, cert := graphauthtest.NewCertificate("CN=app", time.Now())
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	text := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})) + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	text = strings.ReplaceAll(text, "\n", "\r\n")
	utf16le := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		utf16le = binary.LittleEndian.AppendUint16(utf16le, u)
	}
	for name, data := range map[string][]byte{
		"UTF-8 with a byte order mark": append([]byte("\xef\xbb\xbf"), text...),
		"UTF-16LE with its mark":       utf16le,
	} {
		certs, signer, err := graphauth.ParseCertificate(data, "")
		require.NoError(t, err, name)
		assert.Equal(t, cert.Raw, certs[0].Raw, name)
		assert.NotNil(t, signer, name)
	}
}

// An OpenSSH private key (ssh-keygen's default) is named as such, not as
// a file without a key.
func TestAnOpenSSHKeyIsNamed(t *testing.T) {
	t.Parallel()
	_, cert := graphauthtest.NewCertificate("CN=app", time.Now())
	data := append(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("openssh-key-v1\x00")}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	_, _, err := graphauth.ParseCertificate(data, "")
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "OpenSSH")
	assert.Contains(t, err.Error(), "ssh-keygen -p -m PKCS8")
}

// A certificate downloaded from Azure Key Vault (the secret's value: the
// PFX in base64, wrapped or not) opens; a .cer written as bare base64 is
// named as a certificate alone, not an asn1 error.
func TestABase64PFXFromKeyVaultOpens(t *testing.T) {
	t.Parallel()
	key, cert := graphauthtest.NewCertificate("CN=app", time.Now())
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, "")
	require.NoError(t, err)
	text := base64.StdEncoding.EncodeToString(pfx)
	wrapped := ""
	for len(text) > 76 {
		wrapped, text = wrapped+text[:76]+"\r\n", text[76:]
	}
	wrapped += text + "\n"
	certs, signer, err := graphauth.ParseCertificate([]byte(wrapped), "")
	require.NoError(t, err)
	assert.Equal(t, cert.Raw, certs[0].Raw)
	assert.NotNil(t, signer)

	_, _, err = graphauth.ParseCertificate([]byte(base64.StdEncoding.EncodeToString(cert.Raw)), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate alone")
	assert.NotContains(t, err.Error(), "asn1")
}
