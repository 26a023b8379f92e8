package registration

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/entrakit/entrakit/internal/ids"
)

// Audience is who can sign in to an app (signInAudience).
type Audience string

// The sign-in audiences.
const (
	AudienceMyOrg                   Audience = "AzureADMyOrg"                       // single tenant
	AudienceMultipleOrgs            Audience = "AzureADMultipleOrgs"                // any Microsoft Entra tenant
	AudienceMultipleOrgsAndPersonal Audience = "AzureADandPersonalMicrosoftAccount" // and personal accounts
	AudiencePersonal                Audience = "PersonalMicrosoftAccount"
)

// App is an app registration as a product needs it: a name, an audience,
// redirect URIs per platform, and the permissions it requires.
type App struct {
	DisplayName    string
	SignInAudience Audience // empty means AudienceMyOrg
	// Redirect URIs per platform. Web and SPA URIs must be https, except
	// loopback (http://localhost); public-client URIs may also use a custom
	// scheme.
	WebRedirectURIs          []string
	SPARedirectURIs          []string
	PublicClientRedirectURIs []string
	// Permissions are the Microsoft Graph permissions the app requires.
	Permissions []Permission
	// OtherAccess lists required permissions of other resources, as raw
	// entries.
	OtherAccess []RequiredResourceAccess
}

// RequiredResourceAccess is one entry of an application's
// requiredResourceAccess, exactly as the manifest and Microsoft Graph hold
// it. Declaring a permission here grants nothing: consent does.
type RequiredResourceAccess struct {
	ResourceAppID  string           `json:"resourceAppId"`
	ResourceAccess []ResourceAccess `json:"resourceAccess"`
}

// ResourceAccess is one required permission: its ID, and "Role" for an
// application permission or "Scope" for a delegated one.
type ResourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// ResolveGraphPermissions resolves names to permissions, application roles first
// then delegated scopes, stopping at the first unknown name
// (*UnknownPermissionError).
func ResolveGraphPermissions(roles, scopes []string) ([]Permission, error) {
	var out []Permission
	for _, set := range []struct {
		kind  Kind
		names []string
	}{{ApplicationPermission, roles}, {DelegatedPermission, scopes}} {
		for _, n := range set.names {
			p, err := GraphPermission(set.kind, n)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// RequiredResourceAccess renders the app's required permissions: one entry
// for Microsoft Graph (roles, then scopes, in the order given) followed by
// OtherAccess.
func (a App) RequiredResourceAccess() []RequiredResourceAccess {
	var out []RequiredResourceAccess
	if len(a.Permissions) > 0 {
		graph := RequiredResourceAccess{ResourceAppID: MicrosoftGraphAppID}
		for _, p := range a.Permissions {
			typ := "Scope"
			if p.Kind == ApplicationPermission {
				typ = "Role"
			}
			graph.ResourceAccess = append(graph.ResourceAccess, ResourceAccess{ID: p.ID, Type: typ})
		}
		out = append(out, graph)
	}
	return append(out, a.OtherAccess...)
}

// ParseRequiredResourceAccess reads a requiredResourceAccess array (from a
// manifest or Graph) and returns the Microsoft Graph permissions it names
// and the entries for other resources. Unknown Graph IDs, malformed GUIDs
// and types other than Role and Scope are errors.
func ParseRequiredResourceAccess(data []byte) (graph []Permission, other []RequiredResourceAccess, err error) {
	var rra []RequiredResourceAccess
	if err := json.Unmarshal(data, &rra); err != nil {
		return nil, nil, fmt.Errorf("registration: requiredResourceAccess is not a JSON array of entries: %w", err)
	}
	for i, r := range rra {
		if !ids.IsGUID(r.ResourceAppID) {
			return nil, nil, fmt.Errorf("registration: requiredResourceAccess[%d].resourceAppId %q is not a GUID", i, r.ResourceAppID)
		}
		for j, acc := range r.ResourceAccess {
			kind, ok := map[string]Kind{"Role": ApplicationPermission, "Scope": DelegatedPermission}[acc.Type]
			if !ok || !ids.IsGUID(acc.ID) {
				return nil, nil, fmt.Errorf("registration: requiredResourceAccess[%d].resourceAccess[%d] needs a GUID id and type Role or Scope", i, j)
			}
			if !strings.EqualFold(r.ResourceAppID, MicrosoftGraphAppID) {
				continue
			}
			p, ok := GraphPermissionByID(kind, acc.ID)
			if !ok {
				return nil, nil, fmt.Errorf("registration: requiredResourceAccess[%d].resourceAccess[%d]: %s is not a Microsoft Graph %s permission", i, j, acc.ID, strings.ToLower(kind.String()))
			}
			graph = append(graph, p)
		}
		if !strings.EqualFold(r.ResourceAppID, MicrosoftGraphAppID) {
			other = append(other, r)
		}
	}
	return graph, other, nil
}

// Validate checks the app before it is created: a name, a known audience,
// redirect URIs that are absolute and https (loopback http allowed, custom
// schemes for public clients), and enabled permissions.
func (a App) Validate() error {
	if strings.TrimSpace(a.DisplayName) == "" {
		return fmt.Errorf("registration: the app needs a DisplayName")
	}
	switch a.SignInAudience {
	case "", AudienceMyOrg, AudienceMultipleOrgs, AudienceMultipleOrgsAndPersonal, AudiencePersonal:
	default:
		return fmt.Errorf("registration: SignInAudience %q is not one of AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount", a.SignInAudience)
	}
	for _, set := range []struct {
		name   string
		uris   []string
		custom bool
	}{{"web", a.WebRedirectURIs, false}, {"SPA", a.SPARedirectURIs, false}, {"public client", a.PublicClientRedirectURIs, true}} {
		for _, u := range set.uris {
			if err := checkRedirect(u, set.custom); err != nil {
				return fmt.Errorf("registration: %s redirect URI %q %w", set.name, u, err)
			}
		}
	}
	for _, p := range a.Permissions {
		if !p.Enabled {
			return fmt.Errorf("registration: the Microsoft Graph permission %s is disabled and cannot be requested", p.Value)
		}
	}
	return nil
}

func checkRedirect(raw string, allowCustom bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("is not an absolute URI")
	}
	if u.Fragment != "" {
		return fmt.Errorf("must not have a fragment")
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && ids.IsLoopbackHost(u.Hostname()):
		return nil
	case allowCustom && u.Scheme != "http" && u.Scheme != "https":
		return nil
	}
	return fmt.Errorf("must use https (http only for localhost, 127.0.0.1 or [::1])")
}
