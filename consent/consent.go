package consent

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/aadsts"
	"github.com/entrakit/entrakit/internal/ids"
)

// Config describes the app that asks for consent.
type Config struct {
	ClientID    string // the multi-tenant app's client ID
	RedirectURI string // registered; https, or http on loopback
	// Cloud is the national cloud; zero means the one whose host
	// AuthorityHost names (as graphauth.Options reads it), else the public
	// cloud.
	Cloud graphauth.Cloud
	// AuthorityHost overrides the cloud's (the fake platform in tests).
	AuthorityHost string
	// Scope is what to consent to: empty means the cloud's Graph
	// "/.default", which grants every permission the app declares,
	// application and delegated; application permissions can only be
	// granted this way. A space-separated list of delegated scopes also
	// works.
	Scope string
}

func (c Config) authority() string {
	if c.AuthorityHost != "" {
		return strings.TrimSuffix(c.AuthorityHost, "/")
	}
	if c.Cloud.AuthorityHost != "" {
		return c.Cloud.AuthorityHost
	}
	return graphauth.AzurePublic.AuthorityHost
}

func (c Config) scope() string {
	if c.Scope != "" {
		return c.Scope
	}
	return c.cloud().DefaultScope()
}

// cloud is Cloud, or the cloud whose host AuthorityHost names, read as
// graphauth reads AZURE_AUTHORITY_HOST (graphauth.Config.Cloud).
func (c Config) cloud() graphauth.Cloud {
	if c.Cloud.GraphEndpoint != "" {
		return c.Cloud
	}
	return graphauth.Config{AuthorityHost: c.AuthorityHost}.Cloud()
}

func (c Config) check() error {
	if err := ids.Client(c.ClientID); err != nil {
		return &graphauth.ConfigError{Field: "ClientID", Reason: err.Error()}
	}
	u, err := url.Parse(c.RedirectURI)
	if c.RedirectURI == "" || err != nil || u.Host == "" {
		return &graphauth.ConfigError{Field: "RedirectURI", Reason: "must be the absolute redirect URI registered for the app"}
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && ids.IsLoopbackHost(u.Hostname())) {
		return &graphauth.ConfigError{Field: "RedirectURI", Reason: "must use https (http only for localhost, 127.0.0.1 or [::1])"}
	}
	return nil
}

// tenantField names the customer's tenant in a *graphauth.ConfigError, so
// that verify.Diagnose sends the customer's administrator to their own
// tenant, not to the app's Overview page.
const tenantField = "customer tenant"

// readTenant reads the tenant a round trip is begun for as
// graphauth.ParseAuthority reads a pasted one (surrounding spaces and
// quotes, a URL of the configured cloud's identity platform, a portal
// address named for what it is), lower case; empty and "organizations"
// stay as they are.
func (h *Handler) readTenant(tenant string) (string, error) {
	tenant = strings.ToLower(strings.TrimSpace(tenant))
	if tenant == "" || tenant == "organizations" {
		return tenant, nil
	}
	host := h.cfg.authority()
	a, err := graphauth.ParseAuthority(tenant, graphauth.Cloud{Name: "configured", AuthorityHost: host})
	var ce *graphauth.ConfigError
	if errors.As(err, &ce) {
		return "", &graphauth.ConfigError{Field: tenantField, Reason: ce.Reason}
	}
	if err != nil {
		return "", err
	}
	if a.Cloud.AuthorityHost != "" && !strings.EqualFold(strings.TrimSuffix(a.Cloud.AuthorityHost, "/"), host) {
		return "", &graphauth.ConfigError{Field: tenantField, Reason: "is a URL of " + a.Cloud.AuthorityHost + ", but consent is asked at " + host +
			": give the tenant's ID or domain of the cloud the app is registered in"}
	}
	if strings.EqualFold(a.TenantID, h.cfg.ClientID) {
		// The product shows its app's ID on its onboarding page; the
		// platform would answer AADSTS90002 (no such tenant) at sign-in.
		return "", &graphauth.ConfigError{Field: tenantField, Reason: "is the app's Application (client) ID, not the customer's tenant: " +
			"give the tenant's ID or primary domain (its Overview page)"}
	}
	return a.TenantID, nil
}

// URL is the admin consent URL for a tenant (a GUID or domain) or
// "organizations" (any work or school tenant: the administrator's own).
// "common" is refused: personal accounts cannot consent for a tenant. state
// must be a fresh unguessable value that the callback is checked against.
func URL(c Config, tenant, state string) (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	if !strings.EqualFold(tenant, "organizations") {
		if err := ids.Tenant(tenant); err != nil {
			return "", &graphauth.ConfigError{Field: tenantField, Reason: err.Error() + ` (or "organizations")`}
		}
	}
	if len(state) < 16 {
		return "", &graphauth.ConfigError{Field: "state", Reason: "must be at least 16 unguessable characters"}
	}
	q := url.Values{"client_id": {c.ClientID}, "redirect_uri": {c.RedirectURI}, "scope": {c.scope()}, "state": {state}}
	return c.authority() + "/" + tenant + "/v2.0/adminconsent?" + q.Encode(), nil
}

// Result is what a successful redirect says. TenantID is the redirect's
// claim only: anyone can craft such a redirect, and Confirm succeeds for
// every tenant that ever consented, so it proves nothing about who is at
// the browser. Prove it with a sign-in at that tenant whose ID token's tid
// is TenantID, as the Handler does, before acting on it.
type Result struct {
	TenantID string
	Scopes   []string
}

// Reason classifies a refused consent, for the product to say what the
// administrator should do.
type Reason string

// The reasons a consent fails.
const (
	Cancelled             Reason = "cancelled"               // the administrator declined or cancelled
	NotAdministrator      Reason = "not_administrator"       // the user may not consent for the tenant
	NotMultiTenant        Reason = "not_multi_tenant"        // the app cannot be used outside its home tenant
	RedirectNotRegistered Reason = "redirect_not_registered" // the platform showed its own error page instead
	BlockedByPolicy       Reason = "blocked_by_policy"       // a tenant policy forbids this consent
	MissingServiceSetup   Reason = "missing_service_setup"   // the tenant lacks a resource's service principal
	Other                 Reason = "other"
)

// Error is a consent the platform refused, from the redirect's error
// parameters.
type Error struct {
	Reason Reason
	Auth   *graphauth.AuthError // the OAuth error, AADSTS code and trace ID
	Action string               // what to tell the administrator
	// ResourceAppID and ResourceName name the API whose service principal
	// the tenant lacks, for MissingServiceSetup (AADSTS650052), as the
	// platform's message gives them; registration.Client's
	// EnsureServicePrincipal with the administrator's token creates it.
	ResourceAppID, ResourceName string
}

// Remedy returns Action, so that verify.Diagnose keeps it.
func (e *Error) Remedy() string { return e.Action }

// Error returns one line.
func (e *Error) Error() string {
	return fmt.Sprintf("consent: %s: %s", e.Reason, strings.TrimPrefix(e.Auth.Error(), "graphauth: "))
}

// Unwrap returns the AuthError, so that errors.As finds it and
// verify.Diagnose explains it.
func (e *Error) Unwrap() error { return e.Auth }

// ParseCallback reads the admin consent redirect: admin_consent=True,
// tenant and state on success, error and error_description (such as
// access_denied, "AADSTS65004: User declined...") on failure; it carries no
// token. It checks the state in constant time first
// (graphauth.ErrStateMismatch), then an error, which wins even when the
// redirect also says admin_consent=True (*Error), and only then the success
// parameters. The Result's tenant is unproven: see Result.
func ParseCallback(q url.Values, expectedState string) (Result, error) {
	if expectedState == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(expectedState)) != 1 {
		return Result{}, graphauth.ErrStateMismatch
	}
	if code := q.Get("error"); code != "" {
		return Result{}, classify(code, q.Get("error_description"))
	}
	if !strings.EqualFold(q.Get("admin_consent"), "true") {
		return Result{}, &Error{Reason: Other, Auth: &graphauth.AuthError{Code: "invalid_response", Description: "the redirect carries neither admin_consent=True nor an error"}, Action: "Start the consent again."}
	}
	tenant := q.Get("tenant")
	if !ids.IsGUID(tenant) {
		return Result{}, &Error{Reason: Other, Auth: &graphauth.AuthError{Code: "invalid_response", Description: "the redirect's tenant is not a GUID"}, Action: "Start the consent again."}
	}
	return Result{TenantID: strings.ToLower(tenant), Scopes: strings.Fields(q.Get("scope"))}, nil
}

// classify maps the redirect's error to a Reason and an action, from the
// kit's AADSTS table, or, for a code it lacks, from the OAuth error
// (access_denied and permission_denied, "The admin canceled the request",
// are a cancel).
func classify(code, description string) *Error {
	ae := graphauth.ParseCallbackError(code, description)
	entry, ok := aadsts.First(ae.AADSTS)
	if !ok {
		entry = aadsts.Fallback(ae.Code, ae.Suberror, 0)
	}
	e := &Error{Reason: reasons[entry.ConsentFlag()], Auth: ae, Action: entry.Action}
	if e.Reason == "" {
		e.Reason = Other
	}
	if s, ok := aadsts.MissingService(ae.Description); ok && entry.Has(aadsts.MissingServiceSetup) {
		e.ResourceAppID, e.ResourceName, e.Action = s.AppID, s.Name, aadsts.FixFor(s).Action
	}
	return e
}

// reasons maps the table's consent classes to Reasons.
var reasons = map[aadsts.Flags]Reason{
	aadsts.Cancelled:             Cancelled,
	aadsts.NotAdministrator:      NotAdministrator,
	aadsts.NotMultiTenant:        NotMultiTenant,
	aadsts.RedirectNotRegistered: RedirectNotRegistered,
	aadsts.BlockedByPolicy:       BlockedByPolicy,
	aadsts.MissingServiceSetup:   MissingServiceSetup,
}

// Incremental is the sign-in request that asks a signed-in user for more
// delegated permissions later, such as "Mail.Send" or
// "UserAuthenticationMethod.ReadWrite.All" for password resets: the
// scopes, with prompt=consent so that the consent page is shown even to a
// user who consented before. Pass it to graphauth.SignIn.AuthCodeURL.
func Incremental(loginHint string, scopes ...string) graphauth.AuthRequest {
	return graphauth.AuthRequest{Scopes: scopes, Prompt: "consent", LoginHint: loginHint}
}
