package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/aadsts"
	"github.com/entrakit/entrakit/registration"
)

// Diagnosis explains a failure to the administrator who has to fix it: what
// happened, whether retrying can help, and what to do, where.
type Diagnosis struct {
	// Code identifies the failure: "AADSTS7000215", "HTTP403",
	// "Configuration", "TenantNotAllowed", "CertificatePassword",
	// "UnknownPermission", "Timeout", "Network", "UnexpectedResponse",
	// "OAuth:<error>" (a refusal without an AADSTS code),
	// "Throttled", "ServiceUnavailable", "PermissionsMissing",
	// "PermissionsExcess", "Scope", "StateMismatch" (a sign-in's or
	// consent's callback that no round trip in this browser is waiting
	// for), "TenantMismatch", "ConsentTenantNotAllowed" or "Unknown".
	Code       string `json:"code"`
	AADSTS     int    `json:"aadsts,omitempty"`     // the AADSTS number, when the platform sent one
	OAuthError string `json:"oauthError,omitempty"` // e.g. "invalid_client"
	Summary    string `json:"summary"`              // what happened
	Retryable  bool   `json:"retryable"`            // whether the same request may succeed later
	Action     string `json:"action"`               // what the administrator does
	Portal     string `json:"portal,omitempty"`     // where, in the admin center
	Command    string `json:"command,omitempty"`    // a Graph call or command that fixes it
	CLI        string `json:"cli,omitempty"`        // the Azure CLI command that fixes it, when there is one
	// ResourceAppID and ResourceName name the API whose service principal
	// the tenant lacks (AADSTS650052, 500011), as the platform's message
	// gives them; the app ID is empty when the message named only a URI
	// the kit does not know.
	ResourceAppID string `json:"resourceAppId,omitempty"`
	ResourceName  string `json:"resourceName,omitempty"`
	// Wait is how long to wait after the fix before trying again; zero
	// when the fix takes effect at once.
	Wait    time.Duration `json:"waitNanoseconds,omitempty"`
	Missing []string      `json:"missing,omitempty"` // permissions to grant (any one, for a 403)
	// Privilege compares the permissions held with what the calls made
	// need (Requirements.LeastPrivilege): missing and excess ones.
	Privilege     *PrivilegeReport `json:"privilege,omitempty"`
	TraceID       string           `json:"traceId,omitempty"`
	CorrelationID string           `json:"correlationId,omitempty"`
	Detail        string           `json:"detail,omitempty"` // the error's own text, one line, no secrets
}

// String is the diagnosis as two or three lines for a person; an error the
// kit does not recognise shows its Detail, which the Action points to.
func (d Diagnosis) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", d.Code, d.Summary)
	if d.Code == "Unknown" && d.Detail != "" {
		fmt.Fprintf(&b, "\n  Detail: %s", d.Detail)
	}
	if d.Action != "" {
		fmt.Fprintf(&b, "\n  Fix: %s", d.Action)
	}
	if d.Portal != "" {
		fmt.Fprintf(&b, "\n  Where: %s", d.Portal)
	}
	if d.Command != "" {
		fmt.Fprintf(&b, "\n  Command: %s", d.Command)
	}
	if d.CLI != "" {
		fmt.Fprintf(&b, "\n  Azure CLI: %s", d.CLI)
	}
	if d.Wait > 0 {
		fmt.Fprintf(&b, "\n  Then wait: %s", d.Wait)
	}
	return b.String()
}

// Diagnose explains any error from the kit: refusals of the identity
// platform (by AADSTS code, from the kit's table of over 150 codes that
// AuthError.Retryable reads too, so that Diagnosis.Retryable always equals
// it; a code the table lacks is explained from the OAuth error, suberror
// and HTTP status), Microsoft Graph errors (401, 403 with the permissions to
// grant, 404, 429, 5xx), configuration errors, and network failures. An
// error that carries its own remedy (consent.Error, consent.GrantError)
// keeps it as the Action. A nil error gives a zero Diagnosis.
func Diagnose(err error) Diagnosis {
	if err == nil {
		return Diagnosis{}
	}
	d := Diagnosis{Detail: firstLine(err.Error())}
	var (
		se *graphauth.ScopeError
		ae *graphauth.AuthError
		ce *graphauth.ConfigError
		ge *registration.GraphError
		ue *registration.UnknownPermissionError
		ie *registration.IDError
	)
	switch {
	case errors.As(err, &se):
		fromScope(&d, se)
	case errors.As(err, &ae):
		fromAuth(&d, ae)
	case errors.As(err, &ge):
		fromGraph(&d, ge)
	case errors.Is(err, graphauth.ErrTenantNotAllowed):
		d.Code, d.Summary = "TenantNotAllowed", "The token was asked for a tenant that the credential's allow-list does not include; nothing was sent."
		d.Action = "Add the tenant to Options.AllowedTenants once it has consented, or fix the tenant ID."
	case errors.Is(err, graphauth.ErrStateMismatch):
		d.Code = "StateMismatch"
		d.Summary = "The callback belongs to no sign-in or consent that this browser started and has not finished: " +
			"its link was opened a second time, in another browser, after the round trip expired, or was forged. Nothing was sent to the platform."
		d.Action = "Start again from the product's page (its sign-in or Authorise button), in the same browser, and finish within 10 minutes."
	case errors.Is(err, consent.ErrTenantMismatch):
		d.Code = "TenantMismatch"
		d.Summary = "The round trip named two tenants: the consent came back for another tenant than the one asked for, " +
			"or the administrator signed in to another tenant than the one that consented. Nothing was recorded."
		d.Action = "Start again for one tenant, and sign in with an administrator account of that tenant (not a guest account from another)."
	case errors.Is(err, consent.ErrTenantClaimed):
		d.Code = "TenantClaimed"
		d.Summary = "The tenant is onboarded already, for another of the product's client records; the round trip does not move it " +
			"(it shows that a user of the tenant signed in, not that an administrator did). Nothing was changed."
		d.Action = "To move the tenant to this client record, delete its record in the product, then authorise it again."
	case errors.Is(err, consent.ErrTenantNotAllowed):
		d.Code = "ConsentTenantNotAllowed"
		d.Summary = "The tenant that consented may not be onboarded here (the product's allow-list or deny-list). Nothing was recorded."
		d.Action = "Onboard an allowed tenant, or add this one to the product's allowed tenants."
	case errors.Is(err, graphauth.ErrCertificatePassword):
		d.Code, d.Summary = "CertificatePassword", "The certificate file could not be opened with the password given."
		d.Action = "Set the certificate's password (AZURE_CLIENT_CERTIFICATE_PASSWORD), or export the certificate again."
	case errors.As(err, &ce):
		configuration(&d, ce.Field, ce.Reason)
	case errors.As(err, &ie):
		configuration(&d, ie.Field, ie.Reason)
	case errors.As(err, &ue):
		d.Code, d.Summary = "UnknownPermission", strings.TrimPrefix(ue.Error(), "registration: ")
		d.Action = "Use the exact Microsoft Graph permission name."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		timeout(&d)
	default:
		d.Code, d.Summary = "Unknown", "An error the kit does not recognise."
		d.Action = "Read the detail: it names the file, address or value at fault; fix that and retry."
	}
	var r remedier
	if errors.As(err, &r) && r.Remedy() != "" {
		d.Action = r.Remedy() // the flow that failed knows best what to do next
	}
	return d
}

// remedier is an error that carries its own remedy for the administrator,
// such as consent.Error and consent.GrantError.
type remedier interface {
	error
	Remedy() string
}

func timeout(d *Diagnosis) {
	d.Code, d.Retryable = "Timeout", true
	d.Summary = "The request did not finish in time."
	d.Action = "Check the network path to the identity platform and Microsoft Graph (proxy, firewall, DNS), then retry."
}

func fromAuth(d *Diagnosis, ae *graphauth.AuthError) {
	d.OAuthError, d.TraceID, d.CorrelationID, d.Retryable = ae.Code, ae.TraceID, ae.CorrelationID, ae.Retryable()
	if e, ok := aadsts.First(ae.AADSTS); ok {
		d.Code, d.AADSTS = fmt.Sprintf("AADSTS%d", e.Code), e.Code
		d.Summary, d.Action, d.Portal, d.Command = e.Summary, e.Action, e.Portal, e.Command
		if e.Has(aadsts.MissingServiceSetup) {
			missingService(d, ae.Description)
		}
		return
	}
	switch {
	case errors.Is(ae, context.DeadlineExceeded) || errors.Is(ae, context.Canceled):
		timeout(d)
	case errors.Is(ae, graphauth.ErrUnexpectedResponse):
		d.Code = "UnexpectedResponse"
		d.Summary = "The identity platform's answer was not its JSON: an HTML page or a broken body, usually from a proxy or gateway in between."
		d.Action = "Check the proxy (HTTPS_PROXY) and that the authority host is the platform's; retry if it was a gateway error."
	case ae.StatusCode == http.StatusTooManyRequests:
		d.Code = "Throttled"
		d.Summary = "The identity platform is throttling this app (HTTP 429)."
		d.Action = "Retry after the Retry-After interval, and cache tokens instead of asking for one per call."
	case ae.StatusCode >= 500:
		d.Code = "ServiceUnavailable"
		d.Summary = fmt.Sprintf("The identity platform failed (HTTP %d).", ae.StatusCode)
		d.Action = "Retry with backoff; check the Azure status page if it persists."
	case ae.StatusCode == 0 && ae.Code == "":
		d.Code = "Network"
		d.Summary = "The identity platform could not be reached."
		d.Action = "Check DNS, proxy and firewall rules for the authority host (login.microsoftonline.com in the public cloud)."
	default:
		unknownCode(d, ae)
	}
}

// unknownCode explains a refusal whose AADSTS code the table lacks (codes
// change) from the OAuth error, suberror and status, keeping the code.
func unknownCode(d *Diagnosis, ae *graphauth.AuthError) {
	e := aadsts.Fallback(ae.Code, ae.Suberror, ae.StatusCode)
	d.Code = "OAuth:" + ae.Code
	if len(ae.AADSTS) > 0 {
		d.AADSTS = ae.AADSTS[0]
		d.Code = fmt.Sprintf("AADSTS%d", d.AADSTS)
		e.Action += fmt.Sprintf(" The code's current text: https://login.microsoftonline.com/error?code=%d", d.AADSTS)
	}
	d.Summary, d.Action = e.Summary, e.Action
	if ae.Description != "" {
		d.Summary += " The platform said: " + ae.Description
	}
}

// missingService names the resource a tenant lacks, from the platform's
// message, with the three ways to create its service principal.
func missingService(d *Diagnosis, description string) {
	s, ok := aadsts.MissingService(description)
	if !ok {
		return
	}
	fix := aadsts.FixFor(s)
	d.ResourceAppID, d.ResourceName = s.AppID, s.Name
	d.Summary = fmt.Sprintf("The tenant has no service principal for %s", s.Name)
	if s.AppID != "" && s.AppID != s.Name {
		d.Summary += " (app ID " + s.AppID + ")"
	}
	d.Summary += ", a resource the app needs: the service has never been used in this tenant, or is not subscribed there."
	d.Action, d.Command, d.CLI, d.Portal = fix.Action, fix.Graph, fix.CLI, fix.Portal
	d.Wait = aadsts.ReplicationWait
}

func fromGraph(d *Diagnosis, ge *registration.GraphError) {
	d.Code = fmt.Sprintf("HTTP%d", ge.StatusCode)
	switch {
	case ge.StatusCode == http.StatusUnauthorized && strings.EqualFold(ge.Code, "Authorization_IdentityNotFound"):
		// Graph's answer to a token whose app has no service principal
		// in the tenant Graph resolves: no admin consent there yet, or a
		// consent too recent to have replicated.
		d.Summary = "Microsoft Graph does not know the calling app in this tenant (Authorization_IdentityNotFound): the app has no service principal there yet; no administrator has consented in this tenant, or the consent is too recent to have replicated."
		d.Action = "Have an administrator of the tenant grant admin consent to the app; if that was just done, wait a few minutes and get a new token."
		d.Portal, d.Command, d.Wait, d.Retryable = portalAPI, "GET /servicePrincipals(appId='{client-id}')", aadsts.ReplicationWait, true
	case ge.StatusCode == http.StatusUnauthorized && (ge.Claims != "" || strings.Contains(strings.ToLower(ge.Message), "continuous access evaluation")):
		d.Summary = "Microsoft Graph revoked the token by continuous access evaluation (" + ge.Code + "): the user's session was ended, their password or account changed, or a location policy now blocks them."
		d.Action = "Sign the user in again (with the claims of Graph's challenge); an app-only token is refused this way when the app's credentials or the tenant's policy changed."
	case ge.StatusCode == http.StatusUnauthorized:
		d.Summary = "Microsoft Graph refused the token (" + ge.Code + "): it has expired, is for another resource or cloud, or was not issued by this cloud."
		d.Action = "Get a token for the cloud's Graph (https://graph.microsoft.com/.default in the public cloud) and send it as a Bearer token."
	case ge.StatusCode == http.StatusForbidden && len(intersectFold(ge.Required, ge.Granted)) > 0:
		held := intersectFold(ge.Required, ge.Granted)
		d.Summary = "Microsoft Graph refused the call (" + ge.Code + ") although the token carries " + strings.Join(held, ", ") +
			", which allows it: the refusal is about this object, not a missing permission."
		d.Action = "An *.OwnedBy permission covers only the objects the app owns: add the app as an owner of the object, or grant the .All permission instead. " +
			"Otherwise the object needs more than the permission (an administrator role for a privileged object, or a Conditional Access or tenant policy)."
		d.Portal = portalAPI
		d.Command = "POST /applications/{id}/owners/$ref {\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{app-sp-id}\"}"
	case ge.StatusCode == http.StatusForbidden:
		d.Missing = ge.Required
		d.Summary = "Microsoft Graph says the app lacks the permission for this operation (" + ge.Code + ")."
		d.Action = "Grant admin consent for the app's application permissions, then get a new token (tokens carry the permissions granted when they were issued)."
		if len(ge.Required) > 0 {
			d.Action = "Add one of these Microsoft Graph application permissions and grant admin consent: " + strings.Join(ge.Required, ", ") + ". Then get a new token."
			if ge.Scheme == "DelegatedWork" {
				d.Action = "Add one of these Microsoft Graph delegated permissions and grant consent (the user's, or an administrator's for tenant-wide ones): " +
					strings.Join(ge.Required, ", ") + ". Then sign in again for a new token."
			}
		}
		d.Portal = portalAPI
		d.Command = "POST /servicePrincipals/{graph-sp-id}/appRoleAssignedTo {principalId, resourceId, appRoleId}"
	case ge.StatusCode == http.StatusNotFound:
		d.Summary = "Microsoft Graph found no such object (" + ge.Code + ")."
		d.Action = "Check the ID; an object created moments ago may not have replicated yet."
	case ge.StatusCode == http.StatusTooManyRequests:
		d.Code, d.Retryable = "Throttled", true
		d.Summary = "Microsoft Graph is throttling this app (HTTP 429)."
		if ge.RetryAfter > 0 {
			wait := ge.RetryAfter.Round(time.Second).String()
			if ge.RetryAfter > 24*time.Hour {
				wait = "over a day"
			}
			d.Summary = fmt.Sprintf("Microsoft Graph is throttling this app (HTTP 429, Retry-After %s).", wait)
		}
		d.Action = "Retry after the Retry-After interval; spread the requests out."
	case ge.StatusCode >= 500:
		d.Code, d.Retryable = "ServiceUnavailable", true
		d.Summary = fmt.Sprintf("Microsoft Graph failed (HTTP %d).", ge.StatusCode)
		d.Action = "Retry with backoff."
	case ge.StatusCode == 0:
		d.Code, d.Retryable = "Network", true
		d.Summary = "Microsoft Graph could not be reached."
		d.Action = "Check DNS, proxy and firewall rules for graph.microsoft.com."
	default:
		d.Summary = "Microsoft Graph refused the request (" + ge.Code + "): " + ge.Message
		d.Action = "Read Graph's message in the detail: it names the property, value or query option it refused; correct that in the request."
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// intersectFold lists the names of a that are in b, ignoring case.
func intersectFold(a, b []string) []string {
	var out []string
	for _, x := range a {
		if containsFold(b, x) {
			out = append(out, x)
		}
	}
	return out
}
