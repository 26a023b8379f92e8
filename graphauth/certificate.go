package graphauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/entrakit/entrakit/internal/jwtsign"
)

// CertificateCredential gets app-only tokens with a certificate: it signs a
// client assertion with the certificate's key, PS256 with an x5t#S256
// thumbprint as Microsoft recommends (or RS256 with x5t, see
// CertificateOptions). The key may be any crypto.Signer, such as one backed
// by an HSM. It is safe for concurrent use and caches tokens like
// ClientSecretCredential.
type CertificateCredential struct{ c *credential }

// NewCertificateCredential returns a credential for the app clientID in
// tenantID. chain starts with the certificate registered on the app; key is
// its private key. A nil opts uses the defaults. It returns a *ConfigError for
// malformed IDs, a key that does not match the certificate, or a certificate
// that has expired or is not yet valid.
func NewCertificateCredential(tenantID, clientID string, chain []*x509.Certificate, key crypto.Signer, opts *CertificateOptions) (*CertificateCredential, error) {
	var co CertificateOptions
	if opts != nil {
		co = *opts
	}
	r, err := resolve(&co.Options)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 || chain[0] == nil || key == nil {
		return nil, &ConfigError{Field: "ClientCertificate", Reason: "a certificate and its private key are required"}
	}
	if _, _, err := orderChain(chain[:1], key); err != nil {
		return nil, err
	}
	alg := jwtsign.PS256
	if co.LegacyRS256 {
		alg = jwtsign.RS256
	}
	holder := &CertificateCredential{}
	sign := func(_ context.Context, o confidential.AssertionRequestOptions) (string, error) {
		return jwtsign.Sign(jwtsign.Assertion{
			ClientID: o.ClientID, Audience: o.TokenEndpoint, Chain: chain, Signer: key,
			Alg: alg, SendX5C: co.SendCertificateChain, Now: holder.c.now(), JTI: newJTI(),
		})
	}
	c, err := newCredential("certificate", tenantID, clientID, confidential.NewCredFromAssertionCallback(sign), r)
	if err != nil {
		return nil, err
	}
	c.enableV1(assertionAuth(func(_ context.Context, endpoint string) (string, error) {
		return jwtsign.Sign(jwtsign.Assertion{
			ClientID: clientID, Audience: endpoint, Chain: chain, Signer: key,
			Alg: alg, SendX5C: co.SendCertificateChain, Now: c.now(), JTI: newJTI(),
		})
	}))
	if err := checkValidity(chain[0], c.now()); err != nil {
		return nil, err
	}
	if c.tel != nil {
		c.tel.expires.Store(chain[0].NotAfter.Unix())
	}
	holder.c = c
	return holder, nil
}

// Token returns an access token for req. Errors are as for
// [ClientSecretCredential.Token].
func (c *CertificateCredential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	return c.c.Token(ctx, req)
}

// newJTI returns a random GUID-shaped assertion ID.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// String names the app and tenant; it never shows the credential.
func (c *CertificateCredential) String() string { return c.c.describe("CertificateCredential") }

// Format prints String for every verb, so no verb can reach the secret.
func (c *CertificateCredential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Close stops the credential's background refresh, cancels its requests
// under way, waits for its Store writes (up to 1 s) and forgets its
// cached tokens; Token then returns ErrClosed.
// Tokens shared through Options.Store stay there. Close is idempotent and
// always returns nil.
func (c *CertificateCredential) Close() error { return c.c.Close() }

// Cloud is the cloud whose Graph the credential's tokens are for (Options.Cloud,
// or the one its AuthorityHost names); see CloudOf.
func (c *CertificateCredential) Cloud() Cloud { return c.c.opts.cloud }
