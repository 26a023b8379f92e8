package graphauth

import (
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/entrakit/entrakit/internal/ids"
)

// FallbackCredential gets app-only tokens with the first usable of an
// ordered list of client credentials, as Microsoft.Identity.Web's
// ClientCredentials list does. When the platform refuses the credential in
// use for a reason another credential can fix (see [IsCredentialRefusal]),
// the next one in the list is tried once for the same request (and, if it
// is refused too, the one after it, each credential at most once), and the
// one that served serves from then on. Refusals that no credential can fix, such as a wrong tenant
// or missing consent, come back at once.
//
// Credentials read from files (see [SecretFile], [CertificateFile]) are
// watched and reloaded without a restart. It is safe for concurrent use and
// caches tokens like ClientSecretCredential: all members share one cache,
// one request per key and one background refresh.
type FallbackCredential struct {
	c  *credential
	fb *fallbackSource
}

// FallbackOptions configures a FallbackCredential.
type FallbackOptions struct {
	// CertificateOptions apply to every certificate in the list.
	CertificateOptions
	// ReloadInterval is how often files are read again to see whether they
	// changed. Zero means 250 ms, so that a replaced file is in use for the
	// next token within a second.
	ReloadInterval time.Duration
}

// IsCredentialRefusal reports whether err is a refusal of the client
// credential itself (AADSTS7000215, 7000222, 700027, 700024, 7000214,
// 1000502, 7000274, 7000277 and the other codes of CredentialErrorCodes,
// as AuthError.CredentialRejected reads them), or a failure to produce one
// (an assertion source or a credential file that cannot be read): the
// refusals after which a FallbackCredential tries its next credential.
func IsCredentialRefusal(err error) bool {
	var aerr *AuthError
	if !errors.As(err, &aerr) {
		return false
	}
	if aerr.CredentialRejected() {
		return true
	}
	var cerr *ConfigError
	return aerr.StatusCode == 0 && errors.As(aerr.Err, &cerr)
}

// NewFallbackCredential returns a credential for the app clientID in
// tenantID that authenticates with creds, in order. A nil opts uses the
// defaults. It returns a *ConfigError for malformed IDs, an empty list, a
// zero ClientCredential or two with the same name. A credential that
// cannot be used now (an expired certificate) is left out, with a warning
// in the log, while another can serve; a file that cannot be read or
// parsed yet stays in the list, watched, and serves once fixed (a sidecar
// that writes it after the process starts). When none can serve, the first
// one's error comes back.
func NewFallbackCredential(tenantID, clientID string, creds []ClientCredential, opts *FallbackOptions) (*FallbackCredential, error) {
	var fo FallbackOptions
	if opts != nil {
		fo = *opts
	}
	if fo.ReloadInterval < 0 {
		return nil, &ConfigError{Field: "ReloadInterval", Reason: "must not be negative (zero means 250 ms)"}
	}
	if fo.ReloadInterval == 0 {
		fo.ReloadInterval = 250 * time.Millisecond
	}
	if len(creds) == 0 {
		return nil, &ConfigError{Field: "Credentials", Reason: "at least one client credential is required"}
	}
	r, err := resolve(&fo.Options)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(tenantID, clientID); err != nil {
		return nil, err
	}
	tel, err := newTelemetry("fallback", r.meters, r.tracers)
	if err != nil {
		return nil, err
	}
	fb := &fallbackSource{log: r.log, stop: make(chan struct{})}
	env := &memberEnv{tenantID: tenantID, clientID: clientID, opts: r, cert: fo.CertificateOptions, tel: tel,
		dis: &discovery{entra: r.entra}, now: time.Now}
	if err := fb.build(creds, env); err != nil {
		fb.close()
		return nil, err
	}
	c := newEngine("fallback", tenantID, clientID, fb, r)
	c.tel = tel
	env.now = func() time.Time { return c.now() }
	fb.startWatching(fo.ReloadInterval)
	return &FallbackCredential{c: c, fb: fb}, nil
}

// build makes the members of the list. An entry that cannot be used now
// (an expired certificate) is left out while another one can serve, and a
// file that cannot (not there yet, or holding an expired certificate) is
// watched until it can: the first usable credential is used.
func (s *fallbackSource) build(creds []ClientCredential, env *memberEnv) error {
	seen := map[string]bool{}
	for i, cc := range creds {
		if err := cc.check(i, seen); err != nil {
			return err
		}
	}
	var firstErr error
	first := -1 // the first usable member
	for _, cc := range creds {
		m, err := cc.member(env)
		switch {
		case err != nil && m.file != nil:
			// A file is kept and watched: it serves once fixed.
			firstErr = cmp.Or(firstErr, err)
			s.log.LogAttrs(context.Background(), slog.LevelWarn, "graphauth: credential file not usable yet; watching it",
				slog.String("credential", cc.name), slog.String("error", err.Error()))
		case err != nil:
			firstErr = cmp.Or(firstErr, err)
			s.log.LogAttrs(context.Background(), slog.LevelWarn, "graphauth: credential not usable; left out",
				slog.String("credential", cc.name), slog.String("error", err.Error()))
			continue
		case first < 0:
			first = len(s.members)
		}
		s.members = append(s.members, m)
	}
	if first < 0 {
		return firstErr
	}
	s.active.Store(int32(first))
	return nil
}

func checkIDs(tenantID, clientID string) error {
	if err := ids.Tenant(tenantID); err != nil {
		return &ConfigError{Field: "TenantID", Reason: err.Error()}
	}
	if err := ids.Client(clientID); err != nil {
		return &ConfigError{Field: "ClientID", Reason: err.Error()}
	}
	return nil
}

// Token returns an access token for req. Errors are as for
// [ClientSecretCredential.Token]; when the last credential tried was refused
// too, its refusal comes back.
func (c *FallbackCredential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	return c.c.Token(ctx, req)
}

// Active names the credential that requests are sent with: the first of the
// list until the platform refused it, then the one that served instead.
func (c *FallbackCredential) Active() string { return c.fb.members[c.fb.active.Load()].name }

// CredentialStatus describes one credential of a FallbackCredential.
type CredentialStatus struct {
	Name    string    // as given to the constructor, e.g. SecretFile's name
	Kind    string    // "secret", "certificate", "assertion", "managed identity", "secret file", "certificate file", "rotated secret" or "rotated certificate"
	Active  bool      // requests are sent with it
	Expires time.Time // the certificate's NotAfter; zero when not known (secrets do not say)
	// Thumbprint is a certificate's SHA-1 thumbprint in upper-case hex, as
	// the portal shows it; empty for other kinds.
	Thumbprint string
	// Hint is the first three characters of a secret: the "hint" Graph
	// lists for each password credential, which tells which registered
	// secret this is. Empty for other kinds.
	Hint string
}

// Status describes each credential, in the order given, with the one in use
// marked Active.
func (c *FallbackCredential) Status() []CredentialStatus {
	active := int(c.fb.active.Load())
	out := make([]CredentialStatus, len(c.fb.members))
	for i, m := range c.fb.members {
		in := m.info()
		out[i] = CredentialStatus{Name: m.name, Kind: m.kind, Active: i == active, Expires: in.expires, Thumbprint: in.thumbprint, Hint: in.hint}
	}
	return out
}

// String names the app, the tenant and the credential in use; never a
// credential's value.
func (c *FallbackCredential) String() string {
	if c == nil || c.c == nil {
		return "graphauth.FallbackCredential{}"
	}
	return fmt.Sprintf("graphauth.FallbackCredential{TenantID: %q, ClientID: %q, Active: %q}", c.c.tenantID, c.c.clientID, c.Active())
}

// Format prints String for every verb, so no verb can reach a secret.
func (c *FallbackCredential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Close stops watching files and the background refresh, cancels requests
// under way and forgets cached tokens, as [ClientSecretCredential.Close]
// does. It is idempotent and always returns nil.
func (c *FallbackCredential) Close() error {
	c.fb.close()
	return c.c.Close()
}

// member is one credential of the list, as the fallback source sees it.
type member struct {
	name   string
	kind   string
	src    tokenSource
	file   *fileSource // nil unless read from a file
	info   func() credentialInfo
	closer func() // releases what the member holds; nil for nothing
}

// credentialInfo is what a member tells of its credential, none of it
// secret.
type credentialInfo struct {
	expires    time.Time
	thumbprint string
	hint       string
}

func certificateInfo(leaf *x509.Certificate) credentialInfo {
	sum := sha1.Sum(leaf.Raw)
	return credentialInfo{expires: leaf.NotAfter, thumbprint: strings.ToUpper(hex.EncodeToString(sum[:]))}
}

func secretInfo(s Secret) credentialInfo {
	if len(s) < 3 {
		return credentialInfo{}
	}
	return credentialInfo{hint: string(s[:3])}
}

// fallbackSource is the token source of a FallbackCredential: it sends
// each request with the active member and, on a credential refusal, with
// the next one once.
type fallbackSource struct {
	members []member
	active  atomic.Int32
	log     *slog.Logger
	stop    chan struct{}
	stopped atomic.Bool
}

func (s *fallbackSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	got, i, err := s.tryInOrder(ctx, q)
	if err == nil {
		got.via = s.members[i].name
	}
	return got, err
}

// tryInOrder asks the credential in use, then, after a refusal that another
// credential can fix, each of the others once, in order; it returns the
// member that answered.
func (s *fallbackSource) tryInOrder(ctx context.Context, q tokenQuery) (issued, int, error) {
	i := int(s.active.Load())
	got, err := s.members[i].src.token(ctx, q)
	if err == nil || !IsCredentialRefusal(err) {
		return got, i, err
	}
	// A file that changed since the last look may hold the fix: read it
	// now rather than at the next tick, and send the request again with it.
	if f := s.members[i].file; f != nil && f.checkNow(ctx) {
		if got, err = s.members[i].src.token(ctx, q); err == nil || !IsCredentialRefusal(err) {
			return got, i, err
		}
	}
	// Each other credential is tried once, in order from the one in use:
	// with two credentials refused (a secret and a certificate that both
	// expired), the third still serves, and this request does not fail.
	cur, refused, at := i, err, i
	for step := 1; step < len(s.members); step++ {
		next := (i + step) % len(s.members)
		s.log.LogAttrs(ctx, slog.LevelWarn, "graphauth: credential refused; trying the next one",
			slog.String("refused", s.members[cur].name), slog.String("next", s.members[next].name), slog.String("error", err.Error()))
		got, err = s.members[next].src.token(ctx, q)
		cur = next
		if err == nil {
			if s.active.CompareAndSwap(int32(i), int32(next)) {
				s.log.LogAttrs(ctx, slog.LevelWarn, "graphauth: credential in use changed",
					slog.String("from", s.members[i].name), slog.String("to", s.members[next].name))
			}
			return got, next, nil
		}
		if !IsCredentialRefusal(err) {
			return got, next, err
		}
		if fromPlatform(err) || !fromPlatform(refused) {
			refused, at = err, next
		}
	}
	// Every credential was refused: the platform's last refusal says more
	// than a file that is not there yet.
	return got, at, refused
}

// fromPlatform reports whether err is a refusal the platform sent, not a
// credential that could not be produced here.
func fromPlatform(err error) bool {
	var aerr *AuthError
	return errors.As(err, &aerr) && aerr.StatusCode != 0
}

// reloaded is told that member i now holds a new credential: if it comes
// before the one in use, it is preferred again.
func (s *fallbackSource) reloaded(i int) {
	for {
		cur := s.active.Load()
		if int(cur) <= i || s.active.CompareAndSwap(cur, int32(i)) {
			return
		}
	}
}

// memberEnv is what building a member needs.
type memberEnv struct {
	tenantID, clientID string
	opts               resolved
	cert               CertificateOptions
	tel                *telemetry
	dis                *discovery
	now                func() time.Time // the engine's clock, once it exists
}

// confidentialSource returns an MSAL source that authenticates with cred,
// set up as newCredential sets up its own.
func (env *memberEnv) confidentialSource(cred confidential.Credential) (*msalSource, error) {
	opts := []confidential.Option{
		confidential.WithHTTPClient(msalHTTP{c: env.opts.retrying, dis: env.dis, tracer: env.tel.tracerOf()}),
		confidential.WithCache(noCache{}),
		confidential.WithInstanceDiscovery(env.opts.known),
	}
	src, err := newMSALSource(env.tenantID, func() (confidential.Client, error) {
		return confidential.New(env.opts.authority+"/"+env.tenantID, env.clientID, cred, opts...)
	})
	if err != nil {
		return nil, &ConfigError{Field: "AuthorityHost", Reason: "MSAL refused the authority", Err: errors.New(firstLine(err.Error()))}
	}
	return src, nil
}

// Cloud is the cloud whose Graph the credential's tokens are for (Options.Cloud,
// or the one its AuthorityHost names); see CloudOf.
func (c *FallbackCredential) Cloud() Cloud { return c.c.opts.cloud }
