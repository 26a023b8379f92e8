package graphauth

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
	"unicode/utf16"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// ErrCertificatePassword means a PFX file or an encrypted private key could
// not be opened with the password given (or without one).
var ErrCertificatePassword = errors.New("graphauth: wrong or missing certificate password")

// LoadCertificate reads a certificate and its private key from a file: PEM
// (certificates and key in any order; PKCS#1, PKCS#8 or encrypted PKCS#8
// keys) or PFX/PKCS#12, including the AES-256 files that Windows and Key
// Vault export. See [ParseCertificate].
func LoadCertificate(path string, password Secret) ([]*x509.Certificate, crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &ConfigError{Field: "ClientCertificatePath", Reason: "cannot be read", Err: err}
	}
	return ParseCertificate(data, password)
}

// ParseCertificate parses PEM or PFX data into a chain, leaf first, and the
// leaf's RSA private key. It returns an error wrapping
// ErrCertificatePassword for a wrong password, and a *ConfigError when there
// is no certificate, no key, a key that is not RSA, or a key that matches no
// certificate. Validity dates are not checked here; credentials check them.
func ParseCertificate(data []byte, password Secret) ([]*x509.Certificate, crypto.Signer, error) {
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	var err error
	data = fromBase64(asUTF8(data))
	if bytes.Contains(data, []byte("-----BEGIN")) {
		certs, key, err = parsePEM(data, string(password))
	} else {
		certs, key, err = parsePFX(data, string(password))
	}
	if err != nil {
		return nil, nil, err
	}
	return orderChain(certs, key)
}

func parsePEM(data []byte, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		var err error
		switch block.Type {
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(block.Bytes); err == nil {
				certs = append(certs, c)
			}
		case "RSA PRIVATE KEY":
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "legacy OpenSSL-encrypted keys are not supported: convert with 'openssl pkcs8 -topk8' to encrypted PKCS#8"}
			}
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "OPENSSH PRIVATE KEY":
			return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "the private key is in OpenSSH's format (ssh-keygen), which certificates do not use: " +
				"give the key the certificate was created with, or convert an RSA one to PKCS#8 with 'ssh-keygen -p -m PKCS8 -f <key file>' (it rewrites the file)"}
		case "EC PRIVATE KEY":
			return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "the private key is an EC (elliptic-curve) key, " + needRSA}
		case "ENCRYPTED PRIVATE KEY":
			if password == "" {
				return nil, nil, fmt.Errorf("%w: the private key is encrypted", ErrCertificatePassword)
			}
			key, err = pkcs8.ParsePKCS8PrivateKey(block.Bytes, []byte(password))
			if err != nil {
				return nil, nil, fmt.Errorf("%w: the encrypted private key did not decrypt", ErrCertificatePassword)
			}
		}
		if err != nil {
			return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "a " + block.Type + " block is malformed", Err: errors.New(firstLine(err.Error()))}
		}
	}
	return certs, key, nil
}

// asUTF8 turns the text a Windows editor saves into what pem.Decode
// reads: a UTF-8 byte order mark (Notepad) is dropped, since it hides the
// first block, and UTF-16 text with its mark (Windows PowerShell's
// Out-File and > redirection) is decoded. Anything else, such as a PFX,
// is returned as it is.
func asUTF8(data []byte) []byte {
	if rest, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf")); ok {
		return rest
	}
	if len(data) < 2 || len(data)%2 != 0 {
		return data
	}
	var order binary.ByteOrder
	switch {
	case data[0] == 0xff && data[1] == 0xfe:
		order = binary.LittleEndian
	case data[0] == 0xfe && data[1] == 0xff:
		order = binary.BigEndian
	default:
		return data
	}
	units := make([]uint16, 0, len(data)/2-1)
	for i := 2; i < len(data); i += 2 {
		units = append(units, order.Uint16(data[i:]))
	}
	text := []byte(string(utf16.Decode(units)))
	if !bytes.Contains(text, []byte("-----BEGIN")) {
		return data // a binary file that happens to start with a mark
	}
	return text
}

// fromBase64 decodes a file that is base64 text and nothing else, as a
// certificate kept in Azure Key Vault downloads (the secret's value is the
// PFX in base64) and as some tools write a .cer without its PEM lines.
// Anything else is returned as it is.
func fromBase64(data []byte) []byte {
	text := bytes.Join(bytes.Fields(data), nil)
	if len(text) < 64 || bytes.ContainsFunc(text, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=')
	}) {
		return data
	}
	der, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil || len(der) == 0 || der[0] != 0x30 { // a DER SEQUENCE: a PFX or a certificate
		return data
	}
	return der
}

func parsePFX(data []byte, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if _, cerr := x509.ParseCertificate(data); err != nil && cerr == nil {
		return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "is a certificate alone (a DER .cer file) and holds no private key: " +
			"give the PFX or PEM file that holds the key; the .cer is what you upload to the app"}
	}
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return nil, nil, fmt.Errorf("%w: the PFX file did not open", ErrCertificatePassword)
	case err != nil:
		return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "is neither PEM nor a PFX (PKCS#12) file", Err: errors.New(firstLine(err.Error()))}
	}
	return append([]*x509.Certificate{leaf}, chain...), key, nil
}

// needRSA is the remedy for a key that is not RSA.
const needRSA = "and Microsoft Entra ID needs an RSA key for client assertions: create an RSA certificate " +
	"(openssl req -x509 -newkey rsa:2048 -keyout key.pem -out cert.pem -days 365 -nodes -subj /CN=app) and upload cert.pem to the app"

// keyKind names a private key's algorithm for a person.
func keyKind(key crypto.PrivateKey) string {
	switch key.(type) {
	case *ecdsa.PrivateKey:
		return "an EC (elliptic-curve) key"
	case ed25519.PrivateKey, *ed25519.PrivateKey:
		return "an Ed25519 key"
	case *ecdh.PrivateKey:
		return "an ECDH key"
	}
	return fmt.Sprintf("a %T key", key)
}

// orderChain finds the certificate that matches the key and puts it first.
func orderChain(certs []*x509.Certificate, key crypto.PrivateKey) ([]*x509.Certificate, crypto.Signer, error) {
	if len(certs) == 0 {
		return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "holds no certificate"}
	}
	if key == nil {
		return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "holds no private key: use the PEM or PFX with the key, not the .cer uploaded to the app"}
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "the private key is " + keyKind(key) + ", " + needRSA}
	}
	for i, c := range certs {
		if rk.PublicKey.Equal(c.PublicKey) {
			chain := append([]*x509.Certificate{c}, certs[:i]...)
			return append(chain, certs[i+1:]...), rk, nil
		}
	}
	return nil, nil, &ConfigError{Field: "ClientCertificate", Reason: "the private key does not match any certificate in the file"}
}

// notValidBefore starts the reason a certificate not valid yet is refused
// for; a watched file holding one is read again until it is (see
// fileSource.check).
const notValidBefore = "is not valid before"

// checkValidity refuses a certificate outside its validity period.
func checkValidity(leaf *x509.Certificate, now time.Time) error {
	switch {
	case now.After(leaf.NotAfter):
		return &ConfigError{Field: "ClientCertificate", Reason: fmt.Sprintf("expired on %s: create a new certificate and upload it to the app", leaf.NotAfter.UTC().Format(time.DateOnly))}
	case now.Before(leaf.NotBefore):
		return &ConfigError{Field: "ClientCertificate", Reason: fmt.Sprintf("%s %s", notValidBefore, leaf.NotBefore.UTC().Format(time.RFC3339))}
	}
	return nil
}
