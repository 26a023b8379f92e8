package graphauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Transport is an http.RoundTripper that authenticates requests with a bearer
// token from Credential. When a resource answers 401 with a claims challenge
// (continuous access evaluation: WWW-Authenticate with error
// "insufficient_claims" and claims), it gets a token satisfying the claims
// and sends the request once more, replaying the body through
// Request.GetBody; a request whose body cannot be replayed gets the 401.
// It does the same, with a fresh token (TokenRequest.Fresh), after a 401
// for a token whose ExpiresOn had passed by the wall clock: one a cache
// served after the machine was suspended, when timers stand still.
//
// The token goes only where it belongs: to a host on AllowedHosts, over
// https (plain http only to a loopback host), and only to the host the
// request was first made for. net/http's Client drops Authorization when it
// follows a redirect to another host; Transport would add it back, so it
// refuses such a redirect instead, even to a host on the list. Every refusal
// is an error wrapping ErrHostNotAllowed, returned before anything is sent:
// a request never goes out unauthenticated in its place. To follow Graph's
// redirects to pre-authenticated content (file downloads), have the
// client's CheckRedirect return http.ErrUseLastResponse and fetch the
// Location with a client without Transport.
type Transport struct {
	// Credential supplies tokens; required.
	Credential TokenCredential
	// Request says which token; the zero value is Graph's default scope.
	Request TokenRequest
	// AllowedHosts are the hosts the token may be sent to: host names or IP
	// addresses with an optional port ("graph.microsoft.com",
	// "127.0.0.1:8443"), or base URLs of which only the host and port count
	// (a Cloud's GraphEndpoint, graphauthtest.Server.URL). An entry without
	// a port allows the default port of the request's scheme. Host names
	// match regardless of ASCII case and of a trailing dot, never a
	// subdomain; write an internationalized name in its ASCII (xn--) form,
	// since a request for a non-ASCII host is refused. Nil means the Graph
	// host of the credential's cloud (CloudOf: Options.Cloud for the
	// credentials of this package), and graph.microsoft.com for a credential
	// that does not tell its cloud: set it to call
	// another cloud's Graph through another credential, another resource
	// (with Request.Scopes), or the fake platform of package graphauthtest.
	// An empty list that is not nil allows no host.
	AllowedHosts []string
	// Base sends the requests. Nil means http.DefaultTransport.
	Base http.RoundTripper
	// TracerProvider receives a client span per request sent, with the
	// method, host, status and Graph's request-id; never the path, the
	// query or the token. Nil means no spans.
	TracerProvider trace.TracerProvider
}

var _ http.RoundTripper = (*Transport)(nil)

// RoundTrip implements http.RoundTripper. A request the token must not go
// with is refused with an error wrapping ErrHostNotAllowed (a *ConfigError
// for a malformed AllowedHosts entry). Token errors come back as they are
// (*AuthError). The http.Client wraps either in a *url.Error.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Credential == nil {
		return nil, errors.New("graphauth: Transport has no Credential")
	}
	if err := t.checkHost(req); err != nil {
		return nil, err
	}
	resp, sent, err := t.send(req, t.Request)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	r, again := RetryAfter401(resp, sent, t.Request)
	if !again || req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	tok, err := t.Credential.Token(req.Context(), r)
	if err != nil && r.Fresh {
		// A credential that offers no fresh token (a UserCredential)
		// leaves the resource's 401 as the answer, not an error about
		// an option the caller never set.
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("graphauth: replaying the request body: %w", err)
		}
		retry.Body = body
	}
	return t.sendWith(retry, tok)
}

// RetryAfter401 says whether a request refused with resp, a 401, is worth
// one more try with another token, and with which: one that satisfies the
// resource's claims challenge (ClaimsChallenge), or, for a token sent
// (sent) whose ExpiresOn had passed by the wall clock, a fresh one. tr is
// the request the refused token was got with. Transport and the msgraph
// client retry so; a client of the application's own may too.
func RetryAfter401(resp *http.Response, sent Token, tr TokenRequest) (TokenRequest, bool) {
	if resp == nil || resp.StatusCode != http.StatusUnauthorized {
		return tr, false
	}
	if claims, ok := ClaimsChallenge(resp.Header); ok {
		tr.Claims = claims
		return tr, true
	}
	if expiredByTheWallClock(sent) {
		tr.Fresh = true
		return tr, true
	}
	return tr, false
}

// expiredByTheWallClock reports whether tok had expired by the wall clock
// when the resource refused it. A cache judges its tokens by timers, which
// follow the monotonic clock; on a machine that was suspended (a laptop, a
// frozen sandbox) that clock stood still, so the cache can serve a token
// whose end has passed. The wall clock is read only after a 401.
func expiredByTheWallClock(tok Token) bool {
	return !tok.ExpiresOn.IsZero() && !time.Now().Round(0).Before(tok.ExpiresOn.Round(0))
}

func (t *Transport) send(req *http.Request, tr TokenRequest) (*http.Response, Token, error) {
	tok, err := t.Credential.Token(req.Context(), tr)
	if err != nil {
		return nil, Token{}, err
	}
	resp, err := t.sendWith(req, tok)
	return resp, tok, err
}

// sendWith sends req once with tok.
func (t *Transport) sendWith(req *http.Request, tok Token) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := traceGraph(t.TracerProvider, out, base.RoundTrip)
	if resp != nil && resp.Request == nil {
		// The http.Client links a redirect to the request before it only
		// through Response.Request: keep the link that checkHost follows
		// even when Base does not set it.
		resp.Request = out
	}
	return resp, err
}

// ClaimsChallenge extracts the claims of a continuous access evaluation
// challenge from a 401's WWW-Authenticate headers: a Bearer challenge with
// error="insufficient_claims" and a claims parameter, base64-encoded JSON
// (decoded here) or plain JSON. ok is false when there is no such challenge,
// and for claims that are not a JSON object or exceed 8 KiB: a hostile or
// broken resource's would otherwise be relayed to the token endpoint.
func ClaimsChallenge(h http.Header) (claims string, ok bool) {
	for _, v := range h.Values("WWW-Authenticate") {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			continue
		}
		params := authParams(rest)
		c := params["claims"]
		if c == "" || !strings.EqualFold(params["error"], "insufficient_claims") {
			continue
		}
		if len(c) > 2*maxClaims {
			continue // base64 of more than maxClaims, or more than it as it is
		}
		if claimsObject(c) {
			return c, true
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(c); err == nil && claimsObject(string(b)) {
				return string(b), true
			}
		}
	}
	return "", false
}

// claimsObject reports whether c is claims worth sending to the token
// endpoint: a JSON object of at most maxClaims bytes.
func claimsObject(c string) bool {
	return len(c) <= maxClaims && strings.HasPrefix(strings.TrimSpace(c), "{") && json.Valid([]byte(c))
}

// authParams parses the comma-separated key=value and key="quoted value"
// list of an authentication challenge (RFC 9110 §11.2).
func authParams(s string) map[string]string {
	out := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ,")
		key, rest, found := strings.Cut(s, "=")
		if !found {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		rest = strings.TrimLeft(rest, " ")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			val, s = b.String(), rest[min(i+1, len(rest)):]
		} else {
			val, s, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		out[key] = val
	}
	return out
}
