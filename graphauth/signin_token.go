package graphauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// Token returns an access token for the signed-in account, from the cache or
// by redeeming its refresh token, without a prompt. scopes are those of one
// resource, Graph's by name or in full, another's in full; OpenID Connect
// scopes are left out, and none at all means the first resource of
// SignInOptions.Scopes, or Graph's .default (every Graph permission
// consented) when those name no resource. The refresh token serves every
// resource the user consented to at sign-in. Scopes beyond those consented
// need a new sign-in with AuthRequest.Scopes (incremental consent). Errors:
// ErrNoAccount, *ScopeError (scopes of several resources, refused before
// sending; or not consented, AADSTS65001, wrapping the *AuthError),
// *AuthError (interaction_required, invalid_grant: sign the user in again;
// or wrapping ErrUnexpectedResponse for an answer the platform does not
// send, such as an expires_in of zero or of years, after which the
// account's tokens are forgotten).
func (s *SignIn) Token(ctx context.Context, accountID string, scopes []string) (Token, error) {
	return s.token(ctx, accountID, scopes, "")
}

// token is Token with an optional claims challenge, which skips the cached
// access token.
func (s *SignIn) token(ctx context.Context, accountID string, scopes []string, claims string) (Token, error) {
	asked, err := s.tokenScopes(scopes)
	if err != nil {
		return Token{}, err
	}
	m, err := s.clients()
	if err != nil {
		return Token{}, err
	}
	if claims != "" && m.conf != nil {
		// MSAL's confidential client redeems no refresh token with claims:
		// the user answers the challenge by signing in again.
		return Token{}, &AuthError{Code: "interaction_required", Err: errors.New("graphauth: a claims challenge for a signed-in user needs a new sign-in (AuthRequest with Prompt login)")}
	}
	cp := &capture{}
	cctx := context.WithValue(ctx, captureKey{}, cp)
	sent := time.Now()
	var res confidential.AuthResult
	if m.conf != nil {
		acct, aerr := m.conf.Account(ctx, accountID)
		if aerr != nil || acct.HomeAccountID == "" {
			return Token{}, ErrNoAccount
		}
		opts := []confidential.AcquireSilentOption{confidential.WithSilentAccount(acct)}
		if claims != "" {
			opts = append(opts, confidential.WithClaims(claims))
		}
		res, err = m.conf.AcquireTokenSilent(cctx, asked, opts...)
	} else {
		acct, ok := publicAccount(ctx, m.pub, accountID)
		if !ok {
			return Token{}, ErrNoAccount
		}
		opts := []public.AcquireSilentOption{public.WithSilentAccount(acct)}
		if claims != "" {
			opts = append(opts, public.WithClaims(claims))
		}
		var pr public.AuthResult
		pr, err = m.pub.AcquireTokenSilent(cctx, asked, opts...)
		res = confidential.AuthResult(pr)
	}
	if err != nil {
		// No token endpoint answered and no request failed: MSAL found no
		// refresh token to redeem.
		if status, _, _ := cp.get(); status == 0 && cp.transport() == nil {
			return Token{}, fmt.Errorf("%w: %s", ErrNoAccount, firstLine(err.Error()))
		}
		return Token{}, scopeFailure(classify(err, cp), asked)
	}
	if s.msal.Load() == nil { // Close ran meanwhile
		return Token{}, ErrClosed
	}
	if err := checkTokenResponse(res, cp, sent); err != nil {
		_ = s.remove(ctx, accountID) // MSAL cached what it accepted
		return Token{}, err
	}
	expires := res.ExpiresOn
	if s.opts.clock != nil { // MSAL stamps by the wall clock; say it by the injected one
		expires = s.now().Add(time.Until(expires))
	}
	return Token{AccessToken: res.AccessToken, ExpiresOn: expires.Round(0), TenantID: res.Account.Realm, Scopes: grantedScopes(res.GrantedScopes)}, nil
}

// checkTokenResponse refuses a token response that MSAL accepted but the
// platform does not send: one whose expires_in is missing, zero, negative
// or longer than maxLifetime. It reads expires_in from the response
// the call captured when that is res's token response; MSAL may have fetched
// instance metadata after it, and then the lifetime is MSAL's ExpiresOn,
// which MSAL stamps by the wall clock, less the wall clock's now. It returns
// nil for a result MSAL took from its cache (where only checked responses
// are), and otherwise an *AuthError wrapping ErrUnexpectedResponse.
//
// sent is when the request left: a token whose lifetime ran out on the way
// (a short expires_in spent on a slow link or on retries) is refused too.
func checkTokenResponse(res confidential.AuthResult, cp *capture, sent time.Time) error {
	if res.Metadata.TokenSource != confidential.TokenSourceIdentityProvider {
		return nil
	}
	status, _, _ := cp.get()
	seconds := int64(time.Until(res.ExpiresOn) / time.Second)
	if tr, ok := cp.tokenResponse(); ok && tr.AccessToken == res.AccessToken {
		seconds = int64(tr.ExpiresIn)
	}
	if seconds <= 0 || seconds > int64(maxLifetime/time.Second) {
		return &AuthError{StatusCode: status, Err: fmt.Errorf("%w: a token lifetime (expires_in) of %d s, not 1 s to %s",
			ErrUnexpectedResponse, seconds, maxLifetime)}
	}
	if spentOnTheWay(time.Duration(seconds)*time.Second, sent, time.Now()) {
		return &AuthError{StatusCode: status, Err: fmt.Errorf("%w: the token (expires_in %d s) was no longer usable when it arrived",
			ErrUnexpectedResponse, seconds)}
	}
	return nil
}

func publicAccount(ctx context.Context, pub *public.Client, accountID string) (public.Account, bool) {
	accts, err := pub.Accounts(ctx)
	if err != nil {
		return public.Account{}, false
	}
	for _, a := range accts {
		if a.HomeAccountID == accountID {
			return a, true
		}
	}
	return public.Account{}, false
}

// SignOut forgets the account and all its tokens. The user's session at the
// platform is not ended: send the browser to the end-session endpoint for
// that (see LogoutURL).
func (s *SignIn) SignOut(ctx context.Context, accountID string) error {
	return s.remove(ctx, accountID)
}

func (s *SignIn) remove(ctx context.Context, accountID string) error {
	if accountID == "" {
		return nil
	}
	m, err := s.clients()
	if err != nil {
		return err
	}
	s.noteAccount(ctx, Account{ID: accountID}, true)
	if s.users != nil {
		if err := s.users.forget(ctx, accountID); err != nil {
			return fmt.Errorf("graphauth: signing out: the token store failed: %w", err)
		}
	}
	if m.conf != nil {
		acct, err := m.conf.Account(ctx, accountID)
		if err != nil || acct.HomeAccountID == "" {
			return nil
		}
		return m.conf.RemoveAccount(ctx, acct)
	}
	if acct, ok := publicAccount(ctx, m.pub, accountID); ok {
		return m.pub.RemoveAccount(ctx, acct)
	}
	return nil
}

// LogoutURL is the platform's end-session URL, which signs the browser out
// and returns it to postLogoutRedirect (which must be registered).
func (s *SignIn) LogoutURL(postLogoutRedirect string) string {
	q := url.Values{}
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	return s.opts.authority + "/" + s.tenant + "/oauth2/v2.0/logout?" + q.Encode()
}
