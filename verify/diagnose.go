package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
)

// Diagnosis explains a failure to the administrator who has to fix it: what
// happened, whether retrying can help, and what to do, where.
type Diagnosis struct {
	// Code identifies the failure: "AADSTS7000215", "HTTP403",
	// "Configuration", "TenantNotAllowed", "CertificatePassword",
	// "UnknownPermission", "Timeout", "Network", "UnexpectedResponse",
	// "Throttled", "ServiceUnavailable", "PermissionsMissing",
	// "PermissionsExcess", "Scope" or "Unknown".
	Code       string   `json:"code"`
	AADSTS     int      `json:"aadsts,omitempty"`     // the AADSTS number, when the platform sent one
	OAuthError string   `json:"oauthError,omitempty"` // e.g. "invalid_client"
	Summary    string   `json:"summary"`              // what happened
	Retryable  bool     `json:"retryable"`            // whether the same request may succeed later
	Action     string   `json:"action"`               // what the administrator does
	Portal     string   `json:"portal,omitempty"`     // where, in the admin center
	Command    string   `json:"command,omitempty"`    // a Graph call or command that fixes it
	Missing    []string `json:"missing,omitempty"`    // permissions to grant (any one, for a 403)
	// Privilege compares the permissions held with what the calls made
	// need (Requirements.LeastPrivilege): missing and excess ones.
	Privilege     *PrivilegeReport `json:"privilege,omitempty"`
	TraceID       string           `json:"traceId,omitempty"`
	CorrelationID string           `json:"correlationId,omitempty"`
	Detail        string           `json:"detail,omitempty"` // the error's own text, one line, no secrets
}

// String is the diagnosis as two or three lines for a person.
func (d Diagnosis) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", d.Code, d.Summary)
	if d.Action != "" {
		fmt.Fprintf(&b, "\n  Fix: %s", d.Action)
	}
	if d.Portal != "" {
		fmt.Fprintf(&b, "\n  Where: %s", d.Portal)
	}
	if d.Command != "" {
		fmt.Fprintf(&b, "\n  Command: %s", d.Command)
	}
	return b.String()
}

// Diagnose explains any error from the kit: refusals of the identity
// platform (by AADSTS code, for the ~75 codes app-only, sign-in and consent
// flows hit most), Microsoft Graph errors (401, 403 with the permissions to
// grant, 404, 429, 5xx), configuration errors, and network failures. A nil
// error gives a zero Diagnosis.
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
	case errors.Is(err, graphauth.ErrCertificatePassword):
		d.Code, d.Summary = "CertificatePassword", "The certificate file could not be opened with the password given."
		d.Action = "Set the certificate's password (AZURE_CLIENT_CERTIFICATE_PASSWORD), or export the certificate again."
	case errors.As(err, &ce):
		d.Code, d.Summary = "Configuration", ce.Field+" "+ce.Reason
		d.Action = "Fix " + ce.Field + " as the message says."
	case errors.As(err, &ie):
		d.Code, d.Summary = "Configuration", ie.Field+" "+ie.Reason
		d.Action = "Fix " + ie.Field + " as the message says."
		d.Portal = portalOver
	case errors.As(err, &ue):
		d.Code, d.Summary = "UnknownPermission", strings.TrimPrefix(ue.Error(), "registration: ")
		d.Action = "Use the exact Microsoft Graph permission name."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		timeout(&d)
	default:
		d.Code, d.Summary = "Unknown", "An error the kit does not recognise."
		d.Action = "See the detail."
	}
	return d
}

func timeout(d *Diagnosis) {
	d.Code, d.Retryable = "Timeout", true
	d.Summary = "The request did not finish in time."
	d.Action = "Check the network path to the identity platform and Microsoft Graph (proxy, firewall, DNS), then retry."
}

func fromAuth(d *Diagnosis, ae *graphauth.AuthError) {
	d.OAuthError, d.TraceID, d.CorrelationID, d.Retryable = ae.Code, ae.TraceID, ae.CorrelationID, ae.Retryable()
	for _, n := range ae.AADSTS {
		if r, ok := aadsts[n]; ok {
			d.Code, d.AADSTS = fmt.Sprintf("AADSTS%d", n), n
			d.Summary, d.Action, d.Portal, d.Command = r.summary, r.action, r.portal, r.command
			d.Retryable = d.Retryable || r.retryable
			return
		}
	}
	switch {
	case errors.Is(ae, context.DeadlineExceeded) || errors.Is(ae, context.Canceled):
		timeout(d)
	case errors.Is(ae, graphauth.ErrUnexpectedResponse):
		d.Code = "UnexpectedResponse"
		d.Summary = "The identity platform's answer was not its JSON: an HTML page or a broken body, usually from a proxy or gateway in between."
		d.Action = "Check the proxy (HTTPS_PROXY) and that the authority host is the platform's; retry if it was a gateway error."
	case ae.StatusCode == http.StatusTooManyRequests:
		d.Code, d.Retryable = "Throttled", true
		d.Summary = "The identity platform is throttling this app (HTTP 429)."
		d.Action = "Retry after the Retry-After interval, and cache tokens instead of asking for one per call."
	case ae.StatusCode >= 500:
		d.Code, d.Retryable = "ServiceUnavailable", true
		d.Summary = fmt.Sprintf("The identity platform failed (HTTP %d).", ae.StatusCode)
		d.Action = "Retry with backoff; check the Azure status page if it persists."
	case ae.StatusCode == 0:
		d.Code, d.Retryable = "Network", true
		d.Summary = "The identity platform could not be reached."
		d.Action = "Check DNS, proxy and firewall rules for the authority host (login.microsoftonline.com in the public cloud)."
	default:
		d.Code = "AADSTS" + strings.Trim(fmt.Sprint(ae.AADSTS), "[]")
		if len(ae.AADSTS) > 0 {
			d.AADSTS = ae.AADSTS[0]
		}
		d.Summary = "The identity platform refused the request: " + ae.Description
		d.Action = "Look the code up at https://login.microsoftonline.com/error?code=" + fmt.Sprint(d.AADSTS)
	}
}

func fromGraph(d *Diagnosis, ge *registration.GraphError) {
	d.Code = fmt.Sprintf("HTTP%d", ge.StatusCode)
	switch {
	case ge.StatusCode == http.StatusUnauthorized:
		d.Summary = "Microsoft Graph refused the token (" + ge.Code + "): it has expired, is for another resource or cloud, or was not issued by this cloud."
		d.Action = "Get a token for the cloud's Graph (https://graph.microsoft.com/.default in the public cloud) and send it as a Bearer token."
	case ge.StatusCode == http.StatusForbidden:
		d.Missing = ge.Required
		d.Summary = "Microsoft Graph says the app lacks the permission for this operation (" + ge.Code + ")."
		d.Action = "Grant admin consent for the app's application permissions, then get a new token (tokens carry the permissions granted when they were issued)."
		if len(ge.Required) > 0 {
			d.Action = "Add one of these Microsoft Graph application permissions and grant admin consent: " + strings.Join(ge.Required, ", ") + ". Then get a new token."
		}
		d.Portal = portalAPI
		d.Command = "POST /servicePrincipals/{graph-sp-id}/appRoleAssignedTo {principalId, resourceId, appRoleId}"
	case ge.StatusCode == http.StatusNotFound:
		d.Summary = "Microsoft Graph found no such object (" + ge.Code + ")."
		d.Action = "Check the ID; an object created moments ago may not have replicated yet."
	case ge.StatusCode == http.StatusTooManyRequests:
		d.Code, d.Retryable = "Throttled", true
		d.Summary = "Microsoft Graph is throttling this app (HTTP 429)."
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
		d.Action = "See the detail."
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}
