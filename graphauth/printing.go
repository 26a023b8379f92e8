package graphauth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// The types here hold secrets, keys or tokens, directly or through what
// they point to, so each prints only what identifies it, with every fmt
// verb. A type needs its own Format even when the fields holding its
// secrets redact themselves: fmt calls no method of a value inside an
// unexported field, nor anywhere inside a value it shows after a verb that
// does not fit (the %s of a struct holding a pointer prints the pointed-to
// struct raw). TestNoExportedValuePrintsASecret, at the repository root,
// checks every exported type.

// String names the sign-in's tenant, app and redirect URI.
func (s SignIn) String() string {
	return fmt.Sprintf("graphauth.SignIn{TenantID: %q, ClientID: %q, RedirectURI: %q}", s.tenant, s.clientID, s.redirect)
}

// Format prints String for every verb.
func (s SignIn) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// String names the sign-in the handler serves; never its cookie key.
func (h *SignInHandler) String() string {
	if h == nil || h.s == nil {
		return "graphauth.SignInHandler{}"
	}
	return fmt.Sprintf("graphauth.SignInHandler{TenantID: %q, ClientID: %q, RedirectURI: %q, Key: REDACTED}",
		h.s.tenant, h.s.clientID, h.s.redirect)
}

// Format prints String for every verb.
func (h *SignInHandler) Format(f fmt.State, _ rune) { fmt.Fprint(f, h.String()) }

// String describes the store without its values, which are tokens.
func (m *MemoryStore) String() string { return "graphauth.MemoryStore{values REDACTED}" }

// Format prints String for every verb.
func (m *MemoryStore) Format(f fmt.State, _ rune) { fmt.Fprint(f, m.String()) }

// String names the file; never the token read from it.
func (f *TokenFile) String() string {
	if f == nil {
		return "graphauth.TokenFile{}"
	}
	return fmt.Sprintf("graphauth.TokenFile{Path: %q, token REDACTED}", f.path)
}

// Format prints String for every verb.
func (f *TokenFile) Format(s fmt.State, _ rune) { fmt.Fprint(s, f.String()) }

// String shows the configuration with its secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("graphauth.Config{TenantID: %q, ClientID: %q, ClientSecret: %s, CertificatePath: %q, CertificatePassword: %s, FederatedTokenFile: %q, AuthorityHost: %q, Flow: %q}",
		c.TenantID, c.ClientID, redacted(string(c.ClientSecret)), c.CertificatePath, redacted(string(c.CertificatePassword)),
		c.FederatedTokenFile, c.AuthorityHost, c.Flow)
}

// Format prints String for every verb. Config's secrets redact themselves
// too, but fmt skips their methods inside a Config that %s or %q reaches
// through a pointer.
func (c Config) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// MarshalJSON writes which kind of credential this is and the length of its
// certificate chain; never the secret or the key.
func (a ClientAuth) MarshalJSON() ([]byte, error) {
	kind := "public"
	switch {
	case a.Key != nil:
		kind = "certificate"
	case a.Secret != "":
		kind = "secret"
	}
	return json.Marshal(struct {
		Kind  string `json:"kind"`
		Chain int    `json:"chain,omitempty"`
	}{kind, len(a.Chain)})
}

// LogValue is what log/slog records of a Pending: everything but the PKCE
// verifier. (Its JSON is its storage form, verifier included: the
// SignInHandler seals it in the sign-in cookie.)
func (p Pending) LogValue() slog.Value {
	return slog.GroupValue(slog.String("state", p.State), slog.Any("scopes", p.Scopes),
		slog.String("created", p.Created.UTC().Format(time.RFC3339)), slog.String("verifier", redacted(p.Verifier)))
}
