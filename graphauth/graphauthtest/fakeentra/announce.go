package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// hello is the one JSON line fakeentra prints once it serves: where it is,
// the files it wrote and every ID it created. Secrets appear only in the
// default mode, whose secret the server made up; a configuration file's
// secrets are the caller's and are not echoed.
type hello struct {
	URL        string `json:"url"`
	ControlURL string `json:"controlUrl"`
	CAFile     string `json:"caFile"`

	// The default directory's tenant and app, in default mode only.
	TenantID         string `json:"tenantId,omitempty"`
	TenantDomain     string `json:"tenantDomain,omitempty"`
	ClientID         string `json:"clientId,omitempty"`
	ClientSecret     string `json:"clientSecret,omitempty"`
	SecretID         string `json:"secretId,omitempty"`
	CertificateFile  string `json:"certificateFile,omitempty"`
	KeyFile          string `json:"keyFile,omitempty"`
	PEMFile          string `json:"pemFile,omitempty"` // the key and then the certificate, in one file
	CertificateID    string `json:"certificateId,omitempty"`
	ThumbprintSHA1   string `json:"thumbprintSha1,omitempty"`
	ThumbprintSHA256 string `json:"thumbprintSha256,omitempty"`

	Tenants []tenantJSON   `json:"tenants"`
	Apps    []appStateJSON `json:"apps"`
}

// announce builds the hello line; files is where the default app's
// certificate and key go, in default mode.
func announce(srv *graphauthtest.Server, controlURL, caFile, dir string, defaultMode bool) (hello, error) {
	h := hello{URL: srv.URL, ControlURL: controlURL, CAFile: caFile, Tenants: []tenantJSON{}, Apps: []appStateJSON{}}
	for _, t := range srv.Tenants() {
		h.Tenants = append(h.Tenants, tenantView(t))
	}
	for _, id := range srv.Apps() {
		if a, ok := srv.App(id); ok {
			v := appView(a)
			for i := range v.Certificates {
				v.Certificates[i].CertificatePEM = ""
			}
			h.Apps = append(h.Apps, v)
		}
	}
	if !defaultMode {
		return h, nil
	}
	a, ok := srv.App(srv.ClientID)
	if !ok || len(a.Secrets) == 0 || len(a.Certificates) == 0 || srv.ClientKey == nil {
		return h, fmt.Errorf("the default app has no secret or certificate")
	}
	h.TenantID, h.TenantDomain = srv.TenantID, srv.TenantDomain
	h.ClientID, h.ClientSecret, h.SecretID = srv.ClientID, srv.Secret, a.Secrets[0].KeyID
	cv := certificateView(a.Certificates[0])
	h.CertificateID, h.ThumbprintSHA1, h.ThumbprintSHA256 = cv.KeyID, cv.ThumbprintSHA1, cv.ThumbprintSHA256
	h.CertificateFile, h.KeyFile = filepath.Join(dir, "client-cert.pem"), filepath.Join(dir, "client-key.pem")
	h.PEMFile = filepath.Join(dir, "client.pem")
	keyPEM, err := encodeKey(srv.ClientKey)
	if err != nil {
		return h, err
	}
	if err := writeFile(h.CertificateFile, []byte(cv.CertificatePEM), 0o644); err != nil {
		return h, err
	}
	if err := writeFile(h.KeyFile, keyPEM, 0o600); err != nil {
		return h, err
	}
	return h, writeFile(h.PEMFile, append(keyPEM, cv.CertificatePEM...), 0o600)
}

// encodeKey returns key as PKCS #8 PEM.
func encodeKey(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// outputDir returns dir, or a new temporary directory when dir is empty.
// A dir of someone else's, or one other users can write to, is refused:
// the default app's private key goes there, and a predictable path such
// as /tmp/fakeentra could otherwise have been made beforehand by another
// user, who would then read the key or swap the CA file.
func outputDir(dir string) (string, error) {
	if dir == "" {
		return os.MkdirTemp("", "fakeentra")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return dir, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return dir, err
	}
	if !fi.IsDir() {
		return dir, fmt.Errorf("-dir %s is not a directory", dir)
	}
	if !ownedByMe(fi) {
		return dir, fmt.Errorf("-dir %s belongs to another user: fakeentra writes a private key there; choose a directory of your own", dir)
	}
	if othersCanWrite(fi) {
		return dir, fmt.Errorf("-dir %s can be written by other users (mode %v): fakeentra writes a private key there; choose a directory of your own", dir, fi.Mode().Perm())
	}
	return dir, nil
}

func writeCA(cert *x509.Certificate, path string) error {
	return writeFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

// writeFile writes data to path through a new file renamed over it: a
// symbolic link planted at path is replaced, not followed (so no other file
// is overwritten), and a file planted there by another user is never
// written into with its owner's permissions.
func writeFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".fakeentra-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
