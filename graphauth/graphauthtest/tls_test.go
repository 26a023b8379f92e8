package graphauthtest_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestEachServerHasItsOwnCAWithALoopbackLeaf(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ca, leaf := srv.CA(), srv.Certificate()
	assert.True(t, ca.IsCA)
	assert.False(t, leaf.IsCA, "the served certificate cannot issue others")
	require.NoError(t, leaf.CheckSignatureFrom(ca))
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name})
		assert.NoError(t, err, "the leaf is valid for %s", name)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "login.microsoftonline.com"})
	assert.Error(t, err, "and for nothing else")

	other := graphauthtest.NewServer(nil)
	defer other.Close()
	assert.False(t, bytes.Equal(ca.Raw, other.CA().Raw), "a fresh CA per server")
	assert.False(t, bytes.Equal(ca.RawSubjectPublicKeyInfo, other.CA().RawSubjectPublicKeyInfo))

	// httptest's certificate, whose key is published in Go's source, is
	// neither the CA nor the leaf.
	pub := httptest.NewTLSServer(http.NotFoundHandler())
	defer pub.Close()
	for _, c := range []*x509.Certificate{ca, leaf} {
		assert.False(t, bytes.Equal(c.RawSubjectPublicKeyInfo, pub.Certificate().RawSubjectPublicKeyInfo))
	}
}

func TestAClientTrustingOnlyTheCAReachesTheServer(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.CA())
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	_, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	require.NoError(t, err)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		resp, err := c.Get("https://" + net.JoinHostPort(host, port) + "/" + srv.TenantID + "/v2.0/.well-known/openid-configuration")
		if assert.NoError(t, err, host) {
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, host)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/" + srv.TenantID + "/discovery/v2.0/keys")
	require.NoError(t, err, "Client trusts the CA")
	resp.Body.Close()

	stranger := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	_, err = stranger.Get(srv.URL + "/common/discovery/instance")
	assert.Error(t, err, "a client that does not trust the CA is refused")
}
