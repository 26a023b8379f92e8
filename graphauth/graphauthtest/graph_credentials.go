package graphauthtest

import (
	"crypto/sha1"
	"crypto/x509"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The application actions that manage an app's own credentials, as an app
// with Application.ReadWrite.OwnedBy rotates them: removePassword, addKey
// and removeKey (the last two proven with a JWT signed by a certificate
// the app already has), and its federated identity credentials.
func (s *Server) credentialRoutes() []graphRoute {
	return []graphRoute{
		{"POST", "applications/{id}/removePassword", s.graphRemovePassword, 0},
		{"POST", "applications(appId)/removePassword", s.graphRemovePassword, 0},
		{"POST", "applications/{id}/addKey", s.graphAddKey, 0},
		{"POST", "applications(appId)/addKey", s.graphAddKey, 0},
		{"POST", "applications/{id}/removeKey", s.graphRemoveKey, 0},
		{"POST", "applications(appId)/removeKey", s.graphRemoveKey, 0},
		{"GET", "applications/{id}/federatedIdentityCredentials", s.graphListFederated, 0},
		{"POST", "applications/{id}/federatedIdentityCredentials", s.graphAddFederated, 0},
		{"DELETE", "applications/{id}/federatedIdentityCredentials/{id}", s.graphDeleteFederated, 0},
	}
}

// graphAudience is the audience of addKey and removeKey proofs: the app ID
// of the legacy Azure AD Graph.
const graphAudience = "00000002-0000-0000-c000-000000000000"

// maxFederatedCredentials is how many federated identity credentials an
// app may have.
const maxFederatedCredentials = 20

func (s *Server) graphRemovePassword(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body struct {
		KeyID string `json:"keyId"`
	}
	if !decodeBody(r, &body) || body.KeyID == "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "A value is required for parameter 'keyId'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	for i, sec := range a.Secrets {
		if strings.EqualFold(sec.KeyID, body.KeyID) {
			a.Secrets = append(a.Secrets[:i:i], a.Secrets[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "No password credential with keyId '"+body.KeyID+"' was found.")
}

// checkProof validates an addKey or removeKey proof: a JWT signed with the
// key of a certificate registered on a, naming a's object ID as issuer,
// the legacy Graph as audience, valid for at most ten minutes.
func (s *Server) checkProof(a *app, proof string) string {
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(proof, claims)
	if err != nil {
		return "The proof is not a JWT."
	}
	x5t, _ := tok.Header["x5t"].(string)
	want := decodeThumb(x5t)
	var cert *x509.Certificate
	for _, c := range a.Certificates {
		if sum := sha1.Sum(c.Certificate.Raw); want != nil && string(sum[:]) == string(want) {
			cert = c.Certificate
		}
	}
	now := s.clk.now()
	if cert == nil || now.After(cert.NotAfter) {
		return "The proof must be signed by a valid certificate registered on the application."
	}
	_, err = jwt.NewParser(jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithoutClaimsValidation()).Parse(proof, func(*jwt.Token) (any, error) { return cert.PublicKey, nil })
	if err != nil {
		return "The proof's signature does not verify."
	}
	iss, _ := claims["iss"].(string)
	auds, _ := claims.GetAudience()
	nbf, _ := claims.GetNotBefore()
	exp, _ := claims.GetExpirationTime()
	switch {
	case !strings.EqualFold(iss, a.ObjectID):
		return "The proof's issuer must be the application's object ID."
	case !containsFold(auds, graphAudience):
		return "The proof's audience must be " + graphAudience + "."
	case nbf == nil || exp == nil || exp.Sub(nbf.Time) > 10*time.Minute || now.After(exp.Add(assertionSkew)) || now.Before(nbf.Add(-assertionSkew)):
		return "The proof must be valid now, for at most 10 minutes."
	}
	return ""
}

func (s *Server) graphAddKey(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body struct {
		KeyCredential keyCredential `json:"keyCredential"`
		Proof         string        `json:"proof"`
	}
	if !decodeBody(r, &body) || body.Proof == "" || body.KeyCredential.Key == "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "addKey needs a keyCredential with a key and a proof.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	if msg := s.checkProof(a, body.Proof); msg != "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", msg)
		return
	}
	added, msg := keyCredentials([]keyCredential{body.KeyCredential}, nil)
	if msg != "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", msg)
		return
	}
	a.Certificates = append(a.Certificates, added[0])
	out := keyCredentialJSON(added[0], false)
	out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.keyCredential"
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) graphRemoveKey(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body struct {
		KeyID string `json:"keyId"`
		Proof string `json:"proof"`
	}
	if !decodeBody(r, &body) || body.KeyID == "" || body.Proof == "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "removeKey needs a keyId and a proof.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	if msg := s.checkProof(a, body.Proof); msg != "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", msg)
		return
	}
	for i, cert := range a.Certificates {
		if strings.EqualFold(cert.KeyID, body.KeyID) {
			a.Certificates = append(a.Certificates[:i:i], a.Certificates[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "No key credential with keyId '"+body.KeyID+"' was found.")
}

func federatedJSON(f FederatedCredential) map[string]any {
	aud := f.Audience
	if aud == "" {
		aud = tokenExchangeAudience
	}
	return map[string]any{"id": f.ID, "name": f.Name, "issuer": f.Issuer, "subject": f.Subject, "audiences": []string{aud}, "description": f.Description}
}

func (s *Server) graphListFederated(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppRead) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, false)
	if a == nil {
		return
	}
	list := []map[string]any{}
	for _, f := range a.FederatedCredentials {
		list = append(list, federatedJSON(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

func (s *Server) graphAddFederated(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body struct {
		Name        string   `json:"name"`
		Issuer      string   `json:"issuer"`
		Subject     string   `json:"subject"`
		Audiences   []string `json:"audiences"`
		Description string   `json:"description"`
	}
	if !decodeBody(r, &body) {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body is not valid JSON.")
		return
	}
	if msg := checkFederatedBody(body.Name, body.Issuer, body.Subject, body.Audiences); msg != "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	if len(a.FederatedCredentials) >= maxFederatedCredentials {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "An application can have at most 20 federated identity credentials.")
		return
	}
	for _, f := range a.FederatedCredentials {
		if strings.EqualFold(f.Name, body.Name) {
			s.writeGraphError(w, r, 409, "Request_MultipleObjectsWithSameKeyValue", "FederatedIdentityCredential with name "+body.Name+" already exists.")
			return
		}
		if f.Issuer == body.Issuer && f.Subject == body.Subject {
			s.writeGraphError(w, r, 409, "Request_MultipleObjectsWithSameKeyValue", "FederatedIdentityCredential with the same issuer and subject already exists.")
			return
		}
	}
	f := FederatedCredential{ID: newGUID(), Name: body.Name, Issuer: body.Issuer, Subject: body.Subject, Audience: body.Audiences[0], Description: body.Description}
	a.FederatedCredentials = append(a.FederatedCredentials, f)
	writeJSON(w, http.StatusCreated, federatedJSON(f))
}

// checkFederatedBody applies Graph's rules for a new federated identity
// credential; it returns Graph's complaint, or "".
func checkFederatedBody(name, issuer, subject string, audiences []string) string {
	u, err := url.Parse(issuer)
	switch {
	case name == "" || len(name) > 120 || strings.ContainsAny(name, "/\\?#%"):
		return "Property 'name' is required, at most 120 characters, without / \\ ? # or %."
	case err != nil || u.Scheme != "https" || u.Host == "":
		return "Property 'issuer' must be an https URL."
	case subject == "" || len(subject) > 600:
		return "Property 'subject' is required, at most 600 characters."
	case len(audiences) != 1 || audiences[0] == "" || len(audiences[0]) > 600:
		return "Property 'audiences' must hold exactly one value."
	}
	return ""
}

func (s *Server) graphDeleteFederated(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	id := p[len(p)-1]
	for i, f := range a.FederatedCredentials {
		if strings.EqualFold(f.ID, id) || strings.EqualFold(f.Name, id) {
			a.FederatedCredentials = append(a.FederatedCredentials[:i:i], a.FederatedCredentials[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+id+"' does not exist.")
}
