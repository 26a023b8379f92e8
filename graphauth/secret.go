package graphauth

import (
	"context"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// ClientSecretCredential gets app-only tokens with a client secret. It is safe
// for concurrent use and caches tokens until shortly before they expire,
// refreshing them in the background.
type ClientSecretCredential struct{ c *credential }

// NewClientSecretCredential returns a credential for the app clientID in
// tenantID. A nil opts uses the defaults. It returns a *ConfigError if an ID
// is malformed, if the secret is empty, or if the secret is shaped like a
// GUID: that is the secret's ID, which the portal shows beside its value, and
// the platform would refuse it with AADSTS7000215.
func NewClientSecretCredential(tenantID, clientID string, secret Secret, opts *Options) (*ClientSecretCredential, error) {
	if err := checkSecret(string(secret)); err != nil {
		return nil, err
	}
	r, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	cred, err := confidential.NewCredFromSecret(string(secret))
	if err != nil {
		return nil, &ConfigError{Field: "ClientSecret", Reason: "MSAL refused the secret"}
	}
	c, err := newCredential("secret", tenantID, clientID, cred, r)
	if err != nil {
		return nil, err
	}
	c.enableV1(secretAuth(secret))
	return &ClientSecretCredential{c}, nil
}

func checkSecret(s string) error {
	if err := ids.Secret(s); err != nil {
		return &ConfigError{Field: "ClientSecret", Reason: err.Error()}
	}
	return nil
}

// Token returns an access token for req. See [TokenRequest] for the defaults.
// Errors are *AuthError for refusals by the platform and for transport
// failures, or wrap ErrTenantNotAllowed.
func (c *ClientSecretCredential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	return c.c.Token(ctx, req)
}

// String names the app and tenant; it never shows the credential.
func (c *ClientSecretCredential) String() string { return c.c.describe("ClientSecretCredential") }

// Format prints String for every verb, so no verb can reach the secret.
func (c *ClientSecretCredential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Close stops the credential's background refresh, cancels its requests
// under way, waits for its Store writes (up to 1 s) and forgets its
// cached tokens; Token then returns ErrClosed.
// Tokens shared through Options.Store stay there. Close is idempotent and
// always returns nil.
func (c *ClientSecretCredential) Close() error { return c.c.Close() }

// Cloud is the cloud whose Graph the credential's tokens are for (Options.Cloud,
// or the one its AuthorityHost names); see CloudOf.
func (c *ClientSecretCredential) Cloud() Cloud { return c.c.opts.cloud }
