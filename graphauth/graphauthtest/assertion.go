package graphauthtest

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionSkew is how far an assertion's nbf and exp may be off the
// server's clock.
const assertionSkew = 5 * time.Minute

// checkAssertion validates a client assertion: a certificate-signed JWT whose
// x5t or x5t#S256 names a certificate registered on the app, or a token from
// a trusted federated issuer. It returns "certificate" or "federated".
func (s *Server) checkAssertion(a *app, raw string, req *tokenRequest) (string, *oauthError) {
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(raw, claims)
	if err != nil {
		return "", errInvalidClient(50027, "JWT token is invalid or malformed.")
	}
	s.mu.Lock()
	certs := append([]Certificate(nil), a.Certificates...)
	fics := append([]FederatedCredential(nil), a.FederatedCredentials...)
	s.mu.Unlock()

	// An assertion the app signed itself names the app as its issuer; any
	// other issuer's token (one carries an x5t too when Entra issued it, as
	// for a managed identity) is a federated one.
	_, hasX5t := tok.Header["x5t"]
	_, hasS256 := tok.Header["x5t#S256"]
	iss, _ := claims["iss"].(string)
	if len(fics) > 0 && (!hasX5t && !hasS256 || !strings.EqualFold(iss, a.ClientID)) {
		return "federated", s.checkFederated(a, raw, claims, fics)
	}
	cert, thumb, oerr := certForHeader(a, tok.Header, certs)
	if oerr != nil {
		return "", oerr
	}
	alg, _ := tok.Header["alg"].(string)
	if alg != "RS256" && alg != "PS256" {
		return "", errInvalidClient(700027, "Client assertion contains an invalid signature. [Reason - The signing algorithm '%s' is not supported; use PS256 or RS256., Thumbprint of key used by client: '%s']", alg, thumb)
	}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithoutClaimsValidation()).Parse(raw, func(*jwt.Token) (any, error) {
		return cert.PublicKey, nil
	})
	if err != nil {
		return "", errInvalidClient(700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s']",
			thumb, cert.NotBefore.UTC().Format("01/02/2006 15:04:05"), cert.NotAfter.UTC().Format("01/02/2006 15:04:05"))
	}
	now := s.clk.now()
	if now.After(cert.NotAfter) {
		return "", errInvalidClient(700027, "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s']",
			thumb, cert.NotBefore.UTC().Format("01/02/2006 15:04:05"), cert.NotAfter.UTC().Format("01/02/2006 15:04:05"))
	}
	sub, _ := claims["sub"].(string)
	if !strings.EqualFold(iss, a.ClientID) {
		return "", errInvalidClient(700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .")
	}
	if !strings.EqualFold(sub, iss) {
		return "", errInvalidClient(50048, "Subject must match Issuer claim in the client assertion.")
	}
	if oerr := checkAudience(claims, req); oerr != nil {
		return "", oerr
	}
	return "certificate", checkLifetime(claims, now)
}

// certForHeader finds the registered certificate named by the assertion's
// x5t#S256 (SHA-256) or x5t (SHA-1) header. Either encoding of base64 is
// accepted: MSAL Go sends standard, the spec says base64url.
func certForHeader(a *app, h map[string]any, certs []Certificate) (*x509.Certificate, string, *oauthError) {
	var want []byte
	var sum func([]byte) []byte
	if v, ok := h["x5t#S256"].(string); ok {
		want, sum = decodeThumb(v), func(b []byte) []byte { x := sha256.Sum256(b); return x[:] }
	} else if v, ok := h["x5t"].(string); ok {
		want, sum = decodeThumb(v), func(b []byte) []byte { x := sha1.Sum(b); return x[:] }
	}
	thumb := strings.ToUpper(hex.EncodeToString(want))
	if want != nil {
		for _, c := range certs {
			if string(sum(c.Certificate.Raw)) == string(want) {
				return c.Certificate, thumb, nil
			}
		}
	}
	return nil, thumb, errInvalidClient(700027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/%s']. Alternatively, SNI may be configured on the app. Please ensure that client assertion is being sent with the x5c claim in the JWT header using MSAL's WithSendX5C() method so that Azure Active Directory can validate the certificate being used.", thumb, a.ClientID, a.ClientID)
}

func decodeThumb(v string) []byte {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			return b
		}
	}
	return nil
}

// checkAudience accepts the URL the assertion was sent to, or the other
// version's token endpoint for the same tenant.
func checkAudience(claims jwt.MapClaims, req *tokenRequest) *oauthError {
	auds, _ := claims.GetAudience()
	endpoint := strings.ToLower(req.endpoint)
	base := endpoint[:strings.Index(endpoint, "/oauth2/")]
	accepted := []string{base + "/oauth2/v2.0/token", base + "/oauth2/token"}
	if req.tenant != nil {
		host := endpoint[:strings.LastIndex(base, "/")]
		for _, seg := range []string{req.tenant.ID, req.tenant.Domain} {
			accepted = append(accepted, host+"/"+seg+"/oauth2/v2.0/token", host+"/"+seg+"/oauth2/token")
		}
	}
	for _, aud := range auds {
		if containsFold(accepted, strings.TrimSuffix(aud, "/")) {
			return nil
		}
	}
	return errInvalidClient(50012, "Client assertion audience claim does not match Realm issuer. Expected '%s', got '%s'.", req.endpoint, strings.Join(auds, ","))
}

func checkLifetime(claims jwt.MapClaims, now time.Time) *oauthError {
	exp, err1 := claims.GetExpirationTime()
	nbf, err2 := claims.GetNotBefore()
	if err1 != nil || err2 != nil || exp == nil {
		return errInvalidClient(50027, "JWT token is invalid or malformed: the client assertion needs a numeric 'exp'.")
	}
	// The platform writes .NET's round-trip format ("o"): seven fractional
	// digits and Z; a missing nbf is .NET's zero date.
	const roundTrip = "2006-01-02T15:04:05.0000000Z"
	from := "0001-01-01T00:00:00.0000000Z"
	if nbf != nil {
		from = nbf.UTC().Format(roundTrip)
	}
	if now.After(exp.Add(assertionSkew)) || (nbf != nil && now.Before(nbf.Add(-assertionSkew))) {
		return errInvalidClient(700024, "Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
			now.UTC().Format(roundTrip), from, exp.UTC().Format(roundTrip))
	}
	return nil
}

// checkFederated validates a token from an external issuer against the app's
// federated identity credentials.
func (s *Server) checkFederated(a *app, raw string, claims jwt.MapClaims, fics []FederatedCredential) *oauthError {
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	auds, _ := claims.GetAudience()
	for _, f := range fics {
		aud := f.Audience
		if aud == "" {
			aud = "api://AzureADTokenExchange"
		}
		// The platform knows the token exchange audience by its URI and by
		// its app ID, which is what an Entra-issued (v2.0) token carries.
		audOK := containsFold(auds, aud) || (strings.EqualFold(aud, tokenExchangeAudience) && containsFold(auds, tokenExchangeAppID))
		if f.Issuer != iss || f.Subject != sub || !audOK {
			continue
		}
		keys := f.Keys
		if len(keys) == 0 {
			// No keys given: the issuer is this server (a managed
			// identity's token), whose own key signs.
			keys = []crypto.PublicKey{&s.signer.key.PublicKey}
		}
		for _, key := range keys {
			_, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256", "PS256", "ES256"}), jwt.WithoutClaimsValidation()).Parse(raw, func(*jwt.Token) (any, error) { return key, nil })
			if err == nil {
				return checkLifetime(claims, s.clk.now())
			}
		}
		return errInvalidClient(700027, "Client assertion failed signature validation. [Reason - No key of federated issuer '%s' verifies the assertion.]", iss)
	}
	return errInvalidClient(70021, "No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.", iss, sub, strings.Join(auds, ","))
}
