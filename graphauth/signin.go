package graphauth

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/internal/jwtsign"
	"github.com/entrakit/entrakit/internal/pkce"
)

// Sentinel errors of the sign-in flow.
var (
	// ErrStateMismatch means the callback's state is not the one this
	// sign-in sent: a forged, replayed or crossed callback, or (through a
	// SignInHandler) one whose sign-in was started in another browser.
	// Nothing was redeemed.
	ErrStateMismatch = errors.New("graphauth: the callback's state does not match a sign-in this browser started " +
		"(a callback opened twice, in another browser, or forged): sign in again")
	// ErrLoginExpired means the sign-in was started too long ago.
	ErrLoginExpired = errors.New("graphauth: the sign-in took too long; start again")
	// ErrMissingCode means the callback carries neither a code nor an error.
	ErrMissingCode = errors.New("graphauth: the callback has no authorization code")
	// ErrIncompletePending means the Pending given to Complete has no
	// nonce, no PKCE verifier of the shape RFC 7636 §4.1 gives, or a scope
	// no AuthCodeURL writes (empty, spaced): it was not the one
	// AuthCodeURL returned, or was not kept whole. Nothing was sent; the
	// code is not spent.
	ErrIncompletePending = errors.New("graphauth: the pending sign-in has no nonce or no valid PKCE verifier; keep the whole Pending that AuthCodeURL returned")
	// ErrNoAccount means no tokens are held for the account: sign the user
	// in (again).
	ErrNoAccount = errors.New("graphauth: no signed-in account with that ID")
)

// loginLifetime bounds how long a started sign-in can be completed.
const loginLifetime = 10 * time.Minute

// ClientAuth is how a web app proves itself: a secret, or a certificate and
// its key. The zero value is a public client (a native or CLI app with a
// loopback redirect), which sends no credential. It prints without its
// secret or key.
type ClientAuth struct {
	Secret Secret
	Chain  []*x509.Certificate
	Key    crypto.Signer
}

// Format prints which kind of credential this is, never the credential.
func (a ClientAuth) Format(f fmt.State, _ rune) {
	switch {
	case a.Key != nil:
		fmt.Fprintf(f, "graphauth.ClientAuth{certificate, %d in chain, key REDACTED}", len(a.Chain))
	case a.Secret != "":
		fmt.Fprint(f, "graphauth.ClientAuth{secret REDACTED}")
	default:
		fmt.Fprint(f, "graphauth.ClientAuth{public client}")
	}
}

// SignInOptions configures a SignIn.
type SignInOptions struct {
	Options
	// RedirectURI is the registered redirect URI the platform sends the
	// user back to; required. It must be https, or http on a loopback
	// host.
	RedirectURI string
	// Store, when set, keeps signed-in users' tokens (through MSAL's cache,
	// one entry per user) where every replica finds them, so that a
	// restart or a load balancer does not sign users out. They include
	// refresh tokens: a Store that is not a ConfidentialStore (one not
	// wrapped in tokenstore.Encrypted) is logged as a warning. Nil keeps
	// them in this process.
	Store Store
	// Scopes are the delegated permissions asked for at sign-in: Graph's
	// by name ("User.Read"), another resource's in full
	// ("https://management.core.windows.net//user_impersonation"), and
	// OpenID Connect scopes, which are never prefixed nor sent twice.
	// openid, profile and offline_access are always asked. Scopes of
	// several resources are consented to at once; the sign-in redeems its
	// code for the first resource named (Graph's .default when only OpenID
	// Connect scopes are given, as for an offline_access-only sign-in) and
	// Token gets the others' tokens with the refresh token. Nil means
	// "User.Read".
	Scopes []string
}

// SignIn signs users in with the authorization-code flow and PKCE, and keeps
// their tokens (through MSAL's cache) for later calls without a prompt. It
// is safe for concurrent use.
type SignIn struct {
	tenant   string // GUID, domain, "organizations" or "common"
	clientID string
	redirect string
	scopes   []string
	opts     resolved
	keys     *keySet
	domainID *remote[string] // the tenant's ID, when tenant is a domain
	now      func() time.Time
	msal     *atomic.Pointer[msalClients] // holds nil once closed; a pointer, so that SignIn prints by value
	users    *msalStore                   // nil without a Store
	held     *accountSet                  // the accounts signed in, without a Store
}

// msalClients is the MSAL client a SignIn uses: confidential, or public for
// an app without a credential. Its cache holds the signed-in users' tokens.
type msalClients struct {
	conf *confidential.Client
	pub  *public.Client
}

// clients returns the MSAL client, or ErrClosed after Close.
func (s *SignIn) clients() (*msalClients, error) {
	if s.msal == nil { // a SignIn not made by NewSignIn
		return nil, ErrClosed
	}
	if m := s.msal.Load(); m != nil {
		return m, nil
	}
	return nil, ErrClosed
}

// Close forgets every signed-in user's tokens held in this process (those
// in SignInOptions.Store stay there, for other replicas); later calls
// return ErrClosed. Close is idempotent and always returns nil.
func (s *SignIn) Close() error {
	if s.msal != nil {
		s.msal.Store(nil)
	}
	if s.held != nil {
		s.held.clear()
	}
	if s.users != nil {
		s.users.mu.Lock()
		s.users.closed.Store(true)
		clear(s.users.local)
		s.users.mu.Unlock()
	}
	return nil
}

// NewSignIn returns a sign-in client for the app clientID. tenant is a tenant
// GUID or domain for a single-tenant app, or "organizations" (or "common")
// for a multi-tenant one; then Options.AllowedTenants says whose users may
// sign in ("*" for anyone). A domain (contoso.onmicrosoft.com) is resolved
// to its tenant ID from the tenant's OpenID configuration at the first
// sign-in, and ID tokens must carry that ID. It returns a *ConfigError for
// malformed IDs, a redirect URI that is not https (loopback excepted), a
// malformed scope (empty, or holding a space or a comma), or a bad
// credential.
func NewSignIn(tenant, clientID string, auth ClientAuth, opts *SignInOptions) (*SignIn, error) {
	var o SignInOptions
	if opts != nil {
		o = *opts
	}
	r, err := resolve(&o.Options)
	if err != nil {
		return nil, err
	}
	alias := strings.ToLower(tenant) == "organizations" || strings.ToLower(tenant) == "common"
	if err := ids.Tenant(tenant); err != nil && !alias {
		return nil, &ConfigError{Field: "TenantID", Reason: err.Error()}
	}
	if err := ids.Client(clientID); err != nil {
		return nil, &ConfigError{Field: "ClientID", Reason: err.Error()}
	}
	if strings.EqualFold(clientID, tenant) {
		return nil, &ConfigError{Field: "ClientID", Reason: sameAsTenant}
	}
	if err := checkRedirectURI(o.RedirectURI); err != nil {
		return nil, err
	}
	if err := checkScopes("Scopes", o.Scopes); err != nil {
		return nil, err
	}
	s := &SignIn{tenant: tenant, clientID: clientID, redirect: o.RedirectURI, scopes: o.Scopes, opts: r,
		msal: new(atomic.Pointer[msalClients]), held: &accountSet{}}
	s.now, _ = clockNow(r.clock)
	if s.scopes == nil {
		s.scopes = []string{"User.Read"}
	}
	keysTenant := tenant
	if alias {
		keysTenant = "common"
	}
	s.keys = newKeySet(r.authority+"/"+keysTenant+"/discovery/v2.0/keys", r.retrying, func() time.Time { return s.now() })
	if ids.IsDomain(tenant) {
		s.domainID = &remote[string]{now: func() time.Time { return s.now() }, fetch: func(ctx context.Context) (string, error) {
			return fetchTenantID(ctx, r.retrying, r.authority, tenant)
		}}
	}
	if err := s.newMSAL(auth, o.Store); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SignIn) newMSAL(auth ClientAuth, store Store) error {
	authority := s.opts.authority + "/" + s.tenant
	httpc := msalHTTP{c: s.opts.retrying, dis: &discovery{entra: s.opts.entra}, tracer: tracerFrom(s.opts.tracers)}
	var cacheOpt []confidential.Option
	var pubCache cache.ExportReplace // the public client's, kept whole (see onePartition)
	if store != nil {
		if !IsConfidential(store) {
			s.opts.log.LogAttrs(context.Background(), levelWarn, "graphauth: SignInOptions.Store is not a ConfidentialStore: "+
				"signed-in users' refresh tokens are kept there readable; wrap it with tokenstore.Encrypted", slog.String("client_id", s.clientID))
		}
		ms := newMSALStore(store, s.clientID, s.opts.budget, func(msg string, err error) {
			s.opts.log.LogAttrs(context.Background(), levelWarn, msg, slog.String("client_id", s.clientID), slog.String("error", firstLine(err.Error())))
		})
		cacheOpt, pubCache = []confidential.Option{confidential.WithCache(ms)}, ms
		s.users = ms
	}
	if s.opts.clock != nil { // MSAL judges cached user tokens by the wall clock: see clockedCache
		var inner cache.ExportReplace
		if s.users != nil {
			inner = s.users
		}
		cc := newClockedCache(inner, s.now)
		cacheOpt, pubCache = []confidential.Option{confidential.WithCache(cc)}, cc
	}
	switch {
	case auth.Secret != "" && auth.Key != nil:
		return &ConfigError{Field: "ClientAuth", Reason: "set a secret or a certificate, not both"}
	case auth.Secret != "":
		if err := checkSecret(string(auth.Secret)); err != nil {
			return err
		}
		cred, err := confidential.NewCredFromSecret(string(auth.Secret))
		if err != nil {
			return &ConfigError{Field: "ClientSecret", Reason: "MSAL refused the secret"}
		}
		return s.confidential(authority, cred, httpc, cacheOpt...)
	case auth.Key != nil:
		if len(auth.Chain) == 0 {
			return &ConfigError{Field: "ClientCertificate", Reason: "the certificate is missing"}
		}
		if _, _, err := orderChain(auth.Chain[:1], auth.Key); err != nil {
			return err
		}
		sign := func(_ context.Context, o confidential.AssertionRequestOptions) (string, error) {
			return jwtsign.Sign(jwtsign.Assertion{ClientID: o.ClientID, Audience: o.TokenEndpoint, Chain: auth.Chain, Signer: auth.Key,
				Alg: jwtsign.PS256, Now: s.now(), JTI: newJTI()})
		}
		return s.confidential(authority, confidential.NewCredFromAssertionCallback(sign), httpc, cacheOpt...)
	}
	popts := []public.Option{public.WithAuthority(authority), public.WithHTTPClient(httpc), public.WithInstanceDiscovery(s.opts.known)}
	if pubCache != nil {
		popts = append(popts, public.WithCache(onePartition{pubCache}))
	}
	p, err := public.New(s.clientID, popts...)
	if err != nil {
		return &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	s.msal.Store(&msalClients{pub: &p})
	return nil
}

func (s *SignIn) confidential(authority string, cred confidential.Credential, httpc msalHTTP, extra ...confidential.Option) error {
	c, err := confidential.New(authority, s.clientID, cred, append([]confidential.Option{confidential.WithHTTPClient(httpc),
		confidential.WithInstanceDiscovery(s.opts.known)}, extra...)...)
	if err != nil {
		return &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	s.msal.Store(&msalClients{conf: &c})
	return nil
}

// checkRedirectURI enforces https, except on loopback hosts.
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return &ConfigError{Field: "RedirectURI", Reason: "is required: use the URI registered under Authentication"}
	case err != nil || u.Host == "":
		return &ConfigError{Field: "RedirectURI", Reason: "is not an absolute URI"}
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && ids.IsLoopbackHost(u.Hostname()):
		return nil
	}
	return &ConfigError{Field: "RedirectURI", Reason: "must use https (http only for localhost, 127.0.0.1 or [::1])"}
}

// AuthRequest shapes one sign-in.
type AuthRequest struct {
	// Scopes asked for on top of SignInOptions.Scopes: incremental consent.
	Scopes []string
	// Prompt is "", "login", "consent", "select_account" or "none".
	Prompt string
	// LoginHint pre-fills the user name; DomainHint skips home realm
	// discovery (a tenant's domain).
	LoginHint, DomainHint string
	// ResponseMode is "" (query) or "form_post".
	ResponseMode string
}

// Pending is the state of one sign-in between AuthCodeURL and Complete. Keep
// it where the callback can find it and nobody else can read or change it:
// the Handler keeps it in an encrypted cookie. It prints without its
// verifier.
type Pending struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Scopes   []string  `json:"sc"`
	Created  time.Time `json:"t"`
}

// Format prints the pending sign-in with its PKCE verifier redacted, for
// every verb.
func (p Pending) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "graphauth.Pending{State: %q, Scopes: %q, Created: %s, Verifier: %s}", p.State, p.Scopes, p.Created.UTC().Format(time.RFC3339), redacted(p.Verifier))
}

// AuthCodeURL returns the URL to send the user to, with a new state, nonce
// and PKCE S256 challenge, and the Pending sign-in to keep for the callback.
// It sends nothing. A bad Prompt, ResponseMode or scope in req is a
// *ConfigError.
func (s *SignIn) AuthCodeURL(req AuthRequest) (string, Pending, error) {
	switch req.Prompt {
	case "", "login", "consent", "select_account", "none":
	default:
		return "", Pending{}, &ConfigError{Field: "Prompt", Reason: "must be login, consent, select_account or none"}
	}
	switch req.ResponseMode {
	case "", "query", "form_post":
	default:
		return "", Pending{}, &ConfigError{Field: "ResponseMode", Reason: "must be query or form_post"}
	}
	if err := checkScopes("AuthRequest.Scopes", req.Scopes); err != nil {
		return "", Pending{}, err
	}
	p := Pending{State: pkce.Random(24), Nonce: pkce.Random(24), Verifier: pkce.Verifier(), Created: s.now(),
		Scopes: s.allScopes(req.Scopes)}
	q := url.Values{
		"client_id":             {s.clientID},
		"response_type":         {"code"},
		"redirect_uri":          {s.redirect},
		"scope":                 {s.authorizeScope(p.Scopes)},
		"state":                 {p.State},
		"nonce":                 {p.Nonce},
		"code_challenge":        {pkce.Challenge(p.Verifier)},
		"code_challenge_method": {"S256"},
	}
	for k, v := range map[string]string{"prompt": req.Prompt, "login_hint": req.LoginHint, "domain_hint": req.DomainHint, "response_mode": req.ResponseMode} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return s.opts.authority + "/" + s.tenant + "/oauth2/v2.0/authorize?" + q.Encode(), p, nil
}

func (s *SignIn) allScopes(extra []string) []string {
	var out []string
	for _, sc := range append(append([]string(nil), s.scopes...), extra...) {
		if !containsScope(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

func containsScope(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}
