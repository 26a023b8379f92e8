package graphauthtest

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// resourceAccess is one entry of requiredResourceAccess.
type resourceAccess struct {
	ResourceAppID  string `json:"resourceAppId"`
	ResourceAccess []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"resourceAccess"`
}

type keyCredential struct {
	KeyID       string `json:"keyId"`
	Type        string `json:"type"`
	Usage       string `json:"usage"`
	Key         string `json:"key"`
	DisplayName string `json:"displayName"`
}

// applicationBody is the part of Graph's application resource the fake reads.
type applicationBody struct {
	DisplayName            *string          `json:"displayName"`
	SignInAudience         *string          `json:"signInAudience"`
	RequiredResourceAccess []resourceAccess `json:"requiredResourceAccess"`
	Web                    *struct {
		RedirectURIs []string `json:"redirectUris"`
	} `json:"web"`
	Spa *struct {
		RedirectURIs []string `json:"redirectUris"`
	} `json:"spa"`
	PublicClient *struct {
		RedirectURIs []string `json:"redirectUris"`
	} `json:"publicClient"`
	KeyCredentials *[]keyCredential `json:"keyCredentials"`
}

// apply copies the fields present in b onto a; it returns a message for the
// first field Graph would refuse.
func (b *applicationBody) apply(a *App) string {
	if b.DisplayName != nil {
		a.DisplayName = *b.DisplayName
	}
	if b.SignInAudience != nil {
		switch *b.SignInAudience {
		case "AzureADMyOrg":
			a.MultiTenant = false
		case "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount":
			a.MultiTenant = true
		default:
			return "Invalid value specified for property 'signInAudience' of resource 'Application'."
		}
	}
	if b.RequiredResourceAccess != nil {
		a.RequiredRoles, a.RequiredScopes, a.RequiredResources = nil, nil, nil
		for _, ra := range b.RequiredResourceAccess {
			if !strings.EqualFold(ra.ResourceAppID, graphperm.GraphAppID) {
				a.RequiredResources = appendUnique(a.RequiredResources, strings.ToLower(ra.ResourceAppID))
				continue // other APIs' permissions are kept as sent, not checked
			}
			for _, acc := range ra.ResourceAccess {
				kind := map[string]graphperm.Kind{"Role": graphperm.Application, "Scope": graphperm.Delegated}[acc.Type]
				p, ok := graphperm.ByID(kind, acc.ID)
				if kind == 0 || !ok {
					return "Invalid value specified for property 'resourceAccess' of resource 'RequiredResourceAccess': " + acc.Type + " " + acc.ID + " is not a permission of Microsoft Graph."
				}
				if kind == graphperm.Application {
					a.RequiredRoles = appendUnique(a.RequiredRoles, p.Value)
				} else {
					a.RequiredScopes = appendUnique(a.RequiredScopes, p.Value)
				}
			}
		}
	}
	var uris []string
	for _, set := range []*struct {
		RedirectURIs []string `json:"redirectUris"`
	}{b.Web, b.Spa, b.PublicClient} {
		if set != nil {
			uris = append(uris, set.RedirectURIs...)
		}
	}
	if b.Web != nil || b.Spa != nil || b.PublicClient != nil {
		a.RedirectURIs = uris
	}
	if b.KeyCredentials != nil {
		certs, msg := keyCredentials(*b.KeyCredentials, a.Certificates)
		if msg != "" {
			return msg
		}
		a.Certificates = certs
	}
	return ""
}

// otherAccess returns the requiredResourceAccess entries for APIs other
// than Microsoft Graph.
func (b *applicationBody) otherAccess() []resourceAccess {
	var out []resourceAccess
	for _, ra := range b.RequiredResourceAccess {
		if !strings.EqualFold(ra.ResourceAppID, graphperm.GraphAppID) {
			out = append(out, ra)
		}
	}
	return out
}

// keyCredentials replaces the app's certificates, as PATCH does: an entry
// without a key keeps the existing certificate with the same keyId.
func keyCredentials(in []keyCredential, existing []Certificate) ([]Certificate, string) {
	var out []Certificate
	for _, kc := range in {
		if kc.Key == "" {
			for _, c := range existing {
				if strings.EqualFold(c.KeyID, kc.KeyID) {
					out = append(out, c)
				}
			}
			continue
		}
		if kc.Type != "AsymmetricX509Cert" || kc.Usage != "Verify" {
			return nil, "Key credentials must have type 'AsymmetricX509Cert' and usage 'Verify'."
		}
		der, err := base64.StdEncoding.DecodeString(kc.Key)
		cert, err2 := x509.ParseCertificate(der)
		if err != nil || err2 != nil {
			return nil, "Key credential 'key' must be the base64 DER of an X.509 certificate."
		}
		if kc.KeyID == "" {
			kc.KeyID = newGUID()
		}
		out = append(out, Certificate{KeyID: strings.ToLower(kc.KeyID), Certificate: cert, DisplayName: kc.DisplayName})
	}
	return out, ""
}

// applicationJSON renders an application; withKeys includes each
// certificate's public key, which Graph returns only when keyCredentials is
// $selected on a single application.
func applicationJSON(a *app, withKeys bool) map[string]any {
	audience := "AzureADMyOrg"
	if a.MultiTenant {
		audience = "AzureADMultipleOrgs"
	}
	var access []map[string]string
	for _, r := range a.RequiredRoles {
		p, _ := graphperm.ByValue(graphperm.Application, r)
		access = append(access, map[string]string{"id": p.ID, "type": "Role"})
	}
	for _, sc := range a.RequiredScopes {
		p, _ := graphperm.ByValue(graphperm.Delegated, sc)
		access = append(access, map[string]string{"id": p.ID, "type": "Scope"})
	}
	rra := []map[string]any{}
	if len(access) > 0 {
		rra = append(rra, map[string]any{"resourceAppId": graphperm.GraphAppID, "resourceAccess": access})
	}
	for _, res := range a.RequiredResources {
		entry := map[string]any{"resourceAppId": res, "resourceAccess": []any{}}
		for _, ra := range a.otherAccess {
			if strings.EqualFold(ra.ResourceAppID, res) {
				entry["resourceAccess"] = ra.ResourceAccess
			}
		}
		rra = append(rra, entry)
	}
	passwords := []map[string]any{}
	for _, sec := range a.Secrets {
		passwords = append(passwords, map[string]any{"keyId": sec.KeyID, "displayName": sec.DisplayName, "hint": sec.Value[:3],
			"startDateTime": ticksTime(sec.Start), "endDateTime": ticksTime(sec.End), "secretText": nil})
	}
	keys := []map[string]any{}
	for _, c := range a.Certificates {
		keys = append(keys, keyCredentialJSON(c, withKeys))
	}
	return map[string]any{
		"id": a.ObjectID, "appId": a.ClientID, "displayName": a.DisplayName, "signInAudience": audience,
		"requiredResourceAccess": rra, "web": map[string]any{"redirectUris": a.RedirectURIs},
		"passwordCredentials": passwords, "keyCredentials": keys, "isFallbackPublicClient": a.PublicClient,
	}
}

// keyCredentialJSON is a certificate as Graph lists it in keyCredentials;
// the key itself only when asked for with $select, as Graph does.
func keyCredentialJSON(c Certificate, withKey bool) map[string]any {
	thumb := sha1.Sum(c.Certificate.Raw)
	return map[string]any{"keyId": c.KeyID, "displayName": c.DisplayName, "type": "AsymmetricX509Cert", "usage": "Verify",
		"customKeyIdentifier": base64.StdEncoding.EncodeToString(thumb[:]), "key": keyOrNil(c.Certificate.Raw, withKey),
		"startDateTime": isoTime(c.Certificate.NotBefore), "endDateTime": isoTime(c.Certificate.NotAfter)}
}

// appForCaller finds the application the path names, in the caller's tenant,
// and checks that an Application.ReadWrite.OwnedBy caller owns it.
func (s *Server) appForCaller(w http.ResponseWriter, r *http.Request, c *caller, p []string, write bool) *app {
	appID, objID := keyOf(p)
	var found *app
	for _, a := range s.dir.apps {
		if (appID != "" && strings.EqualFold(a.ClientID, appID)) || (objID != "" && strings.EqualFold(a.ObjectID, objID)) {
			found = a
		}
	}
	if found == nil || found.HomeTenant != c.tenant.ID {
		s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+appID+objID+"' does not exist or one of its queried reference-property objects are not present.")
		return nil
	}
	ownedOnly := c.appOnly() && !containsFold(c.roles, "Application.ReadWrite.All") && !(!write && containsFold(c.roles, "Application.Read.All"))
	if ownedOnly && !containsFold(found.owners, c.appID) && !strings.EqualFold(found.ClientID, c.appID) {
		s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return nil
	}
	return found
}

func (s *Server) graphCreateApp(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body applicationBody
	if !decodeBody(r, &body) || body.DisplayName == nil || *body.DisplayName == "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "A value is required for property 'displayName' of resource 'Application'.")
		return
	}
	a := App{HomeTenant: c.tenant.ID}
	if msg := body.apply(&a); msg != "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	created := s.addAppLocked(a, "graph")
	stored := s.dir.apps[created.ClientID]
	stored.owners = append(stored.owners, c.appID)
	stored.otherAccess = body.otherAccess()
	setLocation(w, c.tenant.ID, stored.ObjectID, "Application")
	writeJSON(w, http.StatusCreated, applicationJSON(stored, false))
}

func (s *Server) graphGetApp(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppRead) {
		return
	}
	sel, e := selectOption(r)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.appForCaller(w, r, c, p, false); a != nil {
		writeJSON(w, http.StatusOK, selectProps(applicationJSON(a, strings.Contains(strings.ToLower(sel), "keycredentials")), sel))
	}
}

func (s *Server) graphPatchApp(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body applicationBody
	if !decodeBody(r, &body) {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	updated := a.App
	if msg := body.apply(&updated); msg != "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", msg)
		return
	}
	a.App = updated
	if body.RequiredResourceAccess != nil {
		a.otherAccess = body.otherAccess()
	}
	w.WriteHeader(http.StatusNoContent)
}

// graphDeleteApp serves DELETE /applications/{id}: the registration goes,
// and with it the app's service principal in its home tenant, as Graph
// deletes both; tokens for it are refused from then on (AADSTS700016).
func (s *Server) graphDeleteApp(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	delete(s.dir.apps, strings.ToLower(a.ClientID))
	s.dir.removeSP(a.HomeTenant, a.ClientID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) graphAddPassword(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	var body struct {
		PasswordCredential struct {
			DisplayName   string    `json:"displayName"`
			StartDateTime time.Time `json:"startDateTime"`
			EndDateTime   time.Time `json:"endDateTime"`
		} `json:"passwordCredential"`
	}
	if !decodeBody(r, &body) {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.appForCaller(w, r, c, p, true)
	if a == nil {
		return
	}
	pc := body.PasswordCredential
	sec := fillSecret(Secret{DisplayName: pc.DisplayName, Start: pc.StartDateTime, End: pc.EndDateTime}, s.clk.now())
	if !sec.End.After(sec.Start) {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The endDateTime of a password credential must be after its startDateTime.")
		return
	}
	a.Secrets = append(a.Secrets, sec)
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential",
		"customKeyIdentifier": nil, "displayName": sec.DisplayName, "hint": sec.Value[:3],
		"keyId": sec.KeyID, "secretText": sec.Value, "startDateTime": ticksTime(sec.Start), "endDateTime": ticksTime(sec.End)})
}

func keyOrNil(der []byte, include bool) any {
	if !include {
		return nil
	}
	return base64.StdEncoding.EncodeToString(der)
}
