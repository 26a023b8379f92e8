package graphauth

import (
	"context"
	"fmt"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// tokenSource asks the platform for a new token. The engine (credential)
// calls it for at most one request per key at a time, and checks, caches,
// refreshes and shares what it returns; a source keeps no tokens of its own.
// Errors are *AuthError.
type tokenSource interface {
	token(ctx context.Context, q tokenQuery) (issued, error)
}

// tokenQuery is what to ask for.
type tokenQuery struct {
	tenant string
	scopes []string
	claims string // a claims challenge, or ""
	// budget says until when the answer is still wanted; nil or !ok means
	// only the context's deadline bounds the request.
	budget func() (time.Time, bool)
}

// issued is a token as the platform sent it, before the engine has checked
// its lifetime.
type issued struct {
	accessToken string
	expiresIn   int64     // seconds, from the response's expires_in; 0 if absent
	refreshIn   int64     // seconds, from refresh_in; 0 if absent
	expiresOn   time.Time // the expiry the client library computed, for answers without expires_in
}

// maxLifetime is the longest token lifetime believed. Entra's access tokens
// live 60 to 90 minutes, 24 to 28 hours with continuous access evaluation;
// an answer claiming more is a broken proxy or a forgery.
const maxLifetime = 7 * 24 * time.Hour

// lifetime checks what the platform said about a token's life: its lifetime
// and when to refresh it. An expires_in of zero, a negative or past expiry,
// or one beyond maxLifetime is ErrUnexpectedResponse; the arithmetic is done
// in seconds first, so that no value overflows a time.Duration.
func (t issued) lifetime() (life, refreshIn time.Duration, err error) {
	switch secs := t.expiresIn; {
	case t.accessToken == "":
		return 0, 0, &AuthError{StatusCode: 200, Err: fmt.Errorf("%w: the answer holds no access_token", ErrUnexpectedResponse)}
	case secs > 0 && secs <= int64(maxLifetime/time.Second):
		life = time.Duration(secs) * time.Second
	case secs > 0:
		return 0, 0, &AuthError{StatusCode: 200, Err: fmt.Errorf("%w: expires_in of %d seconds is beyond any token's lifetime", ErrUnexpectedResponse, secs)}
	default:
		life = time.Until(t.expiresOn).Truncate(time.Second)
		if life <= 0 || life > maxLifetime {
			return 0, 0, &AuthError{StatusCode: 200, Err: fmt.Errorf("%w: the token's expiry is not in the next %s", ErrUnexpectedResponse, maxLifetime)}
		}
	}
	if t.refreshIn > 0 && t.refreshIn < int64(life/time.Second) {
		refreshIn = time.Duration(t.refreshIn) * time.Second
	}
	return life, refreshIn, nil
}

// msalSource gets app-only tokens from MSAL's confidential client, whose
// own cache is switched off (see noCache): the engine caches.
type msalSource struct {
	client confidential.Client
	home   string // the credential's tenant, which MSAL's authority names
}

func (s msalSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	cp := &capture{budget: q.budget}
	ctx = context.WithValue(ctx, captureKey{}, cp)
	var opts []confidential.AcquireByCredentialOption
	if q.tenant != s.home {
		opts = append(opts, confidential.WithTenantID(q.tenant))
	}
	if q.claims != "" {
		opts = append(opts, confidential.WithClaims(q.claims))
	}
	res, err := s.client.AcquireTokenByCredential(ctx, q.scopes, opts...)
	if err != nil {
		return issued{}, classify(err, cp)
	}
	out := issued{accessToken: res.AccessToken, expiresOn: res.ExpiresOn}
	if tr, ok := cp.tokenResponse(); ok {
		out.expiresIn, out.refreshIn = int64(tr.ExpiresIn), int64(tr.RefreshIn)
	}
	return out, nil
}
