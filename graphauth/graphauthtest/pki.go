package graphauthtest

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
)

// randomSerial is a certificate serial number of 127 random bits (RFC 5280
// §4.1.2.2 allows up to 20 octets; CAs use at least 64 random bits).
func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("graphauthtest: " + err.Error())
	}
	return n
}

// mustCertificate signs tmpl with the parent's key and parses the result.
// Signing a well-formed template with an in-memory key cannot fail.
func mustCertificate(tmpl, parent *x509.Certificate, pub, priv any) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		panic("graphauthtest: creating a certificate: " + err.Error())
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic("graphauthtest: " + err.Error())
	}
	return cert
}
