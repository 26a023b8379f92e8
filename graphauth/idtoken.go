package graphauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
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

// maxIDTokenAge bounds how long ago an ID token may have been issued (iat).
// The platform mints it when the code is redeemed, within loginLifetime of
// the sign-in's start: an older one belongs to another sign-in.
const maxIDTokenAge = loginLifetime + maxSkew

// idTokenCheck is what an ID token must match.
type idTokenCheck struct {
	authority string // https://host
	clientID  string
	allowed   func(tid string) bool
	nonce     string
	now       time.Time
}

// validateIDToken verifies the signature (RS256, a key from the JWKS) and
// the claims (OpenID Connect Core 1.0 §3.1.3.7): aud, azp (required and this
// app when aud names several), iss (the platform's issuer for the token's
// own tenant), tid (the configured tenant, or one allowed), nonce, exp and
// nbf within a bounded skew, and iat, which is required, not in the future
// beyond the skew and not older than maxIDTokenAge. Every failure is an
// *IDTokenError.
func validateIDToken(ctx context.Context, keys *keySet, raw string, c idTokenCheck) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return keys.key(ctx, kid)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	var ae *AuthError
	switch {
	case errors.As(err, &ae):
		return nil, &IDTokenError{Reason: "the signing keys are unavailable", Err: ae}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, &IDTokenError{Reason: "the signing keys are unavailable", Err: contextError(err)}
	case err != nil:
		return nil, &IDTokenError{Reason: "signature", Err: errors.New(firstLine(err.Error()))}
	}
	if err := checkAudience(claims, c.clientID); err != nil {
		return nil, err
	}
	tid, _ := claims["tid"].(string)
	nonce, _ := claims["nonce"].(string)
	switch {
	case tid == "":
		return nil, &IDTokenError{Reason: "no tenant (tid)"}
	case !isIssuer(claims["iss"], c.authority, tid):
		return nil, &IDTokenError{Reason: fmt.Sprintf("issuer %q is not this platform's for tenant %q", fmt.Sprint(claims["iss"]), tid)}
	case !c.allowed(tid):
		return nil, &IDTokenError{Reason: fmt.Sprintf("users of tenant %q may not sign in (AllowedTenants)", tid)}
	case c.nonce == "" || subtle.ConstantTimeCompare([]byte(nonce), []byte(c.nonce)) != 1:
		return nil, &IDTokenError{Reason: "nonce does not match this sign-in"}
	}
	if err := checkTimes(claims, c.now); err != nil {
		return nil, err
	}
	return claims, nil
}

// isIssuer reports whether iss is the platform's issuer for tenant tid:
// https://{host}/{tid}/v2.0 on the configured authority host or, when that
// host is a Microsoft cloud's (an alias such as login.windows.net or
// login.chinacloudapi.cn, or the host in capitals), on the cloud's own
// host, with which the platform names itself in every ID token whatever
// host the app signed in through.
func isIssuer(iss any, authority, tid string) bool {
	if iss == authority+"/"+tid+"/v2.0" {
		return true
	}
	c, ok := cloudOfAuthorityHost(authority)
	return ok && iss == strings.TrimSuffix(c.AuthorityHost, "/")+"/"+tid+"/v2.0"
}

// checkTimes checks exp, nbf and iat against now, each within maxSkew.
func checkTimes(claims jwt.MapClaims, now time.Time) error {
	exp, err1 := claims.GetExpirationTime()
	nbf, err2 := claims.GetNotBefore()
	iat, err3 := claims.GetIssuedAt()
	switch {
	case err1 != nil || err2 != nil || exp == nil:
		return &IDTokenError{Reason: "missing or malformed exp, or malformed nbf"}
	case err3 != nil || iat == nil:
		return &IDTokenError{Reason: "missing or malformed issue time (iat)"}
	case !now.Before(exp.Add(maxSkew)):
		return &IDTokenError{Reason: "expired"}
	case nbf != nil && now.Add(maxSkew).Before(nbf.Time), now.Add(maxSkew).Before(iat.Time):
		return &IDTokenError{Reason: "issued in the future (clock skew over 5 minutes)"}
	case iat.Before(now.Add(-maxIDTokenAge)):
		return &IDTokenError{Reason: fmt.Sprintf("issued too long ago (iat over %s before now): not this sign-in's", maxIDTokenAge)}
	}
	return nil
}

// checkAudience requires this app among the audiences and, as OpenID
// Connect Core 1.0 §3.1.3.7 says, an authorized party (azp) naming this app
// when there are several audiences, or whenever azp is present.
func checkAudience(claims jwt.MapClaims, clientID string) error {
	aud, err := claims.GetAudience()
	if err != nil || !audienceIs(aud, clientID) {
		return &IDTokenError{Reason: "issued for another app (aud)"}
	}
	azp, present := claims["azp"]
	if !present {
		if len(aud) > 1 {
			return &IDTokenError{Reason: "several audiences and no authorized party (azp)"}
		}
		return nil
	}
	if s, ok := azp.(string); !ok || !strings.EqualFold(s, clientID) {
		return &IDTokenError{Reason: "authorized for another app (azp)"}
	}
	return nil
}

func audienceIs(aud jwt.ClaimStrings, clientID string) bool {
	for _, a := range aud {
		if strings.EqualFold(a, clientID) {
			return true
		}
	}
	return false
}
