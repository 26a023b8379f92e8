package registration

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The actions on this page let an app manage its own credentials, as a
// rotating service does with Application.ReadWrite.OwnedBy on its own
// object: remove a secret, add or remove a certificate (proven with a
// certificate the app already has), and manage the federated identity
// credentials that let a managed identity or another issuer's workload
// authenticate as the app.

// RemovePassword deletes the app's client secret keyID
// (POST /applications/{id}/removePassword). Needs
// Application.ReadWrite.OwnedBy or Application.ReadWrite.All.
func (c *Client) RemovePassword(ctx context.Context, objectID, keyID string) error {
	if keyID == "" {
		return errors.New("registration: RemovePassword needs the secret's keyId")
	}
	return c.do(ctx, "POST", appPath(objectID)+"/removePassword", map[string]any{"keyId": keyID}, nil, needAppWrite...)
}

// AddKey registers cert on the app with the addKey action, which, unlike
// AddCertificate's PATCH, needs only ownership of the app itself: the
// request is proven with a JWT signed by proof, a certificate already
// registered on the app and valid (Graph refuses apps with none). Needs
// Application.ReadWrite.OwnedBy or Application.ReadWrite.All.
func (c *Client) AddKey(ctx context.Context, objectID string, cert *Certificate, displayName string, proof *Certificate) (KeyCredential, error) {
	if cert == nil || len(cert.Chain) == 0 {
		return KeyCredential{}, errors.New("registration: AddKey needs the certificate to add")
	}
	p, err := Proof(objectID, proof, time.Now())
	if err != nil {
		return KeyCredential{}, err
	}
	kc := NewKeyCredential(cert.Leaf(), displayName)
	kc.StartDateTime, kc.EndDateTime = nil, nil
	var out KeyCredential
	err = c.do(ctx, "POST", appPath(objectID)+"/addKey", map[string]any{"keyCredential": kc, "passwordCredential": nil, "proof": p}, &out, needAppWrite...)
	return out, err
}

// RemoveKey deletes the app's certificate keyID, proven as for AddKey.
// Needs Application.ReadWrite.OwnedBy or Application.ReadWrite.All.
func (c *Client) RemoveKey(ctx context.Context, objectID, keyID string, proof *Certificate) error {
	if keyID == "" {
		return errors.New("registration: RemoveKey needs the certificate's keyId")
	}
	p, err := Proof(objectID, proof, time.Now())
	if err != nil {
		return err
	}
	return c.do(ctx, "POST", appPath(objectID)+"/removeKey", map[string]any{"keyId": keyID, "proof": p}, nil, needAppWrite...)
}

// Proof returns the JWT that proves possession of one of the app's
// certificates to addKey and removeKey: issuer the app's object ID,
// audience 00000002-0000-0000-c000-000000000000, valid for ten minutes
// from now, signed RS256 by cert's key with its x5t. It returns an error
// for a missing or non-RSA key.
func Proof(objectID string, cert *Certificate, now time.Time) (string, error) {
	if cert == nil || len(cert.Chain) == 0 || cert.Key == nil {
		return "", errors.New("registration: a proof needs a registered certificate with its private key")
	}
	key, ok := cert.Key.(*rsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("registration: a proof needs an RSA key, not %T", cert.Key)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"aud": "00000002-0000-0000-c000-000000000000",
		"iss": objectID,
		"nbf": now.Unix(),
		"exp": now.Add(10 * time.Minute).Unix(),
	})
	sum := sha1.Sum(cert.Leaf().Raw)
	tok.Header["x5t"] = base64.RawURLEncoding.EncodeToString(sum[:])
	s, err := tok.SignedString(key)
	if err != nil {
		return "", errors.New("registration: signing the proof failed")
	}
	return s, nil
}

// FederatedCredential is a federated identity credential: tokens from
// Issuer about Subject, for Audiences, are accepted as the app's client
// assertions.
type FederatedCredential struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name"`
	Issuer      string   `json:"issuer"`
	Subject     string   `json:"subject"`
	Audiences   []string `json:"audiences"`
	Description string   `json:"description,omitempty"`
}

// ManagedIdentityFederation is the federated identity credential that lets
// a managed identity authenticate as the app: issuer its tenant's v2.0
// issuer on authorityHost (https://login.microsoftonline.com for the
// public cloud), subject its object (principal) ID, audience audience
// (graphauth.TokenExchangeAudience of the cloud).
func ManagedIdentityFederation(name, authorityHost, tenantID, principalID, audience string) FederatedCredential {
	return FederatedCredential{
		Name:      name,
		Issuer:    strings.TrimSuffix(authorityHost, "/") + "/" + tenantID + "/v2.0",
		Subject:   principalID,
		Audiences: []string{audience},
	}
}

// Validate checks what Graph checks: a name of at most 120 characters
// without / \ ? # or %, an https issuer, a subject and exactly one audience.
func (f FederatedCredential) Validate() error {
	u, err := url.Parse(f.Issuer)
	switch {
	case f.Name == "" || len(f.Name) > 120 || strings.ContainsAny(f.Name, "/\\?#%"):
		return errors.New("registration: a federated credential's name is required, at most 120 characters, without / \\ ? # or %")
	case err != nil || u.Scheme != "https" || u.Host == "":
		return errors.New("registration: a federated credential's issuer must be an https URL")
	case f.Subject == "" || len(f.Subject) > 600:
		return errors.New("registration: a federated credential's subject is required, at most 600 characters")
	case len(f.Audiences) != 1 || f.Audiences[0] == "":
		return errors.New("registration: a federated credential has exactly one audience")
	}
	return nil
}

// AddFederatedCredential adds f to the app
// (POST /applications/{id}/federatedIdentityCredentials) and returns it with
// its ID. Graph refuses a name or an issuer and subject already in use
// (409) and more than 20 per app. Needs Application.ReadWrite.OwnedBy or
// Application.ReadWrite.All.
func (c *Client) AddFederatedCredential(ctx context.Context, objectID string, f FederatedCredential) (FederatedCredential, error) {
	if err := f.Validate(); err != nil {
		return FederatedCredential{}, err
	}
	f.ID = ""
	var out FederatedCredential
	err := c.do(ctx, "POST", appPath(objectID)+"/federatedIdentityCredentials", f, &out, needAppWrite...)
	return out, err
}

// FederatedCredentials lists the app's federated identity credentials.
// Needs what Application needs.
func (c *Client) FederatedCredentials(ctx context.Context, objectID string) ([]FederatedCredential, error) {
	var out struct {
		Value []FederatedCredential `json:"value"`
	}
	err := c.do(ctx, "GET", appPath(objectID)+"/federatedIdentityCredentials", nil, &out, needAppRead...)
	return out.Value, err
}

// RemoveFederatedCredential deletes the app's federated identity
// credential idOrName. Needs Application.ReadWrite.OwnedBy or
// Application.ReadWrite.All.
func (c *Client) RemoveFederatedCredential(ctx context.Context, objectID, idOrName string) error {
	if idOrName == "" {
		return errors.New("registration: RemoveFederatedCredential needs an ID or name")
	}
	return c.do(ctx, "DELETE", appPath(objectID)+"/federatedIdentityCredentials/"+url.PathEscape(idOrName), nil, nil, needAppWrite...)
}
