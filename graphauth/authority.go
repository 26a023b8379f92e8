package graphauth

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/entrakit/entrakit/internal/ids"
)

// EndpointVersion is the version of the identity platform's endpoints that
// a pasted URL names.
type EndpointVersion int

// The endpoint versions.
const (
	// EndpointUnspecified: the text names no endpoint (a tenant ID, a
	// domain, or an authority URL such as https://login.microsoftonline.com/{tenant}).
	EndpointUnspecified EndpointVersion = iota
	// EndpointV1: /oauth2/token and /oauth2/authorize, which take a
	// resource (resource=https://graph.microsoft.com) instead of scopes.
	EndpointV1
	// EndpointV2: /oauth2/v2.0/token and /oauth2/v2.0/authorize, which
	// take scopes (https://graph.microsoft.com/.default).
	EndpointV2
)

// String returns "v1", "v2" or "unspecified".
func (v EndpointVersion) String() string {
	switch v {
	case EndpointV1:
		return "v1"
	case EndpointV2:
		return "v2"
	}
	return "unspecified"
}

// Authority is what a tenant ID or a pasted identity platform URL says:
// which cloud, which tenant, and which endpoint version.
type Authority struct {
	// Cloud is the cloud whose authority host the URL names; the zero
	// Cloud for a bare tenant ID or domain, which names none.
	Cloud Cloud
	// TenantID is the tenant GUID or domain as written (lower case), or
	// "common", "organizations" or "consumers" for a multi-tenant URL.
	TenantID string
	// Version is the endpoint version the URL names.
	Version EndpointVersion
	// Endpoint names the endpoint: "token", "authorize", "devicecode",
	// "adminconsent", "openid-configuration", "keys", or "" for an
	// authority URL or a bare tenant.
	Endpoint string
}

// hostClouds maps the authority hosts of Microsoft's clouds, including
// the older aliases that still answer, to the cloud.
var hostClouds = map[string]Cloud{
	"login.microsoftonline.com":        AzurePublic,
	"login.windows.net":                AzurePublic,
	"login.microsoft.com":              AzurePublic,
	"sts.windows.net":                  AzurePublic,
	"login.microsoftonline.us":         AzureGovernment,
	"login.usgovcloudapi.net":          AzureGovernment,
	"login-us.microsoftonline.com":     AzureGovernment,
	"login.partner.microsoftonline.cn": AzureChina,
	"login.chinacloudapi.cn":           AzureChina,
}

// endpoints maps the path after the tenant to its version and name.
var endpoints = map[string]struct {
	v    EndpointVersion
	name string
}{
	"":                                      {EndpointUnspecified, ""},
	"v2.0":                                  {EndpointV2, ""},
	"oauth2/token":                          {EndpointV1, "token"},
	"oauth2/authorize":                      {EndpointV1, "authorize"},
	"oauth2/devicecode":                     {EndpointV1, "devicecode"},
	"oauth2/v2.0/token":                     {EndpointV2, "token"},
	"oauth2/v2.0/authorize":                 {EndpointV2, "authorize"},
	"oauth2/v2.0/devicecode":                {EndpointV2, "devicecode"},
	"adminconsent":                          {EndpointV1, "adminconsent"},
	"v2.0/adminconsent":                     {EndpointV2, "adminconsent"},
	".well-known/openid-configuration":      {EndpointV1, "openid-configuration"},
	"v2.0/.well-known/openid-configuration": {EndpointV2, "openid-configuration"},
	"discovery/keys":                        {EndpointV1, "keys"},
	"discovery/v2.0/keys":                   {EndpointV2, "keys"},
}

// ParseAuthority reads what an administrator pasted where a tenant is
// asked for: a tenant GUID or domain, an authority URL
// (https://login.microsoftonline.com/{tenant}), a v1 or v2 token or
// authorize URL (…/{tenant}/oauth2/token, …/{tenant}/oauth2/v2.0/token),
// an admin consent URL, or an OpenID configuration or keys URL, on any of
// Microsoft's clouds (public, US Government, China; the hosts'
// older aliases such as login.windows.net too). The scheme may be left
// out for a Microsoft host; a query or fragment is ignored. US Government
// L4 and L5 (DoD) share login.microsoftonline.us: its URLs read as
// AzureGovernment, and a DoD tenant sets Options.Cloud to
// AzureGovernmentDoD, which NewCredential keeps. custom adds
// clouds whose AuthorityHost is accepted as well, such as a private
// deployment or the fake platform of package graphauthtest.
//
// Quotes, backticks, angle brackets, a GUID's braces and a trailing slash
// around what was pasted are taken off.
//
// Anything else is a *ConfigError that says what was found and what to
// paste instead: an http URL, another host (Microsoft Graph's, Azure
// Resource Manager's, a portal's — naming the directory a portal address
// shows after #@ —, External ID's ciamlogin.com, B2C's b2clogin.com,
// Microsoft Cloud Deutschland's named as closed), with or without its
// scheme, a path that is no identity platform endpoint, a template's
// placeholder ({tenant}), or a tenant that is neither a GUID nor a domain.
func ParseAuthority(s string, custom ...Cloud) (Authority, error) {
	s = trimPasted(s)
	if s == "" {
		return Authority{}, authorityError("is empty: paste the directory (tenant) ID or the app's Token URL")
	}
	if bare := strings.TrimRight(s, "/"); bare != "" && !strings.ContainsAny(bare, "/:#?") {
		// A tenant or a host alone, perhaps with the slash a copied
		// address ends with.
		if c, ok := hostClouds[strings.ToLower(bare)]; ok {
			return Authority{}, authorityError("is the authority host alone and names no tenant: paste " + c.AuthorityHost + "/{tenant}/oauth2/v2.0/token or the tenant ID")
		}
		if why, ok := misplacedHost(strings.ToLower(strings.TrimSuffix(bare, ".")), ""); ok {
			return Authority{}, authorityError(why)
		}
		if err := tenantSegment(bare); err != nil {
			return Authority{}, err
		}
		return Authority{TenantID: strings.ToLower(bare)}, nil
	}
	if !strings.Contains(s, "://") {
		// An address copied without its scheme: read it as https when
		// its host is one of Microsoft's, so that a misplaced one is
		// named too.
		host, _, _ := strings.Cut(s, "/")
		host, _, _ = strings.Cut(host, "#")
		host, _, _ = strings.Cut(host, "?")
		host = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(host, ":443")), ".")
		_, known := hostClouds[host]
		if _, misplaced := misplacedHost(host, ""); !known && !misplaced {
			return Authority{}, authorityError("is neither a tenant ID, a domain nor an https URL of the identity platform")
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Authority{}, authorityError("is not a URL the identity platform serves: paste the app's Token URL or the tenant ID")
	}
	cloud, err := cloudOfHost(u, custom)
	if err != nil {
		return Authority{}, err
	}
	tenant, rest, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if tenant == "" {
		return Authority{}, authorityError("names no tenant: the URL should read " + cloud.AuthorityHost + "/{tenant}/oauth2/v2.0/token")
	}
	if err := tenantSegment(tenant); err != nil {
		return Authority{}, err
	}
	ep, ok := endpoints[strings.ToLower(strings.TrimSuffix(rest, "/"))]
	if !ok {
		return Authority{}, authorityError("has the path /" + printable(rest, 80) +
			" after the tenant, which is no identity platform endpoint: paste the Token URL (…/oauth2/v2.0/token or …/oauth2/token)")
	}
	return Authority{Cloud: cloud, TenantID: strings.ToLower(tenant), Version: ep.v, Endpoint: ep.name}, nil
}

// cloudOfHost finds the cloud of u's host, which must be served over https.
func cloudOfHost(u *url.URL, custom []Cloud) (Cloud, error) {
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	for _, c := range custom {
		if c.AuthorityHost != "" && strings.EqualFold(strings.TrimSuffix(c.AuthorityHost, "/"), origin) {
			return c, nil
		}
	}
	if u.Scheme != "https" {
		return Cloud{}, authorityError("uses " + printable(u.Scheme, 10) + ": the identity platform is served over https only")
	}
	if u.User == nil && ids.IsLoopbackHost(u.Hostname()) {
		return Cloud{}, authorityError("is on a loopback address, such as a fake platform's (fakeentra): name its host as the authority host " +
			"(AZURE_AUTHORITY_HOST, Options.AuthorityHost, or a custom Cloud passed to ParseAuthority)")
	}
	if u.User != nil || u.Port() != "" && u.Port() != "443" {
		return Cloud{}, authorityError("is not an identity platform URL (it has a user or a port)")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".") // "login.microsoftonline.com." is the same host
	if c, ok := hostClouds[host]; ok {
		return c, nil
	}
	if why, ok := misplacedHost(host, u.Fragment); ok {
		return Cloud{}, authorityError(why)
	}
	if host == "login.microsoftonline.de" {
		return Cloud{}, authorityError("names Microsoft Cloud Deutschland, which closed in October 2021: its tenants moved to " + AzurePublic.AuthorityHost)
	}
	return Cloud{}, authorityError("names the host " + printable(host, 80) + ", which is no Microsoft identity platform host (such as login.microsoftonline.com)")
}

// misplacedHost recognises the Microsoft hosts that get pasted where the
// identity platform's is wanted, and says what to paste instead. fragment
// is the pasted URL's: a portal's shows the signed-in directory there
// (#@contoso.onmicrosoft.com/…), which the answer names.
func misplacedHost(host, fragment string) (string, bool) {
	const tenantID = "paste the Directory (tenant) ID from the app's Overview page, or its Token URL (Endpoints, on the same page)"
	switch host {
	case "graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn", "graph.windows.net":
		return "is Microsoft Graph's address, where tokens are used, not the identity platform's, where they come from: " + tenantID, true
	case "management.azure.com", "management.usgovcloudapi.net", "management.chinacloudapi.cn":
		return "is Azure Resource Manager's address, where tokens are used, not the identity platform's, where they come from: " + tenantID, true
	case "portal.azure.com", "portal.azure.us", "portal.azure.cn", "entra.microsoft.com", "admin.microsoft.com",
		"intune.microsoft.com", "endpoint.microsoft.com", "security.microsoft.com", "myapps.microsoft.com", "myaccount.microsoft.com":
		return "is a portal's address, not the identity platform's: " + portalDirectory(fragment) + tenantID, true
	}
	switch {
	case strings.HasSuffix(host, ".portal.azure.com"): // aad., ms., preview.
		return "is a portal's address, not the identity platform's: " + portalDirectory(fragment) + tenantID, true
	case strings.HasSuffix(host, ".ciamlogin.com"):
		return "is a sign-in host of Microsoft Entra External ID (ciamlogin.com), for customers' user flows: for the external tenant's app-only tokens " + tenantID, true
	case strings.HasSuffix(host, ".b2clogin.com"):
		return "is an Azure AD B2C user-flow host (b2clogin.com): Microsoft Graph takes a B2C tenant's app-only tokens from " + AzurePublic.AuthorityHost + "; paste the tenant ID or its .onmicrosoft.com domain", true
	}
	return "", false
}

// portalDirectory names the directory a portal address shows after "#@"
// (the one its user was signed in to), for an error to suggest, or warns
// that the GUID of an app's page (…/appId/{guid}/…) is not the tenant's;
// "" when it shows neither.
func portalDirectory(fragment string) string {
	dir, ok := strings.CutPrefix(fragment, "@")
	if !ok {
		if strings.Contains(strings.ToLower(fragment), "/appid/") {
			return "the GUID after appId in it is the app's Application (client) ID, not its tenant's; "
		}
		return ""
	}
	dir, _, _ = strings.Cut(dir, "/")
	if dir == "" || tenantSegment(dir) != nil {
		return ""
	}
	return "it shows the directory " + strings.ToLower(dir) + ", which you can paste if the app is registered there; otherwise "
}

// tenantSegment checks the tenant part of an authority.
func tenantSegment(t string) error {
	switch strings.ToLower(t) {
	case "common", "organizations", "consumers":
		return nil
	}
	if ids.IsGUID(t) || ids.IsDomain(t) && !numericTLD(t) {
		return nil
	}
	if strings.ContainsAny(t, "{}<>[]") {
		// The documentation's template ({tenant}, <tenant-id>) pasted
		// as it is written.
		return authorityError("names the placeholder " + quote(printable(t, 80)) + ", which is neither a GUID nor a domain name: replace it with the Directory (tenant) ID from the app's Overview page")
	}
	return authorityError("names the tenant " + quote(printable(t, 80)) + ", which is neither a GUID nor a domain name")
}

func authorityError(reason string) *ConfigError {
	return &ConfigError{Field: "TenantID", Reason: reason}
}

// trimPasted removes what a paste carries around the text: spaces, the
// invisible characters (zero-width spaces, byte order marks, direction
// marks) that chat and word processors add, which would otherwise end up
// in the tenant or the path, unseen in the error that refuses them, and
// one pair of quotes or angle brackets around it.
func trimPasted(s string) string {
	trim := func(s string) string {
		return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
	}
	s = trim(s)
	// A URL quoted in a document, wrapped in <> by a mail client or in
	// backticks by a chat's inline code, or a GUID in the braces of the
	// registry and PowerShell ({…}).
	for _, pair := range [][2]string{{`"`, `"`}, {"'", "'"}, {"<", ">"}, {"“", "”"}, {"‘", "’"}, {"`", "`"}, {"{", "}"}} {
		if len(s) > len(pair[0])+len(pair[1]) && strings.HasPrefix(s, pair[0]) && strings.HasSuffix(s, pair[1]) {
			inner := trim(s[len(pair[0]) : len(s)-len(pair[1])])
			if pair[0] == "{" && !ids.IsGUID(inner) {
				return s // a placeholder such as {tenant}, refused as written
			}
			return inner
		}
	}
	return s
}

// printable is s cut to n bytes, valid UTF-8 on one line, for an error;
// control and invisible format characters show as '?'.
func printable(s string, n int) string {
	return clip(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?")), n)
}

// numericTLD reports a name whose last label is all digits ("v1.0"): no
// top-level domain is.
func numericTLD(name string) bool {
	tld := name[strings.LastIndexByte(name, '.')+1:]
	return strings.Trim(tld, "0123456789") == ""
}
