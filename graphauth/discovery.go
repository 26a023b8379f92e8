package graphauth

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/entrakit/entrakit/internal/ids"
)

// discovery answers MSAL's tenant discovery (the OpenID configuration of
// each tenant) from the first document fetched for the authority host, with
// the tenant swapped in. MSAL fetches that document once per tenant; a
// multi-tenant app that serves a thousand customers would otherwise make a
// thousand discovery requests before its first thousand tokens. The
// document's endpoints differ between tenants only by the tenant segment.
//
// For an authority host with Entra's shape (a Microsoft cloud's, or the fake
// platform's on loopback), even the first document is not fetched: its
// endpoints follow from the host and the tenant, so it is written here, and
// a first token takes one request instead of two.
type discovery struct {
	entra     bool // the authority host has Entra's shape: write the document
	mu        sync.Mutex
	templates map[string][]byte        // host -> document with the tenant as "{tenant}"
	pending   map[string]chan struct{} // host -> closed when its first fetch has ended
}

// entraTemplate is a tenant's OpenID configuration on an Entra-shaped host,
// with the endpoints MSAL reads (token, authorization, issuer) and those a
// reader of the document expects beside them.
func entraTemplate(host string) []byte {
	base := "https://" + host + "/{tenant}"
	doc, _ := json.Marshal(map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"jwks_uri":                              "https://" + host + "/{tenant}/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
	})
	return doc
}

const discoveryPath = "/v2.0/.well-known/openid-configuration"

// tenantOf returns the tenant segment of a tenant discovery request.
func tenantOf(req *http.Request) (string, bool) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, discoveryPath) {
		return "", false
	}
	tenant := strings.Trim(strings.TrimSuffix(req.URL.Path, discoveryPath), "/")
	if tenant == "" || strings.Contains(tenant, "/") {
		return "", false
	}
	return tenant, true
}

func (d *discovery) answer(req *http.Request) (*http.Response, bool) {
	tenant, ok := tenantOf(req)
	if !ok || !(ids.IsGUID(tenant) || ids.IsDomain(tenant)) {
		return nil, false
	}
	tmpl := d.template(req)
	if tmpl == nil {
		return nil, false
	}
	body := bytes.ReplaceAll(tmpl, []byte("{tenant}"), []byte(tenant))
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, true
}

// template returns the host's template. While the host's first document
// is being fetched, other tenants' requests wait for it (or for their
// context) instead of all fetching their own at once; the first one to
// find neither a template nor a fetch under way goes to the network.
func (d *discovery) template(req *http.Request) []byte {
	host := req.URL.Host
	d.mu.Lock()
	if t := d.templates[host]; t != nil {
		d.mu.Unlock()
		return t
	}
	if d.entra {
		if d.templates == nil {
			d.templates = map[string][]byte{}
		}
		t := entraTemplate(host)
		d.templates[host] = t
		d.mu.Unlock()
		return t
	}
	wait, fetching := d.pending[host]
	if !fetching {
		if d.pending == nil {
			d.pending = map[string]chan struct{}{}
		}
		d.pending[host] = make(chan struct{})
	}
	d.mu.Unlock()
	if !fetching {
		return nil // this request fetches; learn ends the wait
	}
	select {
	case <-wait:
	case <-req.Context().Done():
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.templates[host]
}

// learn keeps the first good document for a GUID tenant as the host's
// template, and ends the wait of the requests behind the first fetch.
func (d *discovery) learn(req *http.Request, status int, body []byte) {
	tenant, ok := tenantOf(req)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	host := req.URL.Host
	if status == http.StatusOK && ids.IsGUID(tenant) && bytes.Contains(body, []byte("/"+tenant+"/")) {
		if d.templates == nil {
			d.templates = map[string][]byte{}
		}
		if _, ok := d.templates[host]; !ok {
			d.templates[host] = bytes.ReplaceAll(body, []byte("/"+tenant+"/"), []byte("/{tenant}/"))
		}
	}
	if ch, ok := d.pending[host]; ok {
		close(ch) // the waiters use the template, or fetch their own if there is none
		delete(d.pending, host)
	}
}

// The platform's metadata that sign-in needs: its signing keys (JWKS) and,
// for a tenant configured by domain name, the tenant's ID.
const (
	// metadataRefetchInterval is the least time between a good fetch and
	// the next: tokens naming unknown keys refetch the keys at most this
	// often, never once per token.
	metadataRefetchInterval = time.Minute
	// metadataFailureTTL is how long a failed fetch is remembered: callers
	// get its error without another request until then.
	metadataFailureTTL = 30 * time.Second
	// metadataTimeout bounds one fetch. A fetch serves every caller that
	// waits for it, so no one caller's context bounds it.
	metadataTimeout = 30 * time.Second
)

// remote is a value fetched from the platform and shared by its callers.
// One fetch runs at a time, in a goroutine of its own and outside any lock;
// callers wait for it, or for their own context. The value is fetched again
// only when a caller finds it wanting (a token naming an unknown key), at
// most once per metadataRefetchInterval; a failure is remembered for
// metadataFailureTTL, and the last good value keeps serving meanwhile.
type remote[T any] struct {
	fetch  func(ctx context.Context) (T, error)
	now    func() time.Time
	flight singleflight.Group

	mu   sync.Mutex
	val  T
	last time.Time // when the last fetch ended; zero before the first
	err  error     // the last fetch's failure; nil after a success
}

// get returns the value when good(value); otherwise it fetches the value
// again if a fetch is due and returns the value it has then, with the last
// fetch's error if that failed.
func (r *remote[T]) get(ctx context.Context, good func(T) bool) (T, error) {
	r.mu.Lock()
	val, err, due := r.val, r.err, r.due()
	r.mu.Unlock()
	switch {
	case good(val):
		return val, nil
	case !due:
		return val, err
	}
	detached := context.WithoutCancel(ctx)
	ch := r.flight.DoChan("", func() (any, error) { r.refresh(detached); return nil, nil })
	select {
	case <-ch:
	case <-ctx.Done():
		return val, fmt.Errorf("graphauth: waiting for the identity platform's metadata: %w", ctx.Err())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.val, r.err
}

// due reports whether a fetch may start now. r.mu is held.
func (r *remote[T]) due() bool {
	switch {
	case r.last.IsZero():
		return true
	case r.err != nil:
		return r.now().Sub(r.last) >= metadataFailureTTL
	}
	return r.now().Sub(r.last) >= metadataRefetchInterval
}

// refresh fetches the value, unless a fetch that ended since the caller
// looked made it not due.
func (r *remote[T]) refresh(ctx context.Context) {
	r.mu.Lock()
	due := r.due()
	r.mu.Unlock()
	if !due {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	val, err := r.fetch(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last, r.err = r.now(), err
	if err == nil {
		r.val = val
	}
}

// keySet holds the platform's signing keys, by key ID, fetched from its
// JWKS as a remote value: a token naming a key not held refetches them (at
// most once per metadataRefetchInterval), which is how a key rotation is
// picked up. A set, once fetched, is never changed, only replaced.
type keySet struct {
	keys remote[map[string]*rsa.PublicKey]
}

func newKeySet(url string, c *http.Client, now func() time.Time) *keySet {
	k := &keySet{}
	k.keys.now = now
	k.keys.fetch = func(ctx context.Context) (map[string]*rsa.PublicKey, error) { return fetchJWKS(ctx, c, url) }
	return k
}

// key returns the key named kid. Errors: an *AuthError when the keys could
// not be fetched, or an error naming the unknown key.
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	keys, err := k.keys.get(ctx, func(m map[string]*rsa.PublicKey) bool { return m[kid] != nil })
	if key := keys[kid]; key != nil {
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	if len(kid) > 64 {
		kid = kid[:64] + "..."
	}
	return nil, fmt.Errorf("graphauth: no signing key %q", kid)
}

func fetchJWKS(ctx context.Context, c *http.Client, url string) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, N, E string
		} `json:"keys"`
	}
	if err := getJSON(ctx, c, url, "the signing keys", &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if k.Kty != "RSA" || err1 != nil || err2 != nil || len(e) > 4 || len(n) == 0 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

// getJSON fetches url and decodes its JSON body into v. Every failure is an
// *AuthError: the platform's error for a refusal, ErrUnexpectedResponse for
// a body that is not JSON or is too large.
func getJSON(ctx context.Context, c *http.Client, url, what string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &AuthError{Err: fmt.Errorf("graphauth: fetching %s: %w", what, err)}
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctxErr := contextError(err); ctxErr != nil {
			return &AuthError{Err: ctxErr}
		}
		return &AuthError{Err: fmt.Errorf("graphauth: fetching %s: %w", what, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	switch {
	case err != nil:
		return &AuthError{StatusCode: resp.StatusCode, Err: fmt.Errorf("graphauth: reading %s: %w", what, err)}
	case len(body) > maxResponseBytes:
		return &AuthError{StatusCode: resp.StatusCode, Err: fmt.Errorf("%w: %s: larger than %d bytes", ErrUnexpectedResponse, what, maxResponseBytes)}
	case resp.StatusCode != http.StatusOK:
		return authErrorFromBody(resp.StatusCode, resp.Header, body)
	case json.Unmarshal(body, v) != nil:
		return &AuthError{StatusCode: resp.StatusCode, Err: fmt.Errorf("%w: %s: %s, %d bytes that are not JSON",
			ErrUnexpectedResponse, what, contentType(resp.Header), len(body))}
	}
	return nil
}

// fetchTenantID reads the ID of a tenant named by domain from its OpenID
// configuration: the issuer is https://{host}/{tenant ID}/v2.0, the token
// endpoint https://{host}/{tenant ID}/oauth2/v2.0/token. Errors are
// *AuthError.
func fetchTenantID(ctx context.Context, c *http.Client, authority, domain string) (string, error) {
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := getJSON(ctx, c, authority+"/"+domain+discoveryPath, "the tenant's OpenID configuration", &doc); err != nil {
		return "", err
	}
	prefix := strings.ToLower(authority) + "/"
	for _, u := range []string{doc.Issuer, doc.TokenEndpoint} {
		if rest, ok := strings.CutPrefix(strings.ToLower(u), prefix); ok {
			if id, _, _ := strings.Cut(rest, "/"); ids.IsGUID(id) {
				return id, nil
			}
		}
	}
	return "", &AuthError{StatusCode: http.StatusOK, Err: fmt.Errorf("%w: the OpenID configuration of %s names no tenant ID",
		ErrUnexpectedResponse, domain)}
}
