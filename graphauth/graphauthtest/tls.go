package graphauthtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"time"
)

// serverPKI is a Server's own certificate authority and the TLS
// certificate it issued for the loopback names. Both are made anew for
// every Server, and the CA's key lives only in this struct: it is never
// written anywhere, so trusting the CA (for a test run) trusts only this
// server. httptest's certificate, by contrast, has its private key in Go's
// source.
type serverPKI struct {
	ca   *x509.Certificate
	leaf tls.Certificate
}

// newServerPKI makes a CA and a certificate for 127.0.0.1, ::1 and
// localhost, valid from a day ago (by the system clock, which TLS clients
// check against, not the server's Advance-able one) for a year. ECDSA
// P-256 keeps this to well under a millisecond.
func newServerPKI(now time.Time) serverPKI {
	caKey := mustECKey()
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "graphauthtest CA " + newGUID()[:8], Organization: []string{"entrakit graphauthtest"}},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		// Name constraints: a CA someone added to a system store (against
		// the advice) still vouches for the loopback names only, never for
		// login.microsoftonline.com or any other host.
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{"localhost"},
		PermittedIPRanges: []*net.IPNet{
			{IP: net.IPv4(127, 0, 0, 1).To4(), Mask: net.CIDRMask(32, 32)},
			{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
		},
	}
	ca := mustCertificate(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	leafKey := mustECKey()
	leafTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.AddDate(1, 0, 0).Add(-time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leaf := mustCertificate(leafTmpl, ca, &leafKey.PublicKey, caKey)
	return serverPKI{ca: ca, leaf: tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: leafKey, Leaf: leaf}}
}

// pool is a certificate pool holding only the CA.
func (p serverPKI) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	return pool
}

func mustECKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("graphauthtest: generating an ECDSA key: " + err.Error())
	}
	return k
}
