package graphauthtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// A fake secret is still a secret in a test's logs, which CI keeps: these
// types print and marshal without secret values or private keys.

func redacted(s string) string {
	if s == "" {
		return "(none)"
	}
	return "REDACTED"
}

// String shows the secret's ID, name and validity; never its value.
func (s Secret) String() string {
	return fmt.Sprintf("graphauthtest.Secret{KeyID: %q, DisplayName: %q, Start: %s, End: %s, Value: %s}",
		s.KeyID, s.DisplayName, s.Start.UTC().Format(time.RFC3339), s.End.UTC().Format(time.RFC3339), redacted(s.Value))
}

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// MarshalJSON writes the secret with its value redacted. Reading a Secret
// from JSON (fakeentra's configuration) is unaffected.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		KeyID       string    `json:"keyId,omitempty"`
		DisplayName string    `json:"displayName,omitempty"`
		Start       time.Time `json:"start"`
		End         time.Time `json:"end"`
		Value       string    `json:"value"`
	}{s.KeyID, s.DisplayName, s.Start, s.End, redacted(s.Value)})
}

// String summarizes the options; never the signing key or the apps'
// secrets.
func (o Options) String() string {
	key := "(none)"
	if o.SigningKey != nil {
		key = "REDACTED"
	}
	return fmt.Sprintf("graphauthtest.Options{Tenants: %d, Apps: %d, TokenLifetime: %s, Interactive: %t, Addr: %q, SigningKey: %s}",
		len(o.Tenants), len(o.Apps), o.TokenLifetime, o.Interactive, o.Addr, key)
}

// Format prints String for every verb.
func (o Options) Format(f fmt.State, _ rune) { fmt.Fprint(f, o.String()) }

// String names the server and its first tenant and app; never the app's
// secret or key.
func (s *Server) String() string {
	if s == nil {
		return "graphauthtest.Server{}"
	}
	return fmt.Sprintf("graphauthtest.Server{URL: %q, TenantID: %q, TenantDomain: %q, ClientID: %q, Secret: %s}",
		s.URL, s.TenantID, s.TenantDomain, s.ClientID, redacted(s.Secret))
}

// Format prints String for every verb.
func (s *Server) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// MarshalJSON writes what String shows.
func (s *Server) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		URL          string `json:"url"`
		TenantID     string `json:"tenantId"`
		TenantDomain string `json:"tenantDomain"`
		ClientID     string `json:"clientId"`
	}{s.URL, s.TenantID, s.TenantDomain, s.ClientID})
}
