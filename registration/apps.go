package registration

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/ids"
)

// Application is an app registration as Microsoft Graph returns it.
type Application struct {
	ObjectID               string                   `json:"id"`
	AppID                  string                   `json:"appId"`
	DisplayName            string                   `json:"displayName"`
	SignInAudience         Audience                 `json:"signInAudience"`
	RequiredResourceAccess []RequiredResourceAccess `json:"requiredResourceAccess"`
	PasswordCredentials    []PasswordCredential     `json:"passwordCredentials"`
	KeyCredentials         []KeyCredential          `json:"keyCredentials"`
}

// PasswordCredential is a client secret as Graph lists it: never its value,
// except in the answer to AddPassword.
type PasswordCredential struct {
	KeyID         string           `json:"keyId"`
	DisplayName   string           `json:"displayName"`
	Hint          string           `json:"hint"` // the first characters of the value
	StartDateTime time.Time        `json:"startDateTime"`
	EndDateTime   time.Time        `json:"endDateTime"`
	SecretText    graphauth.Secret `json:"secretText,omitempty"`
}

type platform struct {
	RedirectURIs []string `json:"redirectUris"`
}

// CreateApp registers app in the tenant and returns it. The calling app
// becomes its owner, which Application.ReadWrite.OwnedBy needs to manage it
// later. It does not create the service principal (EnsureServicePrincipal
// does) and grants nothing. For two minutes after, this client's calls on
// the new application (AddPassword, AddCertificate, Application, …) take
// a 404 for replication lag and try again, as EnsureServicePrincipal does.
// Needs Application.ReadWrite.OwnedBy or Application.ReadWrite.All.
func (c *Client) CreateApp(ctx context.Context, app App) (Application, error) {
	if err := app.Validate(); err != nil {
		return Application{}, err
	}
	audience := app.SignInAudience
	if audience == "" {
		audience = AudienceMyOrg
	}
	body := map[string]any{
		"displayName":            app.DisplayName,
		"signInAudience":         audience,
		"requiredResourceAccess": app.RequiredResourceAccess(),
		"web":                    platform{nonNil(app.WebRedirectURIs)},
		"spa":                    platform{nonNil(app.SPARedirectURIs)},
		"publicClient":           platform{nonNil(app.PublicClientRedirectURIs)},
	}
	var out Application
	err := c.do(ctx, "POST", "/applications", body, &out, needAppWrite...)
	if err == nil {
		c.lag.remember(out)
	}
	return out, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func appPath(objectID string) string { return "/applications/" + url.PathEscape(objectID) }

// Application returns an app registration by its object ID, with its
// credentials (keyCredentials with their public keys). Needs
// Application.Read.All, or ownership with Application.ReadWrite.OwnedBy.
//
// An object ID that Graph does not know (404) is looked up once more as a
// client ID, the ID administrators paste in its place: when it is one, the
// error (still the *GraphError) names the app and its object ID.
func (c *Client) Application(ctx context.Context, objectID string) (Application, error) {
	var out Application
	err := c.do(ctx, "GET", appPath(objectID)+"?$select=id,appId,displayName,signInAudience,requiredResourceAccess,passwordCredentials,keyCredentials", nil, &out, needAppRead...)
	var ge *GraphError
	if errors.As(err, &ge) && ge.StatusCode == http.StatusNotFound && ids.IsGUID(objectID) {
		if app, e := c.ApplicationByAppID(ctx, objectID); e == nil && app.ObjectID != "" {
			return Application{}, fmt.Errorf("registration: %s is the Application (client) ID of app %q, not its Object ID, which is %s "+
				"(both are on the app registration's Overview page): %w", objectID, app.DisplayName, app.ObjectID, err)
		}
	}
	return out, err
}

// AddPassword creates a client secret on the app and returns it with its
// value, which Graph shows only this once: store it at once. A zero end
// means Graph's default (two years). Needs Application.ReadWrite.OwnedBy or
// Application.ReadWrite.All.
func (c *Client) AddPassword(ctx context.Context, objectID, displayName string, end time.Time) (PasswordCredential, error) {
	pc := map[string]any{"displayName": displayName}
	if !end.IsZero() {
		pc["endDateTime"] = end.UTC().Format(time.RFC3339)
	}
	var out PasswordCredential
	err := c.do(ctx, "POST", appPath(objectID)+"/addPassword", map[string]any{"passwordCredential": pc}, &out, needAppWrite...)
	if err == nil && out.SecretText == "" {
		err = errors.New("registration: Graph answered addPassword without the secret's value")
	}
	return out, err
}

// AddCertificate registers cert on the app, keeping the certificates it
// already has (a PATCH of keyCredentials replaces the whole collection).
// Adding a certificate that is already registered does nothing. Needs
// Application.ReadWrite.OwnedBy or Application.ReadWrite.All.
func (c *Client) AddCertificate(ctx context.Context, objectID string, cert *x509.Certificate, displayName string) (KeyCredential, error) {
	app, err := c.Application(ctx, objectID)
	if err != nil {
		return KeyCredential{}, err
	}
	if k, ok := MatchRegistered(cert, app.KeyCredentials); ok {
		return k, nil
	}
	added := NewKeyCredential(cert, displayName)
	keys := append(app.KeyCredentials, added)
	if err := c.do(ctx, "PATCH", appPath(objectID), map[string]any{"keyCredentials": keys}, nil, needAppWrite...); err != nil {
		return KeyCredential{}, err
	}
	return added, nil
}

// CredentialInfo is one credential of an app with its validity.
type CredentialInfo struct {
	Kind        string // "secret" or "certificate"
	KeyID       string
	DisplayName string
	Hint        string // secrets: the first characters of the value
	Thumbprint  string // certificates: SHA-1, upper-case hex
	Start, End  time.Time
}

// Expired reports whether the credential has ended at now.
func (ci CredentialInfo) Expired(now time.Time) bool { return !now.Before(ci.End) }

// ExpiresWithin reports whether the credential ends within d of now.
func (ci CredentialInfo) ExpiresWithin(now time.Time, d time.Duration) bool {
	return now.Add(d).After(ci.End)
}

// Credentials lists the app's secrets and certificates with their validity,
// for expiry warnings. Needs what Application needs.
func (c *Client) Credentials(ctx context.Context, objectID string) ([]CredentialInfo, error) {
	app, err := c.Application(ctx, objectID)
	if err != nil {
		return nil, err
	}
	var out []CredentialInfo
	for _, p := range app.PasswordCredentials {
		out = append(out, CredentialInfo{Kind: "secret", KeyID: p.KeyID, DisplayName: p.DisplayName, Hint: p.Hint, Start: p.StartDateTime, End: p.EndDateTime})
	}
	for _, k := range app.KeyCredentials {
		ci := CredentialInfo{Kind: "certificate", KeyID: k.KeyID, DisplayName: k.DisplayName, Thumbprint: k.Thumbprint()}
		if k.StartDateTime != nil {
			ci.Start = *k.StartDateTime
		}
		if k.EndDateTime != nil {
			ci.End = *k.EndDateTime
		}
		out = append(out, ci)
	}
	return out, nil
}

// ApplicationByAppID returns an app registration by its application (client)
// ID. Needs what Application needs.
func (c *Client) ApplicationByAppID(ctx context.Context, appID string) (Application, error) {
	var out Application
	err := c.do(ctx, "GET", "/applications(appId='"+url.PathEscape(appID)+"')?$select=id,appId,displayName,signInAudience,requiredResourceAccess,passwordCredentials,keyCredentials", nil, &out, needAppRead...)
	return out, err
}

// Get sends GET to a Graph v1.0 path (such as "/organization") and decodes
// the JSON answer into out, for calls this package has no method for. need
// lists the permissions the call accepts, reported on a 403.
func (c *Client) Get(ctx context.Context, path string, out any, need ...string) error {
	return c.do(ctx, "GET", path, nil, out, need...)
}
