package graphauth

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"golang.org/x/sync/singleflight"

	"github.com/entrakit/entrakit/internal/ids"
)

// credential is the token engine every app-only credential shares. A Token
// call runs one way through it, and this file reads in that order:
//
//	allow-list → in-process cache (a hit: no lock, no allocation)
//	  → one request per key → throttle memory → shared Store (read)
//	  → token source (MSAL) → validate → install → Store (write, afterwards)
//
// Background refresh (refresh.go) runs the same fetch for a token that is
// due. The source is an interface, so that everything but the platform
// request lives here once, whatever the flow.
type credential struct {
	kind     string // "secret", "certificate", "assertion": for logs
	tenantID string
	clientID string
	opts     resolved
	src      tokenSource
	v1       bool     // src also asks the v1 endpoint for Resource tokens
	v1Keys   v1Keys   // the cache keys of the resources asked for
	scopes   []string // the default scopes
	scopesH  uint64   // their hash
	cache    *tokenCache
	home     *entry // the (own tenant, default scopes) entry, found without hashing
	flights  singleflight.Group
	inflight flightTable
	throttle throttleMemory
	store    Store // shared cache behind the in-process one; nil for none
	gate     storeGate
	tel      *telemetry // nil: no metrics or spans
	now      func() time.Time
	manual   bool // now is not the real clock: compute token states from it
	closed   atomic.Bool
	done     chan struct{} // closed by Close: ends refreshes and requests under way
	writes   storeWrites

	refreshTimeout time.Duration // bound on one request
	retryBase      time.Duration // first pause between background attempts
}

// ErrClosed means a credential or a SignIn was used after its Close.
var ErrClosed = errors.New("graphauth: the credential is closed")

func newCredential(kind, tenantID, clientID string, cred confidential.Credential, opts resolved, extra ...confidential.Option) (*credential, error) {
	if err := ids.Tenant(tenantID); err != nil {
		return nil, &ConfigError{Field: "TenantID", Reason: err.Error()}
	}
	if err := ids.Client(clientID); err != nil {
		return nil, &ConfigError{Field: "ClientID", Reason: err.Error()}
	}
	if strings.EqualFold(clientID, tenantID) {
		// As Config refuses it: the constructors are what the README's
		// first example calls, with both IDs from the environment.
		return nil, &ConfigError{Field: "ClientID", Reason: sameAsTenant}
	}
	tel, err := newTelemetry(kind, opts.meters, opts.tracers)
	if err != nil {
		return nil, err
	}
	msalOpts := append([]confidential.Option{
		confidential.WithHTTPClient(msalHTTP{c: opts.retrying, dis: &discovery{entra: opts.entra}, tracer: tel.tracerOf()}),
		confidential.WithCache(noCache{}),
		confidential.WithInstanceDiscovery(opts.known),
	}, extra...)
	src, err := newMSALSource(tenantID, func() (confidential.Client, error) {
		return confidential.New(opts.authority+"/"+tenantID, clientID, cred, msalOpts...)
	})
	if err != nil {
		return nil, &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	c := newEngine(kind, tenantID, clientID, src, opts)
	c.tel = tel
	return c, nil
}

// newEngine assembles the engine around a token source.
func newEngine(kind, tenantID, clientID string, src tokenSource, opts resolved) *credential {
	c := &credential{
		kind: kind, tenantID: tenantID, clientID: clientID, opts: opts, src: src,
		scopes: []string{opts.cloud.DefaultScope()}, cache: newTokenCache(), store: opts.store,
		done:           make(chan struct{}),
		refreshTimeout: 30 * time.Second, retryBase: time.Second,
	}
	c.now, c.manual = clockNow(opts.clock)
	c.gate.budget = opts.budget
	c.home = c.cache.getOrCreate(tenantID, c.scopes, true)
	c.scopesH = c.cache.scopesHash(c.scopes)
	return c
}

// Token returns a cached token while one is valid and fetches otherwise.
func (c *credential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	// The allow-list. The own tenant needs no look-up; in another spelling
	// it is found through the cache's case-insensitive keys.
	tenant := req.TenantID
	home := tenant == "" || tenant == c.tenantID
	if home {
		tenant = c.tenantID
	} else if !c.opts.allowAny && !c.allowed(tenant) {
		return Token{}, fmt.Errorf("%w: %q is not on AllowedTenants", ErrTenantNotAllowed, clip(tenant, 256))
	}
	if req.Resource != "" {
		key, err := c.resourceKey(req)
		if err != nil {
			return Token{}, err
		}
		req.Scopes = key
	} else if len(req.Scopes) > 0 && strings.HasPrefix(req.Scopes[0], "\x00") {
		return Token{}, checkScopes("TokenRequest.Scopes", req.Scopes[:1]) // v1 tokens' keys start so
	}
	scopes := req.Scopes
	if scopes == nil {
		scopes = c.scopes
	}
	// The in-process cache.
	if req.Claims == "" && !req.Fresh {
		var e *entry
		var p *cachedToken
		switch {
		case req.Scopes != nil:
			e, p = c.cache.lookup(tenant, scopes, c.cache.scopesHash(scopes))
		case !home:
			e, p = c.cache.lookup(tenant, scopes, c.scopesH)
		default:
			e = c.home
			p = e.tok.Load()
		}
		if p != nil {
			if st := c.state(p); st != stateExpired {
				if st == stateDue && e.refreshing.CompareAndSwap(false, true) {
					e.running.Store(true)
					go c.refreshInBackground(e)
				}
				c.tel.hit()
				return p.token, nil
			}
		}
	}
	return c.fetchShared(ctx, tenant, scopes, req.Claims, req.Fresh)
}

// allowed reports whether tenant may be asked for. Case is folded for
// ASCII letters alone, as the cache and the platform fold it: Unicode
// folding would let "\u212aontoso.com" (a Kelvin sign) pass for
// kontoso.com.
func (c *credential) allowed(tenant string) bool {
	if c.opts.allowAny || equalFoldASCII(tenant, c.tenantID) {
		return true
	}
	for _, t := range c.opts.allowed {
		if equalFoldASCII(t, tenant) {
			return true
		}
	}
	return false
}

// state reads a cached token's state: from its timers, or from the injected
// clock in tests.
func (c *credential) state(p *cachedToken) uint32 {
	if c.manual {
		return p.stateAt(c.now())
	}
	return p.state.Load()
}

// fetchShared makes one request per key however many callers miss at once;
// each caller waits for it or for its own context. A key whose fetch failed
// is not kept, so that failing tenants do not grow the cache.
func (c *credential) fetchShared(ctx context.Context, tenant string, scopes []string, claims string, fresh bool) (Token, error) {
	if c.closed.Load() {
		return Token{}, ErrClosed
	}
	if len(scopes) == 0 {
		return Token{}, &ConfigError{Field: "Scopes", Reason: "an empty list asks for nothing; use nil for the default scope"}
	}
	if err := checkAppScopes(scopes); err != nil {
		return Token{}, err
	}
	if tenant != c.tenantID {
		// Checked before it takes a key: with AllowedTenants "*" the tenant
		// is often outside input, and one holding a NUL, a "/" or a line
		// break would otherwise reach the authority URL and the logs, and
		// share the flight and throttle keys of another tenant's requests.
		if err := ids.Tenant(tenant); err != nil {
			return Token{}, &ConfigError{Field: "TokenRequest.TenantID", Reason: err.Error(), Err: ErrTenantNotAllowed}
		}
	}
	c.tel.miss()
	e := c.cache.getOrCreate(tenant, scopes, &scopes[0] == &c.scopes[0]) // the credential's own scopes need no copy
	if aerr := c.throttle.check(e.flightKey, c.now()); aerr != nil {
		c.cache.removeIfEmpty(e, c.home)
		c.tel.refusedLocally(ctx)
		return Token{}, aerr
	}
	key := e.flightKey + "\x00" + claims
	mode := modeMiss
	if fresh {
		key, mode = key+"\x00fresh", modeFresh
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.awaitFlight(ctx, e, key, claims, mode)
		if err != nil && c.closed.Load() {
			return Token{}, fmt.Errorf("%w: %w", ErrClosed, err)
		}
		// A caller can join a request whose own callers all gave up just
		// before it ended, cancelling it; such a caller asks again.
		if err != nil && attempt == 0 && ctx.Err() == nil && isContextError(err) {
			continue
		}
		if err != nil {
			c.cache.removeIfEmpty(e, c.home)
		}
		return tok, err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (c *credential) awaitFlight(ctx context.Context, e *entry, key, claims string, mode fetchMode) (Token, error) {
	f := c.inflight.join(key, ctx, c.refreshTimeout)
	defer c.inflight.leave(key, ctx, f)
	ch := c.flights.DoChan(key, func() (any, error) { return c.fetch(f.ctx, e, claims, mode, f.budget) })
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

// fetchMode says where fetch may take a token from.
type fetchMode int

const (
	modeMiss    fetchMode = iota // the in-process cache, then the Store, then the platform
	modeRefresh                  // a successor: the Store's if another replica refreshed, else the platform
	modeFresh                    // the platform only (TokenRequest.Fresh)
)

// fetch gets a token for e, installs it, and shares it through the Store
// once the waiters have it. Claims requests always go to the platform.
// budget says until when the answer is wanted (see flight.budget).
func (c *credential) fetch(ctx context.Context, e *entry, claims string, mode fetchMode, budget func() (time.Time, bool)) (tok Token, err error) {
	defer func() {
		// Nothing the platform sends may take the process down: a panic in
		// the source (MSAL's parsing included) becomes an error.
		if r := recover(); r != nil {
			tok, err = Token{}, &AuthError{Err: fmt.Errorf("%w: the token request panicked (%T)", ErrUnexpectedResponse, r)}
		}
	}()
	if claims == "" {
		if p := e.tok.Load(); mode == modeMiss && p != nil && c.state(p) != stateExpired {
			return p.token, nil
		}
		if aerr := c.throttle.check(e.flightKey, c.now()); aerr != nil {
			return Token{}, aerr
		}
		if mode != modeFresh {
			if tok, ok := c.sharedToken(ctx, e, mode); ok {
				return tok, nil
			}
		}
	}
	start, sent := c.now(), time.Now()
	got, err := c.src.token(ctx, tokenQuery{tenant: e.tenant, scopes: e.scopes, claims: claims, budget: budget})
	if err == nil {
		tok, err = c.validate(got, start, c.now(), e)
	}
	c.tel.requested(ctx, time.Since(sent), err)
	if err != nil {
		aerr := asAuthError(err)
		c.throttle.note(e.flightKey, aerr, c.now())
		c.opts.log.LogAttrs(ctx, levelFor(aerr), "graphauth: token request failed", logAttrs(c, e, "error", aerr.Error())...)
		return Token{}, aerr
	}
	c.install(e, tok, start, 0)
	c.writes.start(func() { c.toStore(e, tok) })
	c.opts.log.LogAttrs(ctx, levelDebug, "graphauth: token acquired",
		logAttrs(c, e, "expires_on", tok.ExpiresOn.UTC().Format(time.RFC3339), "refresh_on", tok.RefreshOn.UTC().Format(time.RFC3339))...)
	return tok, nil
}

func asAuthError(err error) *AuthError {
	var aerr *AuthError
	if errors.As(err, &aerr) {
		return aerr
	}
	return &AuthError{Err: err}
}

// validate builds the Token from what the source returned, timed by the
// credential's clock from start, when the request was sent: a lifetime
// that cannot be right is refused, and so is a token that is no longer
// usable now that it has arrived (a short lifetime spent on retries). A
// refresh_in that would fall after the token stops being served is
// ignored.
func (c *credential) validate(got issued, start, now time.Time, e *entry) (Token, error) {
	life, refreshIn, err := got.lifetime()
	if err != nil {
		return Token{}, err
	}
	if spentOnTheWay(life, start, now) {
		return Token{}, &AuthError{StatusCode: 200, Err: fmt.Errorf("%w: the token (expires_in %d s) was no longer usable when it arrived", ErrUnexpectedResponse, got.expiresIn)}
	}
	if refreshIn >= life-safetyMargin(life) {
		refreshIn = 0
	}
	if refreshIn == 0 {
		jitter := time.Duration(rand.Int64N(int64(life/10) + 1))
		refreshIn = time.Duration(float64(life)*c.opts.share) - jitter
	}
	// Wall-clock times (Round(0) drops the monotonic reading): whoever
	// compares them with time.Now, azcore's token policy say, then judges
	// them right after the machine was suspended, when the monotonic clock
	// stood still.
	return withScopes(Token{
		AccessToken:    got.accessToken,
		ExpiresOn:      start.Add(life).Round(0),
		RefreshOn:      start.Add(refreshIn).Round(0),
		TenantID:       e.tenant,
		CredentialName: got.via,
	}, e.scopes), nil
}

// sharedToken takes a token from the Store when it serves: on a miss, any
// one valid for longer than the safety and clock-skew margins; for a
// refresh, only one newer than ours that is not yet due.
func (c *credential) sharedToken(ctx context.Context, e *entry, mode fetchMode) (Token, bool) {
	tok, ok := c.fromStore(ctx, e)
	c.tel.storeLookup(ok)
	if !ok {
		return Token{}, false
	}
	now := c.now()
	left := tok.ExpiresOn.Sub(now)
	if left > maxLifetime || left <= maxSafetyMargin+storeSkew {
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
	c.install(e, tok, now, storeSkew)
	c.opts.log.LogAttrs(ctx, levelDebug, "graphauth: token taken from the store", logAttrs(c, e, "expires_on", tok.ExpiresOn.UTC().Format(time.RFC3339))...)
	return tok, true
}

// storeSkew is the clock difference between replicas that a token read from
// the Store allows for: it stops being served that much earlier than one
// this process fetched. Replicas' clocks must agree within it (SECURITY.md).
const storeSkew = time.Minute

// safetyMargin is how long before expiry a token stops being served.
func safetyMargin(lifetime time.Duration) time.Duration { return min(maxSafetyMargin, lifetime/10) }

const maxSafetyMargin = 2 * time.Minute

// install makes tok the entry's current token, served until its expiry less
// the safety margin and extra. A closed credential installs nothing.
func (c *credential) install(e *entry, tok Token, now time.Time, extra time.Duration) {
	if c.closed.Load() {
		return
	}
	next := c.cache.slab.next()
	next.token, next.usableUntil = tok, tok.ExpiresOn.Add(-safetyMargin(tok.ExpiresOn.Sub(now))-extra)
	if !c.manual {
		// The timers count from the token's arrival, not from now (when
		// its request was sent): armed from the sending, they would fire as
		// much too late as the request took.
		next.arm(c.now(), func() { c.cache.dropExpired(e, next, c.home) })
		c.cache.watchClock()
	}
	if old := c.cache.setToken(e, next); old != nil {
		old.disarm()
	}
	if c.cache.closed.Load() { // Close ran meanwhile: setToken installed nothing
		next.disarm()
		return
	}
	if !c.manual && next.state.Load() == stateExpired {
		// Expired on arrival: its timer may have fired before setToken, when
		// dropping it found another token in its place.
		c.cache.dropExpired(e, next, c.home)
	}
	e.refreshing.Store(false)
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
