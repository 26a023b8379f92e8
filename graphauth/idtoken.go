package graphauth

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IDTokenError reports an ID token that failed validation. The sign-in it
// came with is refused.
type IDTokenError struct {
	Reason string // e.g. "nonce does not match"
	Err    error
}

// Error returns "graphauth: ID token rejected: <reason>".
func (e *IDTokenError) Error() string {
	if e.Err != nil {
		return "graphauth: ID token rejected: " + e.Reason + ": " + e.Err.Error()
	}
	return "graphauth: ID token rejected: " + e.Reason
}

// Unwrap returns the cause.
func (e *IDTokenError) Unwrap() error { return e.Err }

// maxSkew bounds the clock difference tolerated on exp, nbf and iat.
const maxSkew = 5 * time.Minute

// keySet fetches and caches the platform's signing keys (JWKS), refreshing
// them when a token names an unknown key, at most once a minute.
type keySet struct {
	url     string
	http    *http.Client
	now     func() time.Time
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[kid]; ok {
		return key, nil
	}
	if !k.fetched.IsZero() && k.now().Sub(k.fetched) < time.Minute {
		return nil, fmt.Errorf("no signing key %q", kid)
	}
	keys, err := fetchJWKS(ctx, k.http, k.url)
	if err != nil {
		return nil, err
	}
	k.keys, k.fetched = keys, k.now()
	if key, ok := keys[kid]; ok {
		return key, nil
	}
	return nil, fmt.Errorf("no signing key %q", kid)
}

func fetchJWKS(ctx context.Context, c *http.Client, url string) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the signing keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching the signing keys: HTTP %d", resp.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("%w: the key set is not JSON", ErrUnexpectedResponse)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if k.Kty != "RSA" || err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

// idTokenCheck is what an ID token must match.
type idTokenCheck struct {
	authority string // https://host
	clientID  string
	allowed   func(tid string) bool
	nonce     string
	now       time.Time
}

// validateIDToken verifies the signature (RS256, a key from the JWKS) and
// the claims: aud, iss (the platform's issuer for the token's own tenant),
// tid (the configured tenant, or one allowed), nonce, and exp/nbf/iat within
// a bounded skew.
func validateIDToken(ctx context.Context, keys *keySet, raw string, c idTokenCheck) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return keys.key(ctx, kid)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, &IDTokenError{Reason: "signature", Err: errors.New(firstLine(err.Error()))}
	}
	tid, _ := claims["tid"].(string)
	switch {
	case !audienceIs(claims, c.clientID):
		return nil, &IDTokenError{Reason: "issued for another app (aud)"}
	case tid == "":
		return nil, &IDTokenError{Reason: "no tenant (tid)"}
	case claims["iss"] != c.authority+"/"+tid+"/v2.0":
		return nil, &IDTokenError{Reason: fmt.Sprintf("issuer %v is not this platform's for tenant %s", claims["iss"], tid)}
	case !c.allowed(tid):
		return nil, &IDTokenError{Reason: "users of tenant " + tid + " may not sign in (AllowedTenants)"}
	case subtle.ConstantTimeCompare([]byte(fmt.Sprint(claims["nonce"])), []byte(c.nonce)) != 1:
		return nil, &IDTokenError{Reason: "nonce does not match this sign-in"}
	}
	exp, err1 := claims.GetExpirationTime()
	nbf, err2 := claims.GetNotBefore()
	iat, err3 := claims.GetIssuedAt()
	switch {
	case err1 != nil || err2 != nil || err3 != nil || exp == nil:
		return nil, &IDTokenError{Reason: "malformed exp, nbf or iat"}
	case !c.now.Before(exp.Add(maxSkew)):
		return nil, &IDTokenError{Reason: "expired"}
	case nbf != nil && c.now.Add(maxSkew).Before(nbf.Time), iat != nil && c.now.Add(maxSkew).Before(iat.Time):
		return nil, &IDTokenError{Reason: "issued in the future (clock skew over 5 minutes)"}
	}
	return claims, nil
}

func audienceIs(c jwt.MapClaims, clientID string) bool {
	aud, err := c.GetAudience()
	if err != nil {
		return false
	}
	for _, a := range aud {
		if strings.EqualFold(a, clientID) {
			return true
		}
	}
	return false
}
