package graphauth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// AssertionFunc returns a client assertion: a JWT the platform trusts in
// place of a secret, such as a Kubernetes service account token under
// workload identity federation. It is called for every token request and
// must be safe for concurrent use.
type AssertionFunc func(ctx context.Context) (string, error)

// ClientAssertionCredential gets app-only tokens with assertions from an
// AssertionFunc. It is safe for concurrent use and caches tokens like
// ClientSecretCredential.
type ClientAssertionCredential struct{ c *credential }

// NewClientAssertionCredential returns a credential for the app clientID in
// tenantID that authenticates with the assertions fn returns. A nil opts uses
// the defaults. It returns a *ConfigError for malformed IDs or a nil fn.
func NewClientAssertionCredential(tenantID, clientID string, fn AssertionFunc, opts *Options) (*ClientAssertionCredential, error) {
	if fn == nil {
		return nil, &ConfigError{Field: "Assertion", Reason: "an assertion function is required"}
	}
	r, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	cb := func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
		a, err := fn(ctx)
		if err == nil && strings.Count(a, ".") != 2 {
			err = errors.New("graphauth: the assertion is not a compact JWT")
		}
		if err != nil {
			noteAssertionError(ctx, err)
		}
		return a, err
	}
	c, err := newCredential("assertion", tenantID, clientID, confidential.NewCredFromAssertionCallback(cb), r)
	if err != nil {
		return nil, err
	}
	c.enableV1(assertionAuth(func(ctx context.Context, _ string) (string, error) {
		return cb(ctx, confidential.AssertionRequestOptions{})
	}))
	return &ClientAssertionCredential{c}, nil
}

// Token returns an access token for req. Errors are as for
// [ClientSecretCredential.Token]; an error from the AssertionFunc comes back
// wrapped in an *AuthError.
func (c *ClientAssertionCredential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	return c.c.Token(ctx, req)
}

// TokenFile reads a federated token from a file that another process renews,
// as Kubernetes does for AZURE_FEDERATED_TOKEN_FILE. It reads the file again
// whenever its size or modification time changes, and is safe for
// concurrent use.
type TokenFile struct {
	path    string
	mu      sync.Mutex
	modTime time.Time
	size    int64
	token   string
}

// NewTokenFile returns a TokenFile for path. The file is read on first use.
func NewTokenFile(path string) *TokenFile { return &TokenFile{path: path} }

// Assertion returns the file's token; it is an AssertionFunc. A file
// caught while being replaced (missing, empty, or not yet a whole JWT)
// gives the token read before, while there is one. Errors are
// *ConfigError naming AZURE_FEDERATED_TOKEN_FILE; they never hold the token.
func (f *TokenFile) Assertion(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	info, err := os.Stat(f.path)
	if err != nil {
		return f.previous(&ConfigError{Field: "AZURE_FEDERATED_TOKEN_FILE", Reason: "cannot be read", Err: err})
	}
	if f.token != "" && info.ModTime().Equal(f.modTime) && info.Size() == f.size {
		return f.token, nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return f.previous(&ConfigError{Field: "AZURE_FEDERATED_TOKEN_FILE", Reason: "cannot be read", Err: err})
	}
	tok := strings.TrimSpace(string(data))
	switch {
	case tok == "":
		return f.previous(&ConfigError{Field: "AZURE_FEDERATED_TOKEN_FILE", Reason: "is empty"})
	case strings.Count(tok, ".") != 2:
		return f.previous(&ConfigError{Field: "AZURE_FEDERATED_TOKEN_FILE", Reason: "does not hold a compact JWT"})
	}
	f.token, f.modTime, f.size = tok, info.ModTime(), info.Size()
	return tok, nil
}

// previous is the token read before, or err when there is none.
func (f *TokenFile) previous(err error) (string, error) {
	if f.token != "" {
		return f.token, nil
	}
	return "", err
}

// String names the app and tenant; it never shows the credential.
func (c *ClientAssertionCredential) String() string { return c.c.describe("ClientAssertionCredential") }

// Format prints String for every verb, so no verb can reach the secret.
func (c *ClientAssertionCredential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Close stops the credential's background refresh, cancels its requests
// under way, waits for its Store writes (up to 1 s) and forgets its
// cached tokens; Token then returns ErrClosed.
// Tokens shared through Options.Store stay there. Close is idempotent and
// always returns nil.
func (c *ClientAssertionCredential) Close() error { return c.c.Close() }

// Cloud is the cloud whose Graph the credential's tokens are for (Options.Cloud,
// or the one its AuthorityHost names); see CloudOf.
func (c *ClientAssertionCredential) Cloud() Cloud { return c.c.opts.cloud }
