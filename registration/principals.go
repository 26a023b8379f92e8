package registration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/entrakit/entrakit/msgraph"
)

// ServicePrincipal is an app's instance in a tenant.
type ServicePrincipal struct {
	ID          string `json:"id"`
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName"`
	AppRoles    []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	} `json:"appRoles,omitempty"`
}

var (
	needAppRead   = []string{"Application.Read.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All", "Directory.Read.All"}
	needAppWrite  = []string{"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}
	needSPCreate  = []string{"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All", "Directory.ReadWrite.All"}
	needAssign    = []string{"AppRoleAssignment.ReadWrite.All"}
	needDelegated = []string{"DelegatedPermissionGrant.ReadWrite.All"}
)

func byAppID(appID string) string {
	return "/servicePrincipals(appId='" + url.PathEscape(appID) + "')"
}

// ServicePrincipal returns the service principal of appID in the tenant, or
// a *GraphError whose NotFound is true. Needs Application.Read.All.
func (c *Client) ServicePrincipal(ctx context.Context, appID string) (ServicePrincipal, error) {
	var sp ServicePrincipal
	err := c.do(ctx, "GET", byAppID(appID)+"?$select=id,appId,displayName,appRoles", nil, &sp, needAppRead...)
	return sp, err
}

// EnsureServicePrincipal returns the service principal of appID, creating it
// when the tenant has none: the fix for AADSTS700016 in an app's own tenant
// and for AADSTS500011/650052 when a resource such as Microsoft Graph is
// missing in a customer tenant. created reports whether it was made; one
// that another process created while this one looked is returned with
// created false. An application created moments before (CreateApp) that
// Graph does not see yet is waited for: the create is tried again, up to
// five times over about 15 seconds (ClientOptions.Retry's MinWait and
// MaxWait pace it), within ctx. Needs
// Application.ReadWrite.OwnedBy or Application.ReadWrite.All.
func (c *Client) EnsureServicePrincipal(ctx context.Context, appID string) (sp ServicePrincipal, created bool, err error) {
	sp, err = c.ServicePrincipal(ctx, appID)
	var ge *GraphError
	if !errors.As(err, &ge) || !ge.NotFound() {
		return sp, false, err
	}
	err = c.lag.retry(ctx, func() error {
		return c.do(ctx, "POST", "/servicePrincipals", map[string]string{"appId": appID}, &sp, needSPCreate...)
	}, appNotReplicated)
	if errors.As(err, &ge) && (ge.StatusCode == http.StatusConflict || ge.StatusCode == http.StatusBadRequest) {
		// Another replica or administrator created it since we looked:
		// Graph refuses the duplicate; the winner's is the one to use.
		if other, gerr := c.ServicePrincipal(ctx, appID); gerr == nil {
			return other, false, nil
		}
	}
	return sp, err == nil, err
}

// GrantAppRoles grants application permissions of a resource (by name, e.g.
// "User.Read.All" of Microsoft Graph) to the app clientAppID in the tenant:
// programmatic admin consent. Roles already granted are left alone; the
// client's service principal is created if needed. Needs
// AppRoleAssignment.ReadWrite.All and Application.Read.All. Tokens issued
// before the grant do not carry it: get a new one.
func (c *Client) GrantAppRoles(ctx context.Context, clientAppID, resourceAppID string, roles ...string) error {
	resource, err := c.ServicePrincipal(ctx, resourceAppID)
	if err != nil {
		return err
	}
	client, _, err := c.EnsureServicePrincipal(ctx, clientAppID)
	if err != nil {
		return err
	}
	have, err := c.assignedRoleIDs(ctx, client.ID)
	if err != nil {
		return err
	}
	for _, role := range roles {
		id := ""
		for _, r := range resource.AppRoles {
			if strings.EqualFold(r.Value, role) {
				id = r.ID
			}
		}
		if id == "" {
			if strings.EqualFold(resourceAppID, MicrosoftGraphAppID) {
				if _, err := GraphPermission(ApplicationPermission, role); err != nil {
					return err
				}
			}
			return fmt.Errorf("registration: %s has no application permission %q", resource.DisplayName, role)
		}
		if have[strings.ToLower(id)] {
			continue
		}
		body := map[string]string{"principalId": client.ID, "resourceId": resource.ID, "appRoleId": id}
		if err := c.do(ctx, "POST", "/servicePrincipals/"+url.PathEscape(resource.ID)+"/appRoleAssignedTo", body, nil, needAssign...); err != nil && !assignedAlready(err) {
			return err
		}
	}
	return nil
}

// assignedAlready reports Graph's refusal of an app role assignment that
// exists (400, "Permission being assigned already exists on the
// object."): another replica or an administrator granted the role since
// the assignments were read, which is what was wanted.
func assignedAlready(err error) bool {
	var ge *GraphError
	return errors.As(err, &ge) && ge.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(ge.Message), "already exists on the object")
}

// AppRoleAssignment is an application permission granted to a service
// principal.
type AppRoleAssignment struct {
	ID                  string `json:"id"`
	AppRoleID           string `json:"appRoleId"`
	PrincipalID         string `json:"principalId"`
	ResourceID          string `json:"resourceId"`
	ResourceDisplayName string `json:"resourceDisplayName"`
}

// AppRoleAssignments lists the application permissions granted to the app
// clientAppID in the tenant. Needs Application.Read.All.
func (c *Client) AppRoleAssignments(ctx context.Context, clientAppID string) ([]AppRoleAssignment, error) {
	var out []AppRoleAssignment
	for a, err := range msgraph.All[AppRoleAssignment](ctx, c.g, byAppID(clientAppID)+"/appRoleAssignments") {
		if err != nil {
			var ge *GraphError
			if errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden {
				ge.Required = needAppRead
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (c *Client) assignedRoleIDs(ctx context.Context, principalID string) (map[string]bool, error) {
	have := map[string]bool{}
	for a, err := range msgraph.All[AppRoleAssignment](ctx, c.g, "/servicePrincipals/"+url.PathEscape(principalID)+"/appRoleAssignments?$top=999") {
		if err != nil {
			var ge *GraphError
			if errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden {
				ge.Required = needAppRead
			}
			return nil, err
		}
		have[strings.ToLower(a.AppRoleID)] = true
	}
	return have, nil
}

// GrantDelegated grants delegated permissions of a resource (e.g. "User.Read
// Mail.Send" of Microsoft Graph) to the app clientAppID: for every user when
// userID is empty, else for that user. When a grant exists already (an
// administrator consented, or an earlier call), the scopes are added to it,
// as Graph keeps one grant per client, resource and principal. Each scope
// names one permission: an empty one, or one holding a space, is refused.
// Needs DelegatedPermissionGrant.ReadWrite.All and Application.Read.All.
func (c *Client) GrantDelegated(ctx context.Context, clientAppID, resourceAppID, userID string, scopes ...string) error {
	for _, s := range scopes {
		// a grant's scope is space-separated: "read admin" would grant
		// two permissions of an API whose names are not checked here
		if s == "" || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			return fmt.Errorf("registration: scope %q is not one permission: name each scope on its own", clipScope(s))
		}
	}
	if strings.EqualFold(resourceAppID, MicrosoftGraphAppID) {
		for _, s := range scopes {
			if _, err := GraphPermission(DelegatedPermission, s); err != nil {
				return err
			}
		}
	}
	resource, err := c.ServicePrincipal(ctx, resourceAppID)
	if err != nil {
		return err
	}
	client, _, err := c.EnsureServicePrincipal(ctx, clientAppID)
	if err != nil {
		return err
	}
	body := map[string]any{"clientId": client.ID, "consentType": "AllPrincipals", "resourceId": resource.ID, "scope": strings.Join(scopes, " ")}
	if userID != "" {
		body["consentType"], body["principalId"] = "Principal", userID
	}
	err = c.do(ctx, "POST", "/oauth2PermissionGrants", body, nil, needDelegated...)
	if !grantExists(err) {
		return err
	}
	// Graph keeps one grant per client, resource and principal: an
	// administrator's consent or an earlier call made it; add the scopes
	// to it. Graph offers no ETag on a grant, so another writer's PATCH
	// between this read and this PATCH can overwrite the scopes added:
	// they are read back, and added again if they went.
	for try := 0; try < grantTries; try++ {
		existing, ferr := c.delegatedGrant(ctx, client.ID, resource.ID, userID)
		switch {
		case ferr != nil && try == 0:
			return err
		case ferr != nil:
			return ferr
		case existing.ID == "":
			return err
		}
		held := strings.Fields(existing.Scope)
		merged := held
		for _, s := range scopes {
			if !containsFold(merged, s) {
				merged = append(merged, s)
			}
		}
		if len(merged) == len(held) {
			return nil
		}
		if err := c.do(ctx, "PATCH", "/oauth2PermissionGrants/"+url.PathEscape(existing.ID), map[string]string{"scope": strings.Join(merged, " ")}, nil, needDelegated...); err != nil {
			return err
		}
	}
	return nil
}

// clipScope keeps a scope quoted in an error short.
func clipScope(s string) string {
	if len(s) > 100 {
		return strings.ToValidUTF8(s[:100], "") + "…"
	}
	return s
}

// grantTries bounds GrantDelegated's read and PATCH of a grant that
// another writer changes at the same time.
const grantTries = 3

// grantExists reports Graph's refusal of a second delegated grant for the
// same client, resource and principal (400 "Permission entry already
// exists."; some tenants answer 409).
func grantExists(err error) bool {
	var ge *GraphError
	return errors.As(err, &ge) && (ge.StatusCode == http.StatusBadRequest || ge.StatusCode == http.StatusConflict) &&
		strings.Contains(strings.ToLower(ge.Message), "permission entry already exists")
}

// oauth2PermissionGrant is a delegated grant as Graph lists it.
type oauth2PermissionGrant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

// delegatedGrant finds the grant of client's service principal to resource
// for userID ("" for all principals); a zero grant when there is none.
func (c *Client) delegatedGrant(ctx context.Context, clientSP, resourceSP, userID string) (oauth2PermissionGrant, error) {
	for g, err := range msgraph.All[oauth2PermissionGrant](ctx, c.g, "/oauth2PermissionGrants?$filter=clientId eq '"+url.PathEscape(clientSP)+"'") {
		if err != nil {
			return oauth2PermissionGrant{}, err
		}
		all := userID == "" && strings.EqualFold(g.ConsentType, "AllPrincipals")
		one := userID != "" && strings.EqualFold(g.ConsentType, "Principal") && strings.EqualFold(g.PrincipalID, userID)
		// the filter is Graph's to apply; whose grant it is is checked
		// here too, so that another app's is never widened
		if strings.EqualFold(g.ClientID, clientSP) && strings.EqualFold(g.ResourceID, resourceSP) && (all || one) {
			return g, nil
		}
	}
	return oauth2PermissionGrant{}, nil
}

// GrantPermissionSet grants the app clientAppID the Microsoft Graph
// permissions of set in the tenant: its app roles for an application set
// (as GrantAppRoles), or, for a delegated one, consent for every user (as
// GrantDelegated with no user ID).
func (c *Client) GrantPermissionSet(ctx context.Context, clientAppID string, set PermissionSet) error {
	if len(set.Permissions) == 0 {
		return nil
	}
	if set.Scheme == SchemeApplication {
		return c.GrantAppRoles(ctx, clientAppID, MicrosoftGraphAppID, set.Names()...)
	}
	return c.GrantDelegated(ctx, clientAppID, MicrosoftGraphAppID, "", set.Names()...)
}
