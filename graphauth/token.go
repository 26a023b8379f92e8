package graphauth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// A TokenCredential obtains access tokens. Token must be safe for concurrent
// use. Every credential in this package implements it.
type TokenCredential interface {
	Token(ctx context.Context, req TokenRequest) (Token, error)
}

// TokenRequest says which token to get. The zero value asks for the default
// scope of the credential's cloud (Microsoft Graph's "/.default") in the
// credential's own tenant.
type TokenRequest struct {
	// Scopes of one resource, each its own element. Nil means the Graph
	// "/.default" scope of the configured cloud. A scope holding a space, a
	// comma or a control character is a *ConfigError, as is an empty one.
	Scopes []string
	// Resource asks the v1 token endpoint ({tenant}/oauth2/token) for a
	// token of this resource, by App ID URI ("https://graph.microsoft.com")
	// or app ID, as tools configured with a v1 Token URL do; the token is
	// cached and refreshed like a v2 one, apart from it. Empty means the v2
	// endpoint and Scopes. Setting both is a *ConfigError. The app-only
	// credentials of this package (secret, certificate, assertion) support
	// it; others refuse it with a *ConfigError.
	Resource string
	// TenantID overrides the credential's tenant, for multi-tenant apps. It
	// must be on Options.AllowedTenants, or the request is refused with
	// ErrTenantNotAllowed before anything is sent. With AllowedTenants "*",
	// one that is neither a GUID nor a domain name ("common" included) is
	// refused the same way, with a *ConfigError that says why.
	TenantID string
	// Claims is a claims challenge (JSON) from a resource, for continuous
	// access evaluation; a token with claims is never served from the cache.
	Claims string
	// Fresh asks the platform for a new token even when a valid one is
	// cached, as after granting permissions: a token carries the roles
	// granted when it was issued. The new token replaces the cached one.
	Fresh bool
}

// Token is an access token and what is known about it. Printing a Token with
// any fmt verb, or marshalling it to JSON, shows everything but the access
// token itself.
type Token struct {
	AccessToken string
	ExpiresOn   time.Time // when the platform stops accepting it
	RefreshOn   time.Time // when the credential fetches its successor
	TenantID    string
	// Scopes are the scopes asked for; nil for a v1 token. Every caller
	// served one cached token shares this slice (a hit allocates nothing):
	// read it, do not change it.
	Scopes   []string
	Resource string // the resource of a v1 token (TokenRequest.Resource); empty otherwise
	// CredentialName names the client credential that got the token, for a
	// FallbackCredential (the name given to SecretValue, Certificate, ...);
	// empty for other credentials and for a token taken from the Store.
	CredentialName string
}

// String describes the token without revealing it.
func (t Token) String() string {
	res := ""
	if t.Resource != "" {
		res = fmt.Sprintf(", Resource: %q", t.Resource)
	}
	if t.CredentialName != "" {
		res += fmt.Sprintf(", CredentialName: %q", t.CredentialName)
	}
	return fmt.Sprintf("graphauth.Token{TenantID: %q, Scopes: [%s]%s, ExpiresOn: %s, RefreshOn: %s, AccessToken: %s}",
		t.TenantID, strings.Join(t.Scopes, " "), res, t.ExpiresOn.UTC().Format(time.RFC3339), t.RefreshOn.UTC().Format(time.RFC3339), redacted(t.AccessToken))
}

// Format prints String for every verb, so that %v, %+v, %#v and %s all redact.
func (t Token) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// GoString is String.
func (t Token) GoString() string { return t.String() }

// MarshalJSON writes the token's metadata with the access token redacted.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		TenantID       string    `json:"tenantId"`
		Scopes         []string  `json:"scopes"`
		Resource       string    `json:"resource,omitempty"`
		CredentialName string    `json:"credentialName,omitempty"`
		ExpiresOn      time.Time `json:"expiresOn"`
		RefreshOn      time.Time `json:"refreshOn"`
		AccessToken    string    `json:"accessToken"`
	}{t.TenantID, t.Scopes, t.Resource, t.CredentialName, t.ExpiresOn, t.RefreshOn, redacted(t.AccessToken)})
}

func redacted(s string) string {
	if s == "" {
		return "(none)"
	}
	return "REDACTED"
}

// Secret is a client secret. It is a string so that a literal or a
// conversion makes one, and it prints as "REDACTED" with every fmt verb and
// in JSON, so that a Config or an error that holds one cannot leak it.
type Secret string

// String returns "REDACTED", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// GoString is String.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON writes "REDACTED".
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText writes "REDACTED", for encoders that use text marshalling.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
