package graphauthtest

import (
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// delegatedAPI is a resource the fake issues delegated tokens for: Microsoft
// Graph, Azure Service Management or the Office 365 Management APIs.
type delegatedAPI struct {
	appID string
	name  string
	aud   string // the aud of its tokens when a scope names it by app ID
	// uris are the identifiers a scope may name the resource by, lower
	// case and without a trailing slash; the app ID is one too.
	uris []string
	// scopes are the delegated permissions the API exposes, and admin
	// those of them only an administrator may consent to. Graph's come
	// from the permission catalog instead.
	scopes, admin []string
}

func (a delegatedAPI) graph() bool { return a.appID == GraphAppID }

// delegatedAPIOf finds the API a resource identifier (App ID URI or app
// ID, with or without a trailing slash) names.
func delegatedAPIOf(resource string) (delegatedAPI, bool) {
	r := strings.TrimRight(strings.ToLower(resource), "/")
	for _, a := range delegatedAPIs() {
		if r == a.appID || containsFold(a.uris, r) {
			return a, true
		}
	}
	return delegatedAPI{}, false
}

func delegatedAPIs() []delegatedAPI {
	return []delegatedAPI{
		{appID: GraphAppID, name: "Microsoft Graph", aud: graphResource, uris: []string{graphResource}},
		{appID: AzureServiceManagementAppID, name: "Windows Azure Service Management API", aud: "https://management.core.windows.net/",
			uris:   []string{"https://management.core.windows.net", "https://management.azure.com"},
			scopes: []string{"user_impersonation"}},
		{appID: Office365ManagementAppID, name: "Office 365 Management APIs", aud: "https://manage.office.com",
			uris:   []string{"https://manage.office.com"},
			scopes: []string{"ActivityFeed.Read", "ActivityFeed.ReadDlp", "ServiceHealth.Read"},
			admin:  []string{"ActivityFeed.Read", "ActivityFeed.ReadDlp", "ServiceHealth.Read"}},
	}
}

// permission returns the API's spelling of a delegated scope, and whether
// it needs an administrator's consent.
func (a delegatedAPI) permission(value string) (name string, adminOnly, ok bool) {
	if a.graph() {
		p, ok := graphperm.ByValue(graphperm.Delegated, value)
		if !ok || !p.Enabled {
			return "", false, false
		}
		return p.Value, p.AdminConsent, true
	}
	for _, sc := range a.scopes {
		if strings.EqualFold(sc, value) {
			return sc, containsFold(a.admin, sc), true
		}
	}
	return "", false, false
}

// scopeRef is one delegated scope asked for: its API, the resource
// identifier as the request wrote it ("" for a Graph scope given by its
// short name), and the scope's value (or ".default").
type scopeRef struct {
	api   delegatedAPI
	res   string
	value string
}

// String is the scope as the platform writes it back in a token response:
// Graph's by short name, other resources' in full, as asked.
func (r scopeRef) String() string {
	if r.api.graph() && r.value != ".default" {
		return r.value
	}
	res := r.res
	if res == "" {
		res = graphResource
	}
	return res + "/" + r.value
}

// audience is the aud of the resource's tokens: the identifier the request
// named it by (ARM's keeps its trailing slash), else the API's own.
func (r scopeRef) audience() string {
	if r.api.graph() || r.res == "" || strings.EqualFold(r.res, r.api.appID) {
		return r.api.aud
	}
	return r.res
}

// scopeSet is a parsed scope parameter.
type scopeSet struct {
	oidc []string   // openid, profile, email, offline_access: lower case, once each
	refs []scopeRef // resource scopes, in the order asked, once each
}

// parseScopes reads a scope parameter. OpenID Connect scopes stand alone
// (also when prefixed with Graph's URI: they are Graph permissions); a
// short name is Graph's; anything else names its resource. A scope that
// cannot be read (a comma-joined list) is AADSTS70011, an unknown resource
// AADSTS500011 and a scope the resource does not expose AADSTS650053, as
// the platform answers; appName fills the latter's text.
func parseScopes(scope, appName string) (scopeSet, *oauthError) {
	var out scopeSet
	for _, sc := range strings.Fields(scope) {
		if malformedScope(sc) {
			return scopeSet{}, errf(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope)
		}
		res, value := "", sc
		if i := strings.LastIndex(sc, "/"); i > 0 {
			res, value = sc[:i], sc[i+1:]
		}
		api, ok := delegatedAPIs()[0], true
		if res != "" {
			api, ok = delegatedAPIOf(res)
		}
		if !ok {
			return scopeSet{}, errf(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant.", res)
		}
		if api.graph() && oidcScopes[strings.ToLower(value)] {
			out.oidc = appendUnique(out.oidc, strings.ToLower(value))
			continue
		}
		if value == ".default" {
			out.add(scopeRef{api: api, res: res, value: value})
			continue
		}
		name, _, ok := api.permission(value)
		if !ok {
			return scopeSet{}, errf(400, "invalid_client", 650053, "The application '%s' asked for scope '%s' that doesn't exist on the resource '%s'. Contact the app vendor.", appName, value, api.appID)
		}
		out.add(scopeRef{api: api, res: res, value: name})
	}
	return out, nil
}

// malformedScope reports a scope the platform cannot even read: a list
// joined with commas or semicolons, or a resource with no scope after it.
func malformedScope(sc string) bool {
	return strings.ContainsAny(sc, ",;") || strings.HasSuffix(sc, "/")
}

func (s *scopeSet) add(r scopeRef) {
	for _, x := range s.refs {
		if x.api.appID == r.api.appID && strings.EqualFold(x.value, r.value) {
			return
		}
	}
	s.refs = append(s.refs, r)
}

// apis lists the APIs the set names, in order.
func (s scopeSet) apis() []delegatedAPI {
	var out []delegatedAPI
	for _, r := range s.refs {
		if !containsAPI(out, r.api.appID) {
			out = append(out, r.api)
		}
	}
	return out
}

func containsAPI(list []delegatedAPI, appID string) bool {
	for _, a := range list {
		if a.appID == appID {
			return true
		}
	}
	return false
}

// of returns the scopes the set asks of one API, and whether it asks
// for .default there.
func (s scopeSet) of(appID string) (refs []scopeRef, dflt bool) {
	for _, r := range s.refs {
		if r.api.appID != appID {
			continue
		}
		if r.value == ".default" {
			dflt = true
			continue
		}
		refs = append(refs, r)
	}
	return refs, dflt
}

// strings is the set as scope values: OIDC scopes, then each resource
// scope as the response writes it.
func (s scopeSet) strings() []string {
	out := append([]string(nil), s.oidc...)
	for _, r := range s.refs {
		out = append(out, r.String())
	}
	return out
}

// errMultipleResources is the token endpoint's refusal of a scope that
// names more than one resource: a token is for one resource.
func errMultipleResources(scope string) *oauthError {
	return errf(400, "invalid_scope", 28000, "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", scope)
}

// grantKey is how a consented scope is stored: Graph's by value, another
// API's as "{app ID}/{value}".
func grantKey(api delegatedAPI, value string) string {
	if api.graph() {
		return value
	}
	return api.appID + "/" + value
}
