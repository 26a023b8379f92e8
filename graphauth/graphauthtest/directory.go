package graphauthtest

import (
	"crypto"
	"crypto/x509"
	"strings"
	"time"
)

// Tenant is a Microsoft Entra tenant (a directory).
type Tenant struct {
	ID          string // GUID; a new one when empty
	Domain      string // verified domain, e.g. "contoso.onmicrosoft.com"; derived from DisplayName or ID when empty
	DisplayName string // organization name; "Contoso" style default when empty
	// Domains are further verified domains (custom domains), listed by
	// GET /domains and usable in user principal names.
	Domains []string
	Users   []User
	Groups  []Group
	// Skus are the subscriptions the tenant has bought, listed by GET
	// /subscribedSkus. Nil means none.
	Skus []Sku
	// ServicePrincipals lists the first-party apps (by app ID, such as
	// [TeamsAdminAppID], or all of [FirstPartyApps]) whose service
	// principals the tenant has besides Microsoft Graph's, as a tenant that
	// uses those services does. Nil means Microsoft Graph's alone, as in a
	// new tenant: admin consent to an app that needs another of them then
	// fails with AADSTS650052 until the service principal is created.
	ServicePrincipals []string
	// ConsentBlocked makes every consent in this tenant fail, as a tenant
	// whose policy forbids consenting to apps does.
	ConsentBlocked bool
}

// User is a member of a tenant who can sign in to delegated flows.
type User struct {
	ID          string // object ID; a new GUID when empty
	UPN         string // user principal name, e.g. "adele@contoso.onmicrosoft.com"; required
	DisplayName string
	Admin       bool // a Global Administrator, who may grant tenant-wide consent

	// Directory properties Graph returns; empty ones are null in Graph.
	GivenName  string
	Surname    string
	Mail       string // empty means the UPN
	JobTitle   string
	Department string
	// Disabled accounts (accountEnabled false) cannot sign in.
	Disabled bool
	// Guest users have userType "Guest"; others "Member".
	Guest bool
	// Licenses are the SKU part numbers assigned to the user, such as
	// "ENTERPRISEPACK"; they must be among the tenant's Skus.
	Licenses []string
}

// Group is a directory group, listed by GET /v1.0/groups.
type Group struct {
	ID          string // a new GUID when empty
	DisplayName string
	// Members are the UPNs of member users and the display names (or IDs)
	// of member groups, which nest.
	Members      []string
	Description  string
	MailNickname string // derived from DisplayName when empty
	// Unified makes a Microsoft 365 group (groupTypes ["Unified"], mail
	// enabled); otherwise the group is a security group.
	Unified bool
}

// Sku is a subscription a tenant has bought (a subscribedSku).
type Sku struct {
	PartNumber string // e.g. "ENTERPRISEPACK"; required
	ID         string // skuId GUID; a stable one derived from PartNumber when empty
	Units      int    // prepaid enabled units; zero means 25
}

// App is an app registration.
type App struct {
	ClientID    string // application (client) ID; a new GUID when empty
	ObjectID    string // the application object's ID; a new GUID when empty
	DisplayName string
	// HomeTenant is the ID or domain of the tenant that owns the app. Empty
	// means the first tenant.
	HomeTenant string
	// MultiTenant apps ("AzureADMultipleOrgs") can be consented in other
	// tenants; others are refused outside their home tenant.
	MultiTenant bool
	// PublicClient apps have no credential ("Allow public client flows"):
	// sending a secret or assertion is refused with AADSTS700025.
	PublicClient         bool
	Secrets              []Secret
	Certificates         []Certificate
	FederatedCredentials []FederatedCredential
	RedirectURIs         []string
	// RequiredRoles and RequiredScopes are the Microsoft Graph application
	// and delegated permissions the app declares (requiredResourceAccess),
	// by name. Admin consent grants exactly these.
	RequiredRoles  []string
	RequiredScopes []string
	// RequiredResources are the app IDs of other APIs the app declares in
	// requiredResourceAccess, such as [TeamsAdminAppID]. Admin consent with
	// /.default in a tenant that lacks one's service principal fails with
	// AADSTS650052, as it does in a real tenant that never used the service.
	RequiredResources []string
}

// Secret is a client secret (a password credential).
type Secret struct {
	KeyID       string // the secret's ID, a GUID; a new one when empty
	Value       string // the secret itself; a new random value when empty
	DisplayName string
	Start       time.Time // zero means the server's time when added
	End         time.Time // zero means two years after Start
}

// Certificate is a certificate registered on an app (a key credential).
// Only its public part is used.
type Certificate struct {
	KeyID       string // a GUID; a new one when empty
	Certificate *x509.Certificate
	DisplayName string
}

// FederatedCredential trusts tokens from an external issuer as client
// assertions (workload identity federation).
type FederatedCredential struct {
	ID          string // its Graph ID; set when added through Graph
	Name        string // unique on the app; set when added through Graph
	Description string
	Issuer      string             // the "iss" the assertion must carry
	Subject     string             // the "sub" the assertion must carry
	Audience    string             // empty means "api://AzureADTokenExchange"
	Keys        []crypto.PublicKey // the issuer's keys; none means the fake's own (a managed identity's tokens)
}

type tenant struct {
	Tenant
	users  map[string]*User // by lower-cased UPN
	byOID  map[string]*User
	groups []*group
	objs   objectLog
}

type app struct {
	App
	createdVia  string           // "setup" or "graph"
	owners      []string         // client IDs of the apps that created it through Graph
	otherAccess []resourceAccess // requiredResourceAccess entries for other APIs, as Graph sent them
}

// spKey names a service principal: an app's instance in a tenant.
type spKey struct{ tenant, appID string }

type servicePrincipal struct {
	ID      string
	AppID   string
	Tenant  string
	Created time.Time
}

// roleGrant is an application permission granted to an app in a tenant.
type roleGrant struct {
	ID        string
	Tenant    string
	AppID     string
	Role      string // Graph app role value, e.g. "User.Read.All"
	Effective time.Time
	Created   time.Time
}

// scopeGrant is a delegated permission granted to an app in a tenant for one
// user or (User empty) for all users.
type scopeGrant struct {
	Tenant    string
	AppID     string
	User      string // user object ID; empty for all principals
	Scope     string
	Effective time.Time
}

type directory struct {
	tenants     map[string]*tenant // by ID
	tenantOrder []string
	domains     map[string]string // lower-cased domain -> ID
	apps        map[string]*app   // by client ID
	appOrder    []string
	sps         map[spKey]*servicePrincipal
	roleGrants  []roleGrant
	scopeGrants []scopeGrant
	codes       map[string]*authCode
	refresh     map[string]*refreshGrant
	session     string // object ID of the browser-session user; empty = none
	reports     map[string]*reportDownload
}

func newDirectory() *directory {
	return &directory{
		tenants: map[string]*tenant{},
		domains: map[string]string{},
		apps:    map[string]*app{},
		sps:     map[spKey]*servicePrincipal{},
		codes:   map[string]*authCode{},
		refresh: map[string]*refreshGrant{},
	}
}

// lookupTenant resolves a tenant GUID or verified domain, ignoring case.
func (d *directory) lookupTenant(idOrDomain string) *tenant {
	key := strings.ToLower(idOrDomain)
	if t, ok := d.tenants[key]; ok {
		return t
	}
	if id, ok := d.domains[key]; ok {
		return d.tenants[id]
	}
	return nil
}

func (d *directory) firstTenant() *tenant {
	if len(d.tenantOrder) == 0 {
		return nil
	}
	return d.tenants[d.tenantOrder[0]]
}

func (d *directory) userByOID(oid string) (*tenant, *User) {
	for _, id := range d.tenantOrder {
		t := d.tenants[id]
		if u, ok := t.byOID[oid]; ok {
			return t, u
		}
	}
	return nil, nil
}

func (d *directory) userByUPN(upn string) (*tenant, *User) {
	for _, id := range d.tenantOrder {
		t := d.tenants[id]
		if u, ok := t.users[strings.ToLower(upn)]; ok {
			return t, u
		}
	}
	return nil, nil
}

func (d *directory) sp(tenantID, appID string) *servicePrincipal {
	return d.sps[spKey{tenantID, strings.ToLower(appID)}]
}

func (d *directory) ensureSP(tenantID, appID string, now time.Time) *servicePrincipal {
	k := spKey{tenantID, strings.ToLower(appID)}
	if sp, ok := d.sps[k]; ok {
		return sp
	}
	sp := &servicePrincipal{ID: newGUID(), AppID: strings.ToLower(appID), Tenant: tenantID, Created: now}
	d.sps[k] = sp
	return sp
}

func (d *directory) spByID(id string) *servicePrincipal {
	for _, sp := range d.sps {
		if strings.EqualFold(sp.ID, id) {
			return sp
		}
	}
	return nil
}

// removeSP deletes the service principal of appID from a tenant, with the
// grants it held.
func (d *directory) removeSP(tenantID, appID string) {
	delete(d.sps, spKey{tenantID, strings.ToLower(appID)})
	kept := d.roleGrants[:0]
	for _, g := range d.roleGrants {
		if !(g.Tenant == tenantID && strings.EqualFold(g.AppID, appID)) {
			kept = append(kept, g)
		}
	}
	d.roleGrants = kept
	// its delegated grants go too, as client or as resource: a service
	// principal created again starts without consent, as in Graph
	scopes := d.scopeGrants[:0]
	for _, g := range d.scopeGrants {
		if !(g.Tenant == tenantID && (strings.EqualFold(g.AppID, appID) || strings.EqualFold(grantResource(g.Scope), appID))) {
			scopes = append(scopes, g)
		}
	}
	d.scopeGrants = scopes
}

// hasScopeGrant reports whether appID holds delegated scopes of Microsoft
// Graph in tenantID for user ("" for all principals); another API's are
// a grant of their own.
func (d *directory) hasScopeGrant(tenantID, appID, user string) bool {
	for _, g := range d.scopeGrants {
		if g.Tenant == tenantID && strings.EqualFold(g.AppID, appID) && g.User == user && grantResource(g.Scope) == GraphAppID {
			return true
		}
	}
	return false
}

// hasRole reports whether role is granted to appID in tenantID, in effect
// or not yet.
func (d *directory) hasRole(tenantID, appID, role string) bool {
	for _, g := range d.roleGrants {
		if g.Tenant == tenantID && strings.EqualFold(g.AppID, appID) && strings.EqualFold(g.Role, role) {
			return true
		}
	}
	return false
}

// rolesAt lists the Graph app roles granted to appID in tenantID that are in
// effect at now.
func (d *directory) rolesAt(tenantID, appID string, now time.Time) []string {
	var out []string
	for _, g := range d.roleGrants {
		if g.Tenant == tenantID && strings.EqualFold(g.AppID, appID) && !now.Before(g.Effective) {
			out = appendUnique(out, g.Role)
		}
	}
	return out
}

// scopesAt lists the delegated Graph scopes granted to appID for user (or all
// users) in tenantID that are in effect at now.
func (d *directory) scopesAt(tenantID, appID, userOID string, now time.Time) []string {
	var out []string
	for _, g := range d.scopeGrants {
		if g.Tenant == tenantID && strings.EqualFold(g.AppID, appID) && (g.User == "" || g.User == userOID) && !now.Before(g.Effective) {
			out = appendUnique(out, g.Scope)
		}
	}
	return out
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return list
		}
	}
	return append(list, v)
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// grantResource is the app ID of the API a scope grant's Scope is of, and
// the scope's value: Microsoft Graph's scopes are kept by value, another
// API's as "{app ID}/{value}" (grantKey).
func grantResource(scope string) string {
	if api, _, ok := strings.Cut(scope, "/"); ok {
		return api
	}
	return GraphAppID
}
