// Package aadsts holds what the kit knows about the identity platform's
// AADSTS error codes: one table (table.go), read by graphauth
// (AuthError.Retryable, the credential errors), verify (Diagnose) and
// consent (why a consent failed). Microsoft warns that codes and their
// texts change, so every reader falls back to the OAuth error, suberror
// and HTTP status (Fallback) when a code is not in the table.
package aadsts

import (
	"net/http"
	"strings"
)

// Flags say how to treat a code.
type Flags uint16

// The flags of an entry.
const (
	// Retryable: the same request, sent again unchanged, may succeed.
	Retryable Flags = 1 << iota
	// Credential: the platform refused the app's own credential (secret,
	// certificate, assertion); another credential of the app may work.
	Credential
	// Cancelled and the flags below classify a refused admin consent.
	Cancelled
	NotAdministrator
	NotMultiTenant
	RedirectNotRegistered
	BlockedByPolicy
	MissingServiceSetup
)

// consentFlags are the flags that classify a refused consent.
const consentFlags = Cancelled | NotAdministrator | NotMultiTenant | RedirectNotRegistered | BlockedByPolicy | MissingServiceSetup

// Entry is what the kit knows of one AADSTS code.
type Entry struct {
	Code    int
	Flags   Flags
	Summary string // the cause, in the administrator's terms
	Action  string // the remedy: what to do, concretely
	Portal  string // where in the admin center, if anywhere
	Command string // a Graph call or command that fixes it, if one does
}

// Has reports whether every flag of f is set.
func (e Entry) Has(f Flags) bool { return e.Flags&f == f }

// ConsentFlag is the one consent classification of the entry, or 0.
func (e Entry) ConsentFlag() Flags { return e.Flags & consentFlags }

// Lookup returns the entry of code.
func Lookup(code int) (Entry, bool) {
	for _, e := range table {
		if e.Code == code {
			return e, true
		}
	}
	return Entry{}, false
}

// First returns the entry of the first code in codes that the table has.
func First(codes []int) (Entry, bool) {
	for _, c := range codes {
		if e, ok := Lookup(c); ok {
			return e, true
		}
	}
	return Entry{}, false
}

// All returns a copy of the table.
func All() []Entry { return append([]Entry(nil), table...) }

// Credentials returns the codes flagged Credential: the platform refused
// the app's own credential.
func Credentials() []int {
	var out []int
	for _, e := range table {
		if e.Has(Credential) {
			out = append(out, e.Code)
		}
	}
	return out
}

// Fallback classifies a refusal whose codes the table lacks, from the
// OAuth error, MSAL's suberror and the HTTP status; Code is 0. Its
// Retryable flag is set for throttling, server errors and the OAuth errors
// that say "try again"; its Credential flag for invalid_client.
func Fallback(oauthError, suberror string, status int) Entry {
	e := Entry{Action: "Look the code up at https://login.microsoftonline.com/error, fix what it names, then retry."}
	switch {
	case status == http.StatusTooManyRequests:
		e.Flags, e.Summary = Retryable, "The identity platform is throttling the app."
		e.Action = "Wait for the Retry-After interval, then retry; cache tokens rather than asking for one per call."
	case status >= 500 || oauthError == "temporarily_unavailable" || oauthError == "server_error":
		e.Flags, e.Summary = Retryable, "The identity platform failed to answer the request."
		e.Action = "Retry with backoff; if it persists, check https://status.azure.com."
	case oauthError == "authorization_pending" || oauthError == "slow_down":
		e.Flags, e.Summary = Retryable, "The device code sign-in is still waiting for the user."
		e.Action = "Keep polling at the interval the device code response gave."
	case oauthError == "invalid_client" || oauthError == "unauthorized_client":
		e.Flags, e.Summary = Credential, "The platform refused the app's client ID or credential."
		e.Action = "Check the client ID, and the secret's value or the certificate uploaded under Certificates & secrets."
	case oauthError == "access_denied" || oauthError == "permission_denied":
		e.Flags, e.Summary = Cancelled, "The user or administrator declined, or a policy denied the request."
		e.Action = "Ask the administrator to try again; if a policy blocked it, review the sign-in logs."
	case oauthError == "consent_required" || suberror == "consent_required":
		e.Summary = "The permissions asked for have not been consented to."
		e.Action = "Have an administrator grant admin consent for the app's permissions."
	case oauthError == "interaction_required" || oauthError == "login_required" || isInteractive(suberror):
		e.Summary = "The user has to sign in interactively (again)."
		e.Action = "Send the user through the sign-in page; a silent request cannot succeed."
	case oauthError == "invalid_grant":
		e.Summary = "The code, refresh token or assertion is no longer valid."
		e.Action = "Sign the user in again (or build a new assertion) instead of retrying the same grant."
	case oauthError == "invalid_scope" || oauthError == "invalid_resource":
		e.Summary = "The scope or resource of the request is not valid for this app or tenant."
		e.Action = "Ask for scopes of one resource, such as https://graph.microsoft.com/.default, that the app declares."
	case oauthError == "invalid_request" || oauthError == "unsupported_grant_type" || oauthError == "unsupported_response_type":
		e.Summary = "The platform rejected the request's parameters."
		e.Action = "Check the request against the endpoint's documented parameters (grant type, redirect URI, scope)."
	default:
		e.Summary = "The identity platform refused the request."
	}
	return e
}

// isInteractive reports MSAL's suberrors that mean "sign in again".
func isInteractive(suberror string) bool {
	switch strings.ToLower(suberror) {
	case "basic_action", "additional_action", "message_only", "bad_token", "token_expired", "user_password_expired", "client_mismatch", "protection_policy_required":
		return true
	}
	return false
}
