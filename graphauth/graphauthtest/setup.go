package graphauthtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
	"math/big"
	"strings"
	"time"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// AddApp registers an app in its home tenant, creates its service principal
// there and grants it nothing: use GrantAppRoles or admin consent for that.
// Empty IDs and secret values are filled in; the filled-in app is returned.
func (s *Server) AddApp(a App) App {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addAppLocked(a, "setup")
}

func (s *Server) addAppLocked(a App, via string) App {
	home := s.dir.firstTenant()
	if a.HomeTenant != "" {
		home = s.dir.lookupTenant(a.HomeTenant)
	}
	if home == nil {
		panic(fmt.Sprintf("graphauthtest: app %q has no home tenant %q", a.DisplayName, a.HomeTenant))
	}
	a.HomeTenant = home.ID
	if a.ClientID == "" {
		a.ClientID = newGUID()
	}
	if a.ObjectID == "" {
		a.ObjectID = newGUID()
	}
	a.ClientID, a.ObjectID = strings.ToLower(a.ClientID), strings.ToLower(a.ObjectID)
	if !ids.IsGUID(a.ClientID) {
		panic(fmt.Sprintf("graphauthtest: client ID %q is not a GUID", a.ClientID))
	}
	if s.dir.apps[a.ClientID] != nil {
		panic(fmt.Sprintf("graphauthtest: app %s already exists", a.ClientID))
	}
	if a.ClientID == GraphAppID || firstParty(a.ClientID) != "" {
		panic(fmt.Sprintf("graphauthtest: client ID %s is a Microsoft first-party app's", a.ClientID))
	}
	if !ids.IsGUID(a.ObjectID) {
		panic(fmt.Sprintf("graphauthtest: app object ID %q is not a GUID", a.ObjectID))
	}
	if kind := s.dir.objectKind(a.ObjectID); kind != "" {
		panic(fmt.Sprintf("graphauthtest: app object ID %s is already the ID of a %s", a.ObjectID, kind))
	}
	if a.DisplayName == "" {
		a.DisplayName = "App " + a.ClientID[:8]
	}
	for _, r := range a.RequiredRoles {
		mustPermission(graphperm.Application, r)
	}
	for _, sc := range a.RequiredScopes {
		mustPermission(graphperm.Delegated, sc)
	}
	a.RequiredResources = append([]string(nil), a.RequiredResources...)
	for i, res := range a.RequiredResources {
		if !ids.IsGUID(res) {
			panic(fmt.Sprintf("graphauthtest: required resource %q is not an app ID", res))
		}
		a.RequiredResources[i] = strings.ToLower(res)
	}
	now := s.clk.now()
	a.Secrets = append([]Secret(nil), a.Secrets...)
	for i := range a.Secrets {
		a.Secrets[i] = fillSecret(a.Secrets[i], now)
	}
	a.Certificates = append([]Certificate(nil), a.Certificates...)
	for i, c := range a.Certificates {
		if c.Certificate == nil {
			panic("graphauthtest: a Certificate needs its *x509.Certificate")
		}
		if c.KeyID == "" {
			a.Certificates[i].KeyID = newGUID()
		}
	}
	s.dir.apps[a.ClientID] = &app{App: a, createdVia: via}
	s.dir.appOrder = append(s.dir.appOrder, a.ClientID)
	if via == "setup" {
		s.dir.ensureSP(home.ID, a.ClientID, now)
	}
	if s.ClientID == "" {
		s.ClientID = a.ClientID
		if len(a.Secrets) > 0 {
			s.Secret = a.Secrets[0].Value
		}
	}
	return a
}

func fillSecret(sec Secret, now time.Time) Secret {
	if sec.KeyID == "" {
		sec.KeyID = newGUID()
	}
	if sec.Value == "" {
		sec.Value = newSecretValue()
	}
	if sec.Start.IsZero() {
		sec.Start = now
	}
	if sec.End.IsZero() {
		sec.End = sec.Start.AddDate(2, 0, 0)
	}
	return sec
}

// App returns the registration of clientID as the server holds it now,
// including secrets and certificates added through Graph.
func (s *Server) App(clientID string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.dir.apps[strings.ToLower(clientID)]
	if !ok {
		return App{}, false
	}
	out := a.App
	out.Secrets = append([]Secret(nil), a.Secrets...)
	out.Certificates = append([]Certificate(nil), a.Certificates...)
	return out, true
}

// GrantAppRoles grants Microsoft Graph application permissions (by name, e.g.
// "User.Read.All") to the app clientID in a tenant, creating the app's service
// principal there if it has none. Grants take effect after
// Options.PropagationDelay.
func (s *Server) GrantAppRoles(tenantIDOrDomain, clientID string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, a := s.mustTenantApp(tenantIDOrDomain, clientID)
	for _, r := range roles {
		p := mustPermission(graphperm.Application, r)
		s.grantRoleLocked(t.ID, a.ClientID, p.Value)
	}
}

func (s *Server) grantRoleLocked(tenantID, appID, role string) roleGrant {
	now := s.clk.now()
	s.dir.ensureSP(tenantID, appID, now)
	for _, g := range s.dir.roleGrants {
		if g.Tenant == tenantID && g.AppID == appID && strings.EqualFold(g.Role, role) {
			return g
		}
	}
	g := roleGrant{ID: newGrantID(), Tenant: tenantID, AppID: appID, Role: role, Created: now, Effective: now.Add(s.opts.PropagationDelay)}
	s.dir.roleGrants = append(s.dir.roleGrants, g)
	return g
}

// RevokeAppRoles removes application permission grants; tokens issued
// afterwards no longer carry them.
func (s *Server) RevokeAppRoles(tenantIDOrDomain, clientID string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, a := s.mustTenantApp(tenantIDOrDomain, clientID)
	kept := s.dir.roleGrants[:0]
	for _, g := range s.dir.roleGrants {
		if g.Tenant == t.ID && g.AppID == a.ClientID && containsFold(roles, g.Role) {
			continue
		}
		kept = append(kept, g)
	}
	s.dir.roleGrants = kept
}

// GrantScopes grants delegated permissions to the app clientID in a tenant,
// for the user with object ID or UPN user, or for all users when user is
// empty: Microsoft Graph's by name (e.g. "User.Read"), Azure Service
// Management's and the Office 365 Management APIs' in full (e.g.
// "https://management.core.windows.net//user_impersonation"), creating the
// resource's service principal in the tenant if it has none.
func (s *Server) GrantScopes(tenantIDOrDomain, clientID, user string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, a := s.mustTenantApp(tenantIDOrDomain, clientID)
	oid := ""
	if user != "" {
		u := t.byOID[strings.ToLower(user)]
		if u == nil {
			u = t.users[strings.ToLower(user)]
		}
		if u == nil {
			panic(fmt.Sprintf("graphauthtest: no user %q in tenant %s", user, t.Domain))
		}
		oid = u.ID
	}
	for _, sc := range scopes {
		if strings.Contains(sc, "/") {
			set, oerr := parseScopes(sc, a.DisplayName)
			if oerr != nil || len(set.refs) != 1 || set.refs[0].value == ".default" {
				panic(fmt.Sprintf("graphauthtest: %q is not a delegated scope of a resource the fake knows", sc))
			}
			s.dir.ensureSP(t.ID, set.refs[0].api.appID, s.clk.now())
			s.grantScopeLocked(t.ID, a.ClientID, oid, grantKey(set.refs[0].api, set.refs[0].value))
			continue
		}
		p := mustPermission(graphperm.Delegated, sc)
		s.grantScopeLocked(t.ID, a.ClientID, oid, p.Value)
	}
}

func (s *Server) grantScopeLocked(tenantID, appID, userOID, scope string) {
	now := s.clk.now()
	s.dir.ensureSP(tenantID, appID, now)
	for _, g := range s.dir.scopeGrants {
		if g.Tenant == tenantID && g.AppID == appID && g.User == userOID && strings.EqualFold(g.Scope, scope) {
			return
		}
	}
	s.dir.scopeGrants = append(s.dir.scopeGrants, scopeGrant{Tenant: tenantID, AppID: appID, User: userOID, Scope: scope, Effective: now.Add(s.opts.PropagationDelay)})
}

// AddServicePrincipal creates the service principal of appID in a tenant, as
// POST /servicePrincipals does. It does nothing if one exists, and panics
// when appID is neither a registered app nor Microsoft Graph or one of
// FirstPartyApps (Graph refuses a service principal without its app).
func (s *Server) AddServicePrincipal(tenantIDOrDomain, appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.mustTenant(tenantIDOrDomain)
	appID = strings.ToLower(appID)
	if s.dir.apps[appID] == nil && appID != GraphAppID && firstParty(appID) == "" {
		panic(fmt.Sprintf("graphauthtest: no app %q: a service principal is of a registered app or one of FirstPartyApps", appID))
	}
	s.dir.ensureSP(t.ID, appID, s.clk.now())
}

// RemoveServicePrincipal deletes the service principal of appID (a client app,
// or a resource such as Microsoft Graph, "00000003-0000-0000-c000-000000000000")
// from a tenant, with the grants it held.
func (s *Server) RemoveServicePrincipal(tenantIDOrDomain, appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir.removeSP(s.mustTenant(tenantIDOrDomain).ID, appID)
}

// SignIn makes the user with this UPN the one signed in for clients without
// a session of their own: the authorize and admin consent endpoints act as
// this user for a request that carries no login_hint and no session cookie
// (a browser that signed in keeps its own user, in its cookie). Empty signs
// out.
func (s *Server) SignIn(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if upn == "" {
		s.dir.session = ""
		return
	}
	_, u := s.dir.userByUPN(upn)
	if u == nil {
		panic(fmt.Sprintf("graphauthtest: no user %q", upn))
	}
	s.dir.session = u.ID
}

func (s *Server) mustTenant(idOrDomain string) *tenant {
	t := s.dir.lookupTenant(idOrDomain)
	if t == nil {
		panic(fmt.Sprintf("graphauthtest: no tenant %q", idOrDomain))
	}
	return t
}

func (s *Server) mustTenantApp(tenantIDOrDomain, clientID string) (*tenant, *app) {
	t := s.mustTenant(tenantIDOrDomain)
	a := s.dir.apps[strings.ToLower(clientID)]
	if a == nil {
		panic(fmt.Sprintf("graphauthtest: no app %q", clientID))
	}
	return t, a
}

func mustPermission(k graphperm.Kind, name string) graphperm.Permission {
	p, ok := graphperm.ByValue(k, name)
	if !ok {
		panic(fmt.Sprintf("graphauthtest: %q is not a Microsoft Graph %s permission", name, strings.ToLower(k.String())))
	}
	return p
}

// seedDefault builds the directory described on Options.
func (s *Server) seedDefault() {
	t := s.AddTenant(Tenant{
		DisplayName: "Contoso",
		Domain:      "contoso.onmicrosoft.com",
		Skus:        []Sku{{PartNumber: "ENTERPRISEPACK", Units: 25}},
		// An Azure and Microsoft 365 customer: delegated tokens for Azure
		// Service Management and the Office 365 Management APIs work here.
		ServicePrincipals: []string{AzureServiceManagementAppID, Office365ManagementAppID},
		Users: []User{
			{UPN: "admin@contoso.onmicrosoft.com", DisplayName: "Megan Admin", Admin: true, GivenName: "Megan", Surname: "Bowen",
				JobTitle: "IT Administrator", Department: "IT", Licenses: []string{"ENTERPRISEPACK"}},
			{UPN: "adele@contoso.onmicrosoft.com", DisplayName: "Adele Vance", GivenName: "Adele", Surname: "Vance",
				JobTitle: "Retail Manager", Department: "Sales", Licenses: []string{"ENTERPRISEPACK"}},
		},
		Groups: []Group{
			{DisplayName: "Sales", Members: []string{"adele@contoso.onmicrosoft.com"}},
			{DisplayName: "IT Admins", Members: []string{"admin@contoso.onmicrosoft.com"}},
			{DisplayName: "All Staff", Members: []string{"admin@contoso.onmicrosoft.com", "adele@contoso.onmicrosoft.com"}},
		},
	})
	key, cert := NewCertificate("CN=entrakit sample", s.clk.now())
	a := s.AddApp(App{
		DisplayName:    "entrakit sample",
		Secrets:        []Secret{{DisplayName: "default"}},
		Certificates:   []Certificate{{Certificate: cert, DisplayName: "default"}},
		RedirectURIs:   []string{"http://localhost", "http://localhost/callback", "https://localhost/callback"},
		RequiredRoles:  []string{"User.Read.All", "Group.Read.All", "Organization.Read.All"},
		RequiredScopes: []string{"User.Read", "openid", "profile", "offline_access"},
	})
	s.GrantAppRoles(t.ID, a.ClientID, a.RequiredRoles...)
	s.ClientCertificate, s.ClientKey = cert, key
}

// NewCertificate returns a new 2048-bit RSA key and a self-signed certificate
// for it with the given subject common name, valid from an hour before now
// for a year: what an app registration's certificate looks like.
func NewCertificate(subject string, now time.Time) (*rsa.PrivateKey, *x509.Certificate) {
	key := mustRSAKey()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		panic("graphauthtest: " + err.Error())
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: strings.TrimPrefix(subject, "CN=")},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic("graphauthtest: " + err.Error())
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic("graphauthtest: " + err.Error())
	}
	return key, cert
}

func newGUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("graphauthtest: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newSecretValue makes a value shaped like the portal's: 40 characters with a
// "~" in the fourth place.
func newSecretValue() string {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("graphauthtest: " + err.Error())
	}
	v := base64.RawURLEncoding.EncodeToString(b[:])
	v = strings.NewReplacer("-", "A", "_", "z").Replace(v)
	return v[:3] + "8Q~" + v[3:37]
}

func newGrantID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("graphauthtest: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func domainLabel(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "tenant"
	}
	return b.String()
}
