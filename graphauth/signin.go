package graphauth

import (
	"context"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	ErrStateMismatch = errors.New("graphauth: the callback's state does not match this sign-in")
	// ErrLoginExpired means the sign-in was started too long ago.
	ErrLoginExpired = errors.New("graphauth: the sign-in took too long; start again")
	// ErrMissingCode means the callback carries neither a code nor an error.
	ErrMissingCode = errors.New("graphauth: the callback has no authorization code")
	// ErrIncompletePending means the Pending given to Complete has no
	// nonce, or no PKCE verifier of the shape RFC 7636 §4.1 gives: it was
	// not the one AuthCodeURL returned, or was not kept whole. Nothing was
	// sent; the code is not spent.
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
	// restart or a load balancer does not sign users out. Nil keeps them in
	// this process.
	Store Store
	// Scopes are the delegated permissions asked for at sign-in, such as
	// "User.Read" (Graph's) or full URLs of another resource. openid,
	// profile and offline_access are always added. Nil means "User.Read".
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
	conf     *confidential.Client
	pub      *public.Client
	users    *msalStore // nil without a Store
}

// NewSignIn returns a sign-in client for the app clientID. tenant is a tenant
// GUID or domain for a single-tenant app, or "organizations" (or "common")
// for a multi-tenant one; then Options.AllowedTenants says whose users may
// sign in ("*" for anyone). A domain (contoso.onmicrosoft.com) is resolved
// to its tenant ID from the tenant's OpenID configuration at the first
// sign-in, and ID tokens must carry that ID. It returns a *ConfigError for
// malformed IDs, a redirect URI that is not https (loopback excepted), or a
// bad credential.
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
	if err := checkRedirectURI(o.RedirectURI); err != nil {
		return nil, err
	}
	s := &SignIn{tenant: tenant, clientID: clientID, redirect: o.RedirectURI, scopes: o.Scopes, opts: r, now: time.Now}
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
	httpc := msalHTTP{c: s.opts.retrying, dis: &discovery{}}
	var cacheOpt []confidential.Option
	var pubCacheOpt []public.Option
	if store != nil {
		ms := newMSALStore(store, s.clientID, func(msg string, err error) {
			s.opts.log.LogAttrs(context.Background(), levelWarn, msg, slog.String("client_id", s.clientID), slog.String("error", firstLine(err.Error())))
		})
		cacheOpt, pubCacheOpt = []confidential.Option{confidential.WithCache(ms)}, []public.Option{public.WithCache(ms)}
		s.users = ms
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
	p, err := public.New(s.clientID, append([]public.Option{public.WithAuthority(authority), public.WithHTTPClient(httpc),
		public.WithInstanceDiscovery(s.opts.known)}, pubCacheOpt...)...)
	if err != nil {
		return &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	s.pub = &p
	return nil
}

func (s *SignIn) confidential(authority string, cred confidential.Credential, httpc msalHTTP, extra ...confidential.Option) error {
	c, err := confidential.New(authority, s.clientID, cred, append([]confidential.Option{confidential.WithHTTPClient(httpc),
		confidential.WithInstanceDiscovery(s.opts.known)}, extra...)...)
	if err != nil {
		return &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	s.conf = &c
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
// It sends nothing.
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
	p := Pending{State: pkce.Random(24), Nonce: pkce.Random(24), Verifier: pkce.Verifier(), Created: s.now(),
		Scopes: s.allScopes(req.Scopes)}
	q := url.Values{
		"client_id":             {s.clientID},
		"response_type":         {"code"},
		"redirect_uri":          {s.redirect},
		"scope":                 {strings.Join(append([]string{"openid", "profile", "offline_access"}, p.Scopes...), " ")},
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

// graphScopes turns short Graph scope names into the full form MSAL and the
// platform expect for the code redemption.
func (s *SignIn) graphScopes(scopes []string) []string {
	out := make([]string, len(scopes))
	for i, sc := range scopes {
		if strings.Contains(sc, "/") || strings.Contains(sc, "://") {
			out[i] = sc
		} else {
			out[i] = s.opts.cloud.GraphEndpoint + "/" + sc
		}
	}
	return out
}

// User is a signed-in user and the token obtained at sign-in.
type User struct {
	AccountID string // keys the user's tokens in this SignIn: pass it to Token and SignOut
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
// time). Errors: ErrStateMismatch, ErrIncompletePending, ErrLoginExpired,
// ErrMissingCode, *AuthError (also when the ID of a tenant given by domain
// cannot be read; the code is not sent then), *IDTokenError. On any error
// no account is kept.
func (s *SignIn) Complete(ctx context.Context, p Pending, callback url.Values) (*User, error) {
	if p.State == "" || subtle.ConstantTimeCompare([]byte(callback.Get("state")), []byte(p.State)) != 1 {
		return nil, ErrStateMismatch
	}
	if p.Nonce == "" || !pkce.ValidVerifier(p.Verifier) {
		return nil, ErrIncompletePending
	}
	if s.now().Sub(p.Created) > loginLifetime {
		return nil, ErrLoginExpired
	}
	if e := callback.Get("error"); e != "" {
		return nil, callbackError(e, callback.Get("error_description"))
	}
	code := callback.Get("code")
	if code == "" {
		return nil, ErrMissingCode
	}
	allowed, err := s.tenantCheck(ctx)
	if err != nil {
		return nil, err
	}
	cp := &capture{}
	cctx := context.WithValue(ctx, captureKey{}, cp)
	scopes := s.graphScopes(p.Scopes)
	var res confidential.AuthResult
	if s.conf != nil {
		res, err = s.conf.AcquireTokenByAuthCode(cctx, code, s.redirect, scopes, confidential.WithChallenge(p.Verifier))
	} else {
		var pr public.AuthResult
		pr, err = s.pub.AcquireTokenByAuthCode(cctx, code, s.redirect, scopes, public.WithChallenge(p.Verifier))
		res = confidential.AuthResult(pr)
	}
	if err != nil {
		return nil, classify(err, cp)
	}
	u, err := s.userFrom(ctx, res, cp, p.Nonce, allowed)
	if err != nil {
		_ = s.remove(ctx, res.Account.HomeAccountID)
		return nil, err
	}
	return u, nil
}

// userFrom checks the token response MSAL accepted and its ID token, and
// returns the signed-in user.
func (s *SignIn) userFrom(ctx context.Context, res confidential.AuthResult, cp *capture, nonce string, allowed func(tid string) bool) (*User, error) {
	if err := checkTokenResponse(cp); err != nil {
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
		Token: Token{AccessToken: res.AccessToken, ExpiresOn: res.ExpiresOn, TenantID: str("tid"), Scopes: res.GrantedScopes},
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

// ParseCallbackError builds an *AuthError from the error and
// error_description of a redirect back from the platform (sign-in or admin
// consent), reading the AADSTS code, trace and correlation IDs from the
// description, where the platform puts them. The fields keep to the
// characters RFC 6749 §4.1.2.1 allows (printable ASCII but '"' and '\'; a
// line break ends the description) and to a bounded length, whatever the
// redirect held: they are safe in a log line or a page.
func ParseCallbackError(code, description string) *AuthError { return callbackError(code, description) }

// Bounds on the text kept from an error redirect, in bytes.
const (
	maxCallbackCode        = 64  // OAuth error codes are a few words
	maxCallbackDescription = 500 // the first line of error_description
	maxCallbackID          = 64  // trace and correlation IDs: GUIDs
	maxCallbackScan        = 4096
)

// callbackError builds an *AuthError from an error redirect. The AADSTS
// code and trace ID are read from the description, where the platform puts
// them, one per line after the first.
func callbackError(code, description string) *AuthError {
	e := &AuthError{Code: oauthText(code, maxCallbackCode)}
	if len(description) > maxCallbackScan {
		description = description[:maxCallbackScan]
	}
	lines := strings.FieldsFunc(description, func(r rune) bool { return r == '\r' || r == '\n' })
	if len(lines) == 0 {
		return e
	}
	e.Description = oauthText(strings.TrimSpace(lines[0]), maxCallbackDescription)
	if rest, ok := strings.CutPrefix(e.Description, "AADSTS"); ok {
		num, _, _ := strings.Cut(rest, ":")
		if n, err := strconv.Atoi(num); err == nil {
			e.AADSTS = []int{n}
		}
	}
	for _, l := range lines[1:] {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Trace ID: "); ok {
			e.TraceID = oauthText(v, maxCallbackID)
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Correlation ID: "); ok {
			e.CorrelationID = oauthText(v, maxCallbackID)
		}
	}
	return e
}

// oauthText keeps s to the characters RFC 6749 §4.1.2.1 allows in error
// and error_description (%x20-21 / %x23-5B / %x5D-7E) and to max bytes: a
// '"' becomes '\”, a '\' becomes '/', any other character (a control
// character, a byte that is not UTF-8, a letter beyond ASCII) becomes '?',
// and a longer text is cut to end in "...".
func oauthText(s string, max int) string {
	b := make([]byte, 0, min(len(s), max+1))
	for _, r := range s {
		if len(b) > max {
			break
		}
		switch {
		case r == '"':
			b = append(b, '\'')
		case r == '\\':
			b = append(b, '/')
		case r >= 0x20 && r <= 0x7e:
			b = append(b, byte(r))
		default:
			b = append(b, '?')
		}
	}
	if len(b) > max {
		b = append(b[:max-3], "..."...)
	}
	return string(b)
}

// Token returns an access token for the signed-in account, from the cache or
// by redeeming its refresh token, without a prompt. Scopes beyond those
// consented need a new sign-in with AuthRequest.Scopes (incremental
// consent). Errors: ErrNoAccount, *AuthError (interaction_required,
// invalid_grant: sign the user in again; or wrapping ErrUnexpectedResponse
// for an answer the platform does not send, such as an expires_in of zero
// or of years, after which the account's tokens are forgotten).
func (s *SignIn) Token(ctx context.Context, accountID string, scopes []string) (Token, error) {
	if len(scopes) == 0 {
		scopes = s.scopes
	}
	cp := &capture{}
	cctx := context.WithValue(ctx, captureKey{}, cp)
	var res confidential.AuthResult
	var err error
	if s.conf != nil {
		acct, aerr := s.conf.Account(ctx, accountID)
		if aerr != nil || acct.HomeAccountID == "" {
			return Token{}, ErrNoAccount
		}
		res, err = s.conf.AcquireTokenSilent(cctx, s.graphScopes(scopes), confidential.WithSilentAccount(acct))
	} else {
		acct, ok := s.publicAccount(ctx, accountID)
		if !ok {
			return Token{}, ErrNoAccount
		}
		var pr public.AuthResult
		pr, err = s.pub.AcquireTokenSilent(cctx, s.graphScopes(scopes), public.WithSilentAccount(acct))
		res = confidential.AuthResult(pr)
	}
	if err != nil {
		if status, _, _ := cp.get(); status == 0 {
			return Token{}, fmt.Errorf("%w: %s", ErrNoAccount, firstLine(err.Error()))
		}
		return Token{}, classify(err, cp)
	}
	if err := checkTokenResponse(cp); err != nil {
		_ = s.remove(ctx, accountID) // MSAL cached what it accepted
		return Token{}, err
	}
	return Token{AccessToken: res.AccessToken, ExpiresOn: res.ExpiresOn, TenantID: res.Account.Realm, Scopes: res.GrantedScopes}, nil
}

// maxTokenLifetime bounds the expires_in accepted from the platform. Its
// access tokens live about an hour, a day at most by policy, 28 hours with
// continuous access evaluation.
const maxTokenLifetime = 48 * time.Hour

// checkTokenResponse refuses a token response that MSAL accepted but the
// platform does not send: one that does not read as a token response, or
// whose expires_in is missing, zero, negative or longer than
// maxTokenLifetime. It returns nil when the call sent no request (MSAL
// answered from its cache, where only checked responses are), and
// otherwise an *AuthError wrapping ErrUnexpectedResponse.
func checkTokenResponse(cp *capture) error {
	status, header, body := cp.get()
	if status == 0 {
		return nil
	}
	tr, ok := cp.tokenResponse()
	switch {
	case !ok:
		return &AuthError{StatusCode: status, Err: fmt.Errorf("%w: HTTP %d, %s, %d bytes that are not a token response",
			ErrUnexpectedResponse, status, contentType(header), len(body))}
	case tr.ExpiresIn <= 0 || time.Duration(tr.ExpiresIn) > maxTokenLifetime/time.Second:
		return &AuthError{StatusCode: status, Err: fmt.Errorf("%w: expires_in %d is not a token lifetime (1 s to %s)",
			ErrUnexpectedResponse, tr.ExpiresIn, maxTokenLifetime)}
	}
	return nil
}

func (s *SignIn) publicAccount(ctx context.Context, accountID string) (public.Account, bool) {
	accts, err := s.pub.Accounts(ctx)
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
	if s.users != nil {
		if err := s.users.forget(ctx, accountID); err != nil {
			return fmt.Errorf("graphauth: signing out: the token store failed: %w", err)
		}
	}
	if s.conf != nil {
		acct, err := s.conf.Account(ctx, accountID)
		if err != nil || acct.HomeAccountID == "" {
			return nil
		}
		return s.conf.RemoveAccount(ctx, acct)
	}
	if acct, ok := s.publicAccount(ctx, accountID); ok {
		return s.pub.RemoveAccount(ctx, acct)
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
