package graphauth

import (
	"context"
	"fmt"
	"strings"
)

// UserCredential is a signed-in user's tokens as a TokenCredential, so that
// Transport, AzCore and OAuth2 make delegated calls as they make app-only
// ones. It is safe for concurrent use; its tokens are the SignIn's, cached
// and refreshed by it. Make one with SignIn.Credential.
type UserCredential struct {
	s         *SignIn
	accountID string
}

var _ TokenCredential = (*UserCredential)(nil)

// Credential returns the tokens of the signed-in account accountID (a
// User's AccountID, or an Account's ID) as a TokenCredential. It sends
// nothing: an account the SignIn does not hold is reported by Token, with
// ErrNoAccount. An account ID is no secret (it is the user's object ID and
// tenant ID, which other users of the tenant can read): take it from the
// app's own authenticated session, never from the request, or one user
// gets another's tokens.
func (s *SignIn) Credential(accountID string) *UserCredential {
	return &UserCredential{s: s, accountID: accountID}
}

// AccountID is the account whose tokens the credential serves.
func (c *UserCredential) AccountID() string { return c.accountID }

// Token returns an access token for the user, as SignIn.Token does for
// req.Scopes (nil means the sign-in's first resource, or Graph's .default).
// A claims challenge (req.Claims) skips the cached access token and is sent
// with the refresh token by a public client; a confidential one answers it
// with an *AuthError, interaction_required, as the user must sign in again
// (MSAL redeems no refresh token with claims there). The user's token is for the user's own tenant, so
// a req.TenantID naming another is refused with a *ConfigError, as is
// req.Fresh: MSAL keeps a user's access token until it expires, and a
// claims challenge is the way to make it fetch another. Errors are those of
// SignIn.Token.
func (c *UserCredential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	if req.Fresh {
		return Token{}, &ConfigError{Field: "Fresh", Reason: "is not offered for a signed-in user's tokens; send the resource's claims challenge (Claims) instead"}
	}
	if req.TenantID != "" && !c.inTenant(ctx, req.TenantID) {
		return Token{}, &ConfigError{Field: "TenantID", Reason: "must be the tenant the user signed in to"}
	}
	return c.s.token(ctx, c.accountID, req.Scopes, req.Claims)
}

// inTenant reports whether tenantID is the tenant the account signed in
// to (a guest's is not their home tenant), or their home tenant: a home
// account ID is "{object ID}.{tenant ID}".
func (c *UserCredential) inTenant(ctx context.Context, tenantID string) bool {
	if _, tid, ok := strings.Cut(c.accountID, "."); ok && strings.EqualFold(tid, tenantID) {
		return true
	}
	m, err := c.s.clients()
	if err != nil {
		return false
	}
	if m.conf != nil {
		acct, err := m.conf.Account(ctx, c.accountID)
		return err == nil && strings.EqualFold(acct.Realm, tenantID)
	}
	acct, ok := publicAccount(ctx, m.pub, c.accountID)
	return ok && strings.EqualFold(acct.Realm, tenantID)
}

// Format prints the account the credential serves; it holds no secret.
func (c *UserCredential) Format(f fmt.State, _ rune) {
	if c == nil {
		fmt.Fprint(f, "<nil>")
		return
	}
	fmt.Fprintf(f, "graphauth.UserCredential{AccountID: %q}", c.accountID)
}

// Cloud is the cloud whose Graph the credential's tokens are for (Options.Cloud,
// or the one its AuthorityHost names); see CloudOf.
func (c *UserCredential) Cloud() Cloud { return c.s.opts.cloud }
