package graphauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/internal/pkce"
)

// User is a signed-in user and the token obtained at sign-in.
type User struct {
	AccountID string // keys the user's tokens in this SignIn: pass it to Token and SignOut, from the app's session only (it is no secret)
	TenantID  string
	ObjectID  string
	Username  string // preferred_username, usually the UPN
	Name      string
	Token     Token // an access token for the sign-in scopes
}

// Complete finishes a sign-in from the callback's parameters (the query, or
// the form for form_post): it checks the state in constant time and that p
// is whole, turns an error the platform sent into an *AuthError, redeems
// the code with the PKCE verifier, and validates the ID token (signature,
// issuer, audience and authorized party, tenant, nonce, lifetime and issue
// time). The code is redeemed for the first resource of the sign-in's
// scopes (see SignInOptions.Scopes). Errors: ErrStateMismatch,
// ErrIncompletePending, ErrLoginExpired, ErrMissingCode, *ScopeError
// (wrapping the *AuthError) when scopes were declined, unknown, need an
// administrator or could not be had together, *AuthError (also when the ID
// of a tenant given by domain cannot be read; the code is not sent then),
// *IDTokenError. On any error no account is kept.
func (s *SignIn) Complete(ctx context.Context, p Pending, callback url.Values) (*User, error) {
	if p.State == "" || subtle.ConstantTimeCompare([]byte(callback.Get("state")), []byte(p.State)) != 1 {
		return nil, ErrStateMismatch
	}
	if p.Nonce == "" || !pkce.ValidVerifier(p.Verifier) || checkScopes("Scopes", p.Scopes) != nil {
		return nil, ErrIncompletePending
	}
	if s.now().Sub(p.Created) > loginLifetime {
		return nil, ErrLoginExpired
	}
	if e := callback.Get("error"); e != "" {
		return nil, scopeFailure(callbackError(e, callback.Get("error_description")), p.Scopes)
	}
	code := callback.Get("code")
	if code == "" {
		return nil, ErrMissingCode
	}
	allowed, err := s.tenantCheck(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.clients()
	if err != nil {
		return nil, err
	}
	cp := &capture{}
	cctx := context.WithValue(ctx, captureKey{}, cp)
	scopes := []string{s.opts.cloud.DefaultScope()}
	if groups := s.resourceScopes(p.Scopes); len(groups) > 0 {
		scopes = groups[0]
	}
	sent := time.Now()
	var res confidential.AuthResult
	if m.conf != nil {
		res, err = m.conf.AcquireTokenByAuthCode(cctx, code, s.redirect, scopes, confidential.WithChallenge(p.Verifier))
	} else {
		var pr public.AuthResult
		pr, err = m.pub.AcquireTokenByAuthCode(cctx, code, s.redirect, scopes, public.WithChallenge(p.Verifier))
		res = confidential.AuthResult(pr)
	}
	if err != nil {
		return nil, scopeFailure(classify(err, cp), scopes)
	}
	u, err := s.userFrom(ctx, res, cp, sent, p.Nonce, allowed)
	if err != nil {
		_ = s.remove(ctx, res.Account.HomeAccountID)
		return nil, err
	}
	s.noteAccount(ctx, Account{ID: u.AccountID, TenantID: u.TenantID, Username: u.Username}, false)
	return u, nil
}

// userFrom checks the token response MSAL accepted and its ID token, and
// returns the signed-in user.
func (s *SignIn) userFrom(ctx context.Context, res confidential.AuthResult, cp *capture, sent time.Time, nonce string, allowed func(tid string) bool) (*User, error) {
	if s.msal.Load() == nil { // Close ran meanwhile
		return nil, ErrClosed
	}
	if err := checkTokenResponse(res, cp, sent); err != nil {
		return nil, err
	}
	if res.IDToken.RawToken == "" {
		return nil, &IDTokenError{Reason: "the platform sent no ID token"}
	}
	claims, err := validateIDToken(ctx, s.keys, res.IDToken.RawToken, idTokenCheck{
		authority: s.opts.authority, clientID: s.clientID, nonce: nonce, now: s.now(), allowed: allowed,
	})
	if err != nil {
		return nil, err
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	return &User{
		AccountID: res.Account.HomeAccountID, TenantID: str("tid"), ObjectID: str("oid"),
		Username: str("preferred_username"), Name: str("name"),
		Token: Token{AccessToken: res.AccessToken, ExpiresOn: res.ExpiresOn.Round(0), TenantID: str("tid"), Scopes: grantedScopes(res.GrantedScopes)},
	}, nil
}

// tenantCheck returns the check of an ID token's tid: the configured
// tenant's ID, read once from its OpenID configuration when the tenant was
// given by domain name; else the tenant's GUID, or, for "organizations" and
// "common", AllowedTenants. It returns an *AuthError when the domain's
// tenant ID cannot be read.
func (s *SignIn) tenantCheck(ctx context.Context) (func(tid string) bool, error) {
	if s.domainID == nil {
		return s.tenantAllowed, nil
	}
	id, err := s.domainID.get(ctx, func(id string) bool { return id != "" })
	if id == "" {
		var ae *AuthError
		if !errors.As(err, &ae) {
			ae = &AuthError{Err: err}
		}
		return nil, ae
	}
	return func(tid string) bool { return strings.EqualFold(tid, id) }, nil
}

// tenantAllowed checks an ID token's tid against a tenant configured by
// GUID, or the allow-list of a multi-tenant app.
func (s *SignIn) tenantAllowed(tid string) bool {
	switch {
	case strings.EqualFold(tid, s.tenant):
		return true
	case ids.IsGUID(s.tenant):
		return false // a single-tenant app: only its own tenant
	case s.opts.allowAny:
		return true
	}
	for _, t := range s.opts.allowed {
		if strings.EqualFold(t, tid) {
			return true
		}
	}
	return false
}
