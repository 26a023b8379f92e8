package graphauth

import (
	"context"
	"errors"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"golang.org/x/sync/singleflight"
)

// credential is the engine every app-only credential shares: validation,
// the tenant allow-list, the fast cache, one request per key, background
// refresh, and MSAL underneath.
type credential struct {
	kind     string // "secret", "certificate", "assertion": for logs
	tenantID string
	clientID string
	opts     resolved
	msal     confidential.Client
	scopes   []string // the default scopes
	scopesH  uint64   // their hash
	cache    *tokenCache
	home     *entry // the (own tenant, default scopes) entry, found without hashing
	flights  singleflight.Group
	inflight flightTable
	store    Store // shared cache behind the in-process one; nil for none
	now      func() time.Time
	manual   bool // now is not the real clock: compute token states from it

	refreshTimeout time.Duration // bound on one background attempt
	retryBase      time.Duration // first pause between background attempts
}

func newCredential(kind, tenantID, clientID string, cred confidential.Credential, opts resolved, extra ...confidential.Option) (*credential, error) {
	if err := ids.Tenant(tenantID); err != nil {
		return nil, &ConfigError{Field: "TenantID", Reason: err.Error()}
	}
	if err := ids.Client(clientID); err != nil {
		return nil, &ConfigError{Field: "ClientID", Reason: err.Error()}
	}
	msalOpts := append([]confidential.Option{
		confidential.WithHTTPClient(msalHTTP{c: opts.retrying, dis: &discovery{}}),
		confidential.WithCache(noCache{}),
		confidential.WithInstanceDiscovery(opts.known),
	}, extra...)
	client, err := confidential.New(opts.authority+"/"+tenantID, clientID, cred, msalOpts...)
	if err != nil {
		return nil, &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	c := &credential{
		kind: kind, tenantID: tenantID, clientID: clientID, opts: opts, msal: client,
		scopes: []string{opts.cloud.DefaultScope()}, cache: newTokenCache(), now: time.Now,
		refreshTimeout: 30 * time.Second, retryBase: time.Second,
	}
	c.store = opts.store
	c.home = c.cache.getOrCreate(tenantID, c.scopes)
	c.scopesH = c.cache.scopesHash(c.scopes)
	return c, nil
}

// state reads a cached token's state: from its timers, or from the injected
// clock in tests.
func (c *credential) state(p *cachedToken) uint32 {
	if c.manual {
		return p.stateAt(c.now())
	}
	return p.state.Load()
}

// allowed reports whether tenant may be asked for.
func (c *credential) allowed(tenant string) bool {
	if c.opts.allowAny || strings.EqualFold(tenant, c.tenantID) {
		return true
	}
	for _, t := range c.opts.allowed {
		if strings.EqualFold(t, tenant) {
			return true
		}
	}
	return false
}

// Token returns a cached token while one is valid and fetches otherwise.
func (c *credential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	tenant := c.tenantID
	if req.TenantID != "" && req.TenantID != c.tenantID {
		if !c.allowed(req.TenantID) {
			return Token{}, fmt.Errorf("%w: %s is not on AllowedTenants", ErrTenantNotAllowed, req.TenantID)
		}
		tenant = req.TenantID
	}
	scopes := req.Scopes
	if scopes == nil {
		scopes = c.scopes
	}
	if req.Claims == "" && !req.Fresh {
		e := c.home
		if req.Scopes != nil {
			e = c.cache.get(tenant, scopes, c.cache.scopesHash(scopes))
		} else if tenant != c.tenantID {
			e = c.cache.get(tenant, scopes, c.scopesH)
		}
		if e != nil {
			if p := e.tok.Load(); p != nil {
				if st := c.state(p); st != stateExpired {
					if st == stateDue && e.refreshing.CompareAndSwap(false, true) {
						go c.refreshInBackground(e)
					}
					return p.token, nil
				}
			}
		}
	}
	return c.fetchShared(ctx, tenant, scopes, req.Claims, req.Fresh)
}

// fetchShared makes one request per key however many callers miss at once;
// each caller waits for it or for its own context.
func (c *credential) fetchShared(ctx context.Context, tenant string, scopes []string, claims string, fresh bool) (Token, error) {
	if len(scopes) == 0 {
		return Token{}, &ConfigError{Field: "Scopes", Reason: "an empty list asks for nothing; use nil for the default scope"}
	}
	e := c.cache.getOrCreate(tenant, scopes)
	key := e.flightKey + "\x00" + claims
	if fresh {
		key += "\x00fresh"
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.awaitFlight(ctx, e, key, claims, fresh)
		// A caller can join a request whose own callers all gave up just
		// before it finished, cancelling it; such a caller asks again.
		if err != nil && attempt == 0 && ctx.Err() == nil && errors.Is(err, context.Canceled) {
			continue
		}
		return tok, err
	}
}

func (c *credential) awaitFlight(ctx context.Context, e *entry, key, claims string, fresh bool) (Token, error) {
	f := c.inflight.join(key, ctx, c.refreshTimeout)
	defer c.inflight.leave(key, f)
	mode := modeMiss
	if fresh {
		mode = modeFresh
	}
	ch := c.flights.DoChan(key, func() (any, error) { return c.fetch(f.ctx, e, claims, mode) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return Token{}, res.Err
		}
		return res.Val.(Token), nil
	case <-ctx.Done():
		return Token{}, fmt.Errorf("graphauth: waiting for a token: %w", ctx.Err())
	}
}

// flightTable gives each shared request a context that outlives any one
// caller but ends when the last caller waiting for it has gone, so that a
// request nobody wants any more is cancelled rather than left running.
type flightTable struct {
	mu      sync.Mutex
	flights map[string]*flight
}

type flight struct {
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int
}

func (t *flightTable) join(key string, ctx context.Context, timeout time.Duration) *flight {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.flights == nil {
		t.flights = map[string]*flight{}
	}
	f := t.flights[key]
	if f == nil {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		f = &flight{ctx: fctx, cancel: cancel}
		t.flights[key] = f
	}
	f.waiters++
	return f
}

func (t *flightTable) leave(key string, f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		if t.flights[key] == f {
			delete(t.flights, key)
		}
	}
}

// fetch asks MSAL for a token and caches it. Unless force is set, a token
// that another caller has just cached is returned instead.
// fetchMode says where fetch may take a token from.
type fetchMode int

const (
	modeMiss    fetchMode = iota // the in-process cache, then the Store, then the platform
	modeRefresh                  // a successor: the Store's if another replica refreshed, else the platform
	modeFresh                    // the platform only (TokenRequest.Fresh)
)

// fetch gets a token for e and caches it in-process (and in the Store when
// it came from the platform). Claims requests always go to the platform.
func (c *credential) fetch(ctx context.Context, e *entry, claims string, mode fetchMode) (Token, error) {
	if claims == "" {
		if p := e.tok.Load(); mode == modeMiss && p != nil && c.state(p) != stateExpired {
			return p.token, nil
		}
		if mode != modeFresh {
			if tok, ok := c.sharedToken(ctx, e, mode); ok {
				return tok, nil
			}
		}
	}
	cp := &capture{}
	ctx = context.WithValue(ctx, captureKey{}, cp)
	var opts []confidential.AcquireByCredentialOption
	if e.tenant != c.tenantID {
		opts = append(opts, confidential.WithTenantID(e.tenant))
	}
	if claims != "" {
		opts = append(opts, confidential.WithClaims(claims))
	}
	start := c.now()
	res, err := c.msal.AcquireTokenByCredential(ctx, e.scopes, opts...)
	if err != nil {
		aerr := classify(err, cp)
		c.opts.log.LogAttrs(ctx, levelFor(aerr), "graphauth: token request failed",
			logAttrs(c, e, "error", aerr.Error())...)
		return Token{}, aerr
	}
	tok := c.tokenFrom(res, cp, start, e)
	c.install(e, tok, start)
	c.toStore(ctx, e, tok)
	c.opts.log.LogAttrs(ctx, levelDebug, "graphauth: token acquired",
		logAttrs(c, e, "expires_on", tok.ExpiresOn.UTC().Format(time.RFC3339), "refresh_on", tok.RefreshOn.UTC().Format(time.RFC3339))...)
	return tok, nil
}

// sharedToken takes a token from the Store when it serves: on a miss, any
// valid one; for a refresh, only one newer than ours that is not yet due.
func (c *credential) sharedToken(ctx context.Context, e *entry, mode fetchMode) (Token, bool) {
	tok, ok := c.fromStore(ctx, e)
	if !ok {
		return Token{}, false
	}
	now := c.now()
	if !now.Before(tok.ExpiresOn.Add(-safetyMargin(tok.ExpiresOn.Sub(now)))) {
		return Token{}, false
	}
	if mode == modeRefresh {
		cur := e.tok.Load()
		if (cur != nil && !tok.ExpiresOn.After(cur.token.ExpiresOn)) || !now.Before(tok.RefreshOn) {
			return Token{}, false
		}
	}
	// Each replica refreshes a shared token at its own moment, so that the
	// first one's successor reaches the Store before the others look.
	if window := tok.ExpiresOn.Sub(tok.RefreshOn) / 4; window > 0 {
		tok.RefreshOn = tok.RefreshOn.Add(time.Duration(rand.Int64N(int64(window))))
	}
	c.install(e, tok, now)
	c.opts.log.LogAttrs(ctx, levelDebug, "graphauth: token taken from the store", logAttrs(c, e, "expires_on", tok.ExpiresOn.UTC().Format(time.RFC3339))...)
	return tok, true
}

// safetyMargin is how long before expiry a token stops being served.
func safetyMargin(lifetime time.Duration) time.Duration { return min(2*time.Minute, lifetime/10) }

// install makes tok the entry's current token.
func (c *credential) install(e *entry, tok Token, now time.Time) {
	next := &cachedToken{token: tok, usableUntil: tok.ExpiresOn.Add(-safetyMargin(tok.ExpiresOn.Sub(now)))}
	if !c.manual {
		next.arm(now)
	}
	if old := e.tok.Swap(next); old != nil {
		old.disarm()
	}
}

// tokenFrom builds the Token, timing it by the credential's clock from the
// expires_in and refresh_in the platform sent.
func (c *credential) tokenFrom(res confidential.AuthResult, cp *capture, start time.Time, e *entry) Token {
	lifetime := time.Until(res.ExpiresOn)
	var refreshIn time.Duration
	if tr, ok := cp.tokenResponse(); ok && tr.ExpiresIn > 0 {
		lifetime = time.Duration(tr.ExpiresIn) * time.Second
		refreshIn = time.Duration(tr.RefreshIn) * time.Second
	}
	if refreshIn <= 0 || refreshIn >= lifetime {
		jitter := time.Duration(rand.Int64N(int64(lifetime/10) + 1))
		refreshIn = time.Duration(float64(lifetime)*c.opts.share) - jitter
	}
	return Token{
		AccessToken: res.AccessToken,
		ExpiresOn:   start.Add(lifetime),
		RefreshOn:   start.Add(refreshIn),
		TenantID:    e.tenant,
		Scopes:      e.scopes,
	}
}

// refreshInBackground fetches the successor of a token that is due for
// refresh, retrying with backoff while the current token stays valid.
// Callers keep getting the current token meanwhile.
func (c *credential) refreshInBackground(e *entry) {
	defer e.refreshing.Store(false)
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), c.refreshTimeout)
		_, err, _ := c.flights.Do(e.flightKey+"\x00", func() (any, error) { return c.fetch(ctx, e, "", modeRefresh) })
		cancel()
		if err == nil {
			return
		}
		p := e.tok.Load()
		if p == nil || c.state(p) == stateExpired {
			return // nothing valid left: the next caller fetches and sees the error
		}
		pause := min(c.retryBase<<min(attempt, 6), time.Minute)
		pause += time.Duration(rand.Int64N(int64(pause)/2 + 1))
		if left := p.usableUntil.Sub(c.now()); pause > left {
			pause = left
		}
		c.opts.log.LogAttrs(ctx, levelWarn, "graphauth: background refresh failed; the current token is still valid",
			logAttrs(c, e, "attempt", attempt+1, "retry_in", pause.String())...)
		time.Sleep(pause)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// describe is what every credential prints as: which app, which tenant,
// never the credential itself.
func (c *credential) describe(typ string) string {
	return fmt.Sprintf("graphauth.%s{TenantID: %q, ClientID: %q}", typ, c.tenantID, c.clientID)
}
