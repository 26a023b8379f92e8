package graphauth

import (
	"context"
	"fmt"
	"sync"
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
	via         string    // the name of the client credential that served (FallbackCredential)
}

// maxLifetime is the longest token lifetime believed. Entra's access tokens
// live 60 to 90 minutes, 24 to 28 hours with continuous access evaluation;
// an answer claiming more is a broken proxy or a forgery.
const maxLifetime = 48 * time.Hour

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

// spentOnTheWay reports whether a token of lifetime life, asked for at
// sent, was no longer usable (its safety margin reached) at now: a short
// expires_in spent on a slow link or on retries.
func spentOnTheWay(life time.Duration, sent, now time.Time) bool {
	return !now.Before(sent.Add(life - safetyMargin(life)))
}

// msalSource gets app-only tokens from MSAL's confidential client, whose
// own token cache is switched off (see noCache): the engine caches.
//
// MSAL also keeps the endpoints of every tenant it is asked about, and
// never lets go of them (about 500 bytes a tenant). So that tenants which
// only ever fail (a multi-tenant app asked for tenants that never
// consented), or that were served and then went idle (the engine forgets
// their keys, MSAL would not), cannot grow the process without bound, the
// client is replaced by a new one after maxOtherRequests requests for
// other tenants. Tenants' discovery documents are answered locally (see
// discovery), so the new client finds its endpoints without a request: a
// replacement costs the building of a client, once in that many requests.
type msalSource struct {
	home   string // the credential's tenant, which MSAL's authority names
	build  func() (confidential.Client, error)
	limit  int // maxOtherRequests; tests lower it
	mu     sync.Mutex
	client confidential.Client
	others int // requests for other tenants since the client was built
}

const maxOtherRequests = 256

func newMSALSource(home string, build func() (confidential.Client, error)) (*msalSource, error) {
	client, err := build()
	if err != nil {
		return nil, err
	}
	return &msalSource{home: home, build: build, limit: maxOtherRequests, client: client}, nil
}

// clientFor returns the client to ask for tenant with, counting a request for
// another tenant, and first replacing the client once too many have been
// made with it.
func (s *msalSource) clientFor(tenant string) confidential.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tenant == s.home {
		return s.client
	}
	if s.others++; s.others > s.limit {
		if client, err := s.build(); err == nil {
			s.client, s.others = client, 1
		}
	}
	return s.client
}

func (s *msalSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	cp := &capture{budget: q.budget}
	ctx = context.WithValue(ctx, captureKey{}, cp)
	var opts []confidential.AcquireByCredentialOption
	if q.tenant != s.home {
		opts = append(opts, confidential.WithTenantID(q.tenant))
	}
	if q.claims != "" {
		opts = append(opts, confidential.WithClaims(q.claims))
	}
	res, err := s.clientFor(q.tenant).AcquireTokenByCredential(ctx, q.scopes, opts...)
	if err != nil {
		return issued{}, classify(err, cp)
	}
	out := issued{accessToken: res.AccessToken, expiresOn: res.ExpiresOn}
	if tr, ok := cp.tokenResponse(); ok {
		out.expiresIn, out.refreshIn = int64(tr.ExpiresIn), int64(tr.RefreshIn)
	}
	return out, nil
}
