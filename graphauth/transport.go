package graphauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
	"io"
	"net/http"
	"strings"
)

// Transport is an http.RoundTripper that authenticates requests with a bearer
// token from Credential. When a resource answers 401 with a claims challenge
// (continuous access evaluation: WWW-Authenticate with error
// "insufficient_claims" and claims), it gets a token satisfying the claims
// and sends the request once more, replaying the body through
// Request.GetBody; a request whose body cannot be replayed gets the 401.
type Transport struct {
	// Credential supplies tokens; required.
	Credential TokenCredential
	// Request says which token; the zero value is Graph's default scope.
	Request TokenRequest
	// Base sends the requests. Nil means http.DefaultTransport.
	Base http.RoundTripper
}

var _ http.RoundTripper = (*Transport)(nil)

// RoundTrip implements http.RoundTripper. Token errors come back as they
// are (*AuthError), wrapped by the http.Client as a *url.Error.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Credential == nil {
		return nil, errors.New("graphauth: Transport has no Credential")
	}
	if req.URL.Scheme != "https" && !ids.IsLoopbackHost(req.URL.Hostname()) {
		return nil, fmt.Errorf("graphauth: refusing to send a bearer token over %s to %s", req.URL.Scheme, req.URL.Host)
	}
	resp, err := t.send(req, t.Request)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	claims, ok := ClaimsChallenge(resp.Header)
	if !ok || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("graphauth: replaying the request body: %w", err)
		}
		retry.Body = body
	}
	r := t.Request
	r.Claims = claims
	return t.send(retry, r)
}

func (t *Transport) send(req *http.Request, tr TokenRequest) (*http.Response, error) {
	tok, err := t.Credential.Token(req.Context(), tr)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}

// ClaimsChallenge extracts the claims of a continuous access evaluation
// challenge from a 401's WWW-Authenticate headers: a Bearer challenge with
// error="insufficient_claims" and a claims parameter, base64-encoded JSON
// (decoded here) or plain JSON. ok is false when there is no such challenge.
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
		if strings.HasPrefix(strings.TrimSpace(c), "{") {
			return c, true
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(c); err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "{") {
				return string(b), true
			}
		}
	}
	return "", false
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
