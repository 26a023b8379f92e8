package main

import (
	"crypto/sha1" //nolint:gosec // SHA-1 thumbprints are what Entra ID calls a certificate by (x5t)
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/graphperm"
)

// appJSON is an app registration as the configuration file and POST
// /control/apps take it.
type appJSON struct {
	ClientID       string                 `json:"clientId"`
	DisplayName    string                 `json:"displayName"`
	HomeTenant     string                 `json:"homeTenant"`
	MultiTenant    bool                   `json:"multiTenant"`
	PublicClient   bool                   `json:"publicClient"`
	Secrets        []graphauthtest.Secret `json:"secrets"`
	Certificates   []string               `json:"certificates"` // PEM
	RedirectURIs   []string               `json:"redirectUris"`
	RequiredRoles  []string               `json:"requiredRoles"`
	RequiredScopes []string               `json:"requiredScopes"`
	Grants         map[string][]string    `json:"grants"` // tenant -> app roles
	// RequiredResources are app IDs of other APIs the app declares.
	RequiredResources    []string                  `json:"requiredResources"`
	FederatedCredentials []federatedCredentialJSON `json:"federatedCredentials"`
	// GenerateCertificate, in the control API only, registers a new
	// certificate and answers with its private key.
	GenerateCertificate bool `json:"generateCertificate,omitempty"`
}

// app converts the JSON shape; where names a field in errors.
func (a appJSON) app(where string) (graphauthtest.App, error) {
	app := graphauthtest.App{ClientID: a.ClientID, DisplayName: a.DisplayName, HomeTenant: a.HomeTenant,
		MultiTenant: a.MultiTenant, PublicClient: a.PublicClient, Secrets: a.Secrets, RedirectURIs: a.RedirectURIs,
		RequiredRoles: a.RequiredRoles, RequiredScopes: a.RequiredScopes, RequiredResources: a.RequiredResources}
	for j, fc := range a.FederatedCredentials {
		cred, err := fc.credential()
		if err != nil {
			return app, fmt.Errorf("%s.federatedCredentials[%d]: %w", where, j, err)
		}
		app.FederatedCredentials = append(app.FederatedCredentials, cred)
	}
	for j, p := range a.Certificates {
		cert, err := parseCertificatePEM(p)
		if err != nil {
			return app, fmt.Errorf("%s.certificates[%d]: %w", where, j, err)
		}
		app.Certificates = append(app.Certificates, graphauthtest.Certificate{Certificate: cert})
	}
	return app, nil
}

// federatedCredentialJSON trusts an external issuer's tokens as client
// assertions; keys are PEM public keys or certificates that sign them.
type federatedCredentialJSON struct {
	Issuer   string   `json:"issuer"`
	Subject  string   `json:"subject"`
	Audience string   `json:"audience"`
	Keys     []string `json:"keys"`
}

func (f federatedCredentialJSON) credential() (graphauthtest.FederatedCredential, error) {
	out := graphauthtest.FederatedCredential{Issuer: f.Issuer, Subject: f.Subject, Audience: f.Audience}
	if f.Issuer == "" || f.Subject == "" {
		return out, fmt.Errorf("issuer and subject are required")
	}
	for i, k := range f.Keys {
		block, _ := pem.Decode([]byte(k))
		if block == nil {
			return out, fmt.Errorf("keys[%d] is not PEM", i)
		}
		switch block.Type {
		case "PUBLIC KEY":
			pub, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return out, fmt.Errorf("keys[%d]: %w", i, err)
			}
			out.Keys = append(out.Keys, pub)
		case "CERTIFICATE":
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return out, fmt.Errorf("keys[%d]: %w", i, err)
			}
			out.Keys = append(out.Keys, cert.PublicKey)
		default:
			return out, fmt.Errorf("keys[%d] is a %s, not a PUBLIC KEY or CERTIFICATE", i, block.Type)
		}
	}
	return out, nil
}

func parseCertificatePEM(p string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// secretJSON is a client secret as the control API answers it. The value is
// shown only in the answer to the request that created it, since the caller
// needs it to authenticate; the state and the request log never show it.
type secretJSON struct {
	KeyID       string    `json:"keyId"`
	Value       string    `json:"value,omitempty"`
	DisplayName string    `json:"displayName,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

// certificateJSON is a registered certificate: its IDs, both thumbprints,
// the certificate itself and, only when the control API generated it, the
// private key.
type certificateJSON struct {
	KeyID            string `json:"keyId"`
	DisplayName      string `json:"displayName,omitempty"`
	ThumbprintSHA1   string `json:"thumbprintSha1"`   // hex, upper case, as the portal shows it
	ThumbprintSHA256 string `json:"thumbprintSha256"` // hex, upper case
	CertificatePEM   string `json:"certificatePem,omitempty"`
	PrivateKeyPEM    string `json:"privateKeyPem,omitempty"` // PKCS #8
}

func certificateView(c graphauthtest.Certificate) certificateJSON {
	s1, s256 := sha1.Sum(c.Certificate.Raw), sha256.Sum256(c.Certificate.Raw) //nolint:gosec // see import
	return certificateJSON{KeyID: c.KeyID, DisplayName: c.DisplayName,
		ThumbprintSHA1: strings.ToUpper(hex.EncodeToString(s1[:])), ThumbprintSHA256: strings.ToUpper(hex.EncodeToString(s256[:])),
		CertificatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate.Raw}))}
}

// appStateJSON is an app as GET /control/state and POST /control/apps show it.
type appStateJSON struct {
	ClientID       string   `json:"clientId"`
	ObjectID       string   `json:"objectId"`
	DisplayName    string   `json:"displayName"`
	HomeTenant     string   `json:"homeTenant"`
	MultiTenant    bool     `json:"multiTenant"`
	PublicClient   bool     `json:"publicClient"`
	RedirectURIs   []string `json:"redirectUris"`
	RequiredRoles  []string `json:"requiredRoles"`
	RequiredScopes []string `json:"requiredScopes"`
	// RequiredResources are the app IDs of other APIs the app declares.
	RequiredResources    []string                  `json:"requiredResources"`
	Secrets              []secretJSON              `json:"secrets"`
	Certificates         []certificateJSON         `json:"certificates"`
	FederatedCredentials []federatedCredentialJSON `json:"federatedCredentials"`
}

// appView shows a without its secrets' values.
func appView(a graphauthtest.App) appStateJSON {
	out := appStateJSON{ClientID: a.ClientID, ObjectID: a.ObjectID, DisplayName: a.DisplayName, HomeTenant: a.HomeTenant,
		MultiTenant: a.MultiTenant, PublicClient: a.PublicClient, RedirectURIs: nonNil(a.RedirectURIs),
		RequiredRoles: nonNil(a.RequiredRoles), RequiredScopes: nonNil(a.RequiredScopes),
		RequiredResources: nonNil(a.RequiredResources), Secrets: []secretJSON{}, Certificates: []certificateJSON{},
		FederatedCredentials: []federatedCredentialJSON{}}
	for _, f := range a.FederatedCredentials {
		fc := federatedCredentialJSON{Issuer: f.Issuer, Subject: f.Subject, Audience: f.Audience, Keys: []string{}}
		for _, k := range f.Keys {
			if der, err := x509.MarshalPKIXPublicKey(k); err == nil {
				fc.Keys = append(fc.Keys, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
			}
		}
		out.FederatedCredentials = append(out.FederatedCredentials, fc)
	}
	for _, s := range a.Secrets {
		out.Secrets = append(out.Secrets, secretJSON{KeyID: s.KeyID, DisplayName: s.DisplayName, Start: s.Start, End: s.End})
	}
	for _, c := range a.Certificates {
		out.Certificates = append(out.Certificates, certificateView(c))
	}
	return out
}

func (c *control) addApp(r *http.Request) (any, error) {
	var in appJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	spec, err := in.app("app")
	if err != nil {
		return nil, badRequest("%v", err)
	}
	var keyPEM string
	if in.GenerateCertificate {
		var cert graphauthtest.Certificate
		cert, keyPEM, err = c.newCertificate(spec.DisplayName)
		if err != nil {
			return nil, err
		}
		spec.Certificates = append(spec.Certificates, cert)
	}
	// The grants are checked before the app is registered: a refused grant
	// must not leave the app behind, or the corrected retry finds its
	// client ID taken.
	if err := c.checkGrants(in.Grants); err != nil {
		return nil, err
	}
	a := c.srv.AddApp(spec)
	for tenant, roles := range in.Grants {
		c.srv.GrantAppRoles(tenant, a.ClientID, roles...)
	}
	out := appView(a)
	for i, s := range a.Secrets {
		out.Secrets[i].Value = s.Value
	}
	if keyPEM != "" {
		out.Certificates[len(out.Certificates)-1].PrivateKeyPEM = keyPEM
	}
	return out, nil
}

// checkGrants refuses grants naming a tenant the fake does not have or a
// role that is not a Microsoft Graph application permission.
func (c *control) checkGrants(grants map[string][]string) error {
	tenants := c.srv.Tenants()
	for name, roles := range grants {
		known := false
		for _, t := range tenants {
			if strings.EqualFold(t.ID, name) || strings.EqualFold(t.Domain, name) || containsFold(t.Domains, name) {
				known = true
			}
		}
		if !known {
			return badRequest("grants: no tenant %q", name)
		}
		for _, r := range roles {
			if _, ok := graphperm.ByValue(graphperm.Application, r); !ok {
				return badRequest("grants: %q is not a Microsoft Graph application permission", r)
			}
		}
	}
	return nil
}

// containsFold reports whether list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// newCertificate makes a certificate and its PKCS #8 private key in PEM.
func (c *control) newCertificate(name string) (graphauthtest.Certificate, string, error) {
	if name == "" {
		name = "fakeentra"
	}
	key, cert := graphauthtest.NewCertificate("CN="+name, c.srv.Now())
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return graphauthtest.Certificate{}, "", fmt.Errorf("encoding a new key: %w", err)
	}
	return graphauthtest.Certificate{Certificate: cert, DisplayName: name},
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

type addSecretJSON struct {
	ClientID string `json:"clientId"`
	graphauthtest.Secret
}

func (c *control) addSecret(r *http.Request) (any, error) {
	var in addSecretJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("clientId", in.ClientID); err != nil {
		return nil, err
	}
	s := c.srv.AddSecret(in.ClientID, in.Secret)
	return secretJSON{KeyID: s.KeyID, Value: s.Value, DisplayName: s.DisplayName, Start: s.Start, End: s.End}, nil
}

type addCertificateJSON struct {
	ClientID       string `json:"clientId"`
	DisplayName    string `json:"displayName"`
	CertificatePEM string `json:"certificatePem"` // empty: generate one
}

func (c *control) addCertificate(r *http.Request) (any, error) {
	var in addCertificateJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("clientId", in.ClientID); err != nil {
		return nil, err
	}
	if _, ok := c.srv.App(in.ClientID); !ok {
		return nil, notFound("no app %q", in.ClientID)
	}
	if in.CertificatePEM != "" {
		cert, err := parseCertificatePEM(in.CertificatePEM)
		if err != nil {
			return nil, badRequest("certificatePem: %v", err)
		}
		return certificateView(c.srv.AddCertificate(in.ClientID,
			graphauthtest.Certificate{Certificate: cert, DisplayName: in.DisplayName})), nil
	}
	cert, keyPEM, err := c.newCertificate(in.DisplayName)
	if err != nil {
		return nil, err
	}
	out := certificateView(c.srv.AddCertificate(in.ClientID, cert))
	out.PrivateKeyPEM = keyPEM
	return out, nil
}
