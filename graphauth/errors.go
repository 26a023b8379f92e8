package graphauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/entrakit/entrakit/internal/aadsts"
	"github.com/entrakit/entrakit/internal/oauthwire"
	"github.com/entrakit/entrakit/internal/retry"
)

// Sentinel errors that callers test with errors.Is.
var (
	// ErrTenantNotAllowed means a TokenRequest named a tenant that the
	// credential's allow-list does not include. No request was sent.
	ErrTenantNotAllowed = errors.New("graphauth: tenant not allowed")
	// ErrUnexpectedResponse means the platform's answer was not the JSON it
	// documents: an HTML page from a proxy, an empty or truncated body.
	ErrUnexpectedResponse = errors.New("graphauth: unexpected response from the identity platform")
)

// AuthError reports that Microsoft Entra ID refused a token request, or that
// its answer could not be read. Its fields come from the platform's error
// body; none of them holds a secret.
type AuthError struct {
	StatusCode    int       // HTTP status of the token response; 0 if none arrived
	Code          string    // OAuth "error", e.g. "invalid_client"
	Suberror      string    // "suberror", e.g. "basic_action"; MSAL's hint for interactive flows
	AADSTS        []int     // "error_codes", e.g. [7000215]
	Description   string    // the first line of "error_description"
	TraceID       string    // "trace_id"
	CorrelationID string    // "correlation_id"
	Timestamp     time.Time // "timestamp"; zero if absent
	Claims        string    // "claims": a claims challenge to send with the next request
	RetryAfter    time.Duration
	Err           error // the transport or parse cause, if any
}

// Error returns one line: "graphauth: invalid_client (AADSTS7000215): Invalid
// client secret provided. ...".
func (e *AuthError) Error() string {
	var b strings.Builder
	b.WriteString("graphauth: ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
	case e.StatusCode != 0:
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	default:
		b.WriteString("token request failed")
	}
	if len(e.AADSTS) > 0 {
		fmt.Fprintf(&b, " (AADSTS%d)", e.AADSTS[0])
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Description, fmt.Sprintf("AADSTS%d: ", first(e.AADSTS))))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func first(codes []int) int {
	if len(codes) == 0 {
		return 0
	}
	return codes[0]
}

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// HasCode reports whether the platform sent the AADSTS number n.
func (e *AuthError) HasCode(n int) bool {
	for _, c := range e.AADSTS {
		if c == n {
			return true
		}
	}
	return false
}

// Retryable reports whether sending the same request again may succeed:
// throttling (429), server errors (5xx), the AADSTS codes that Microsoft
// documents as transient, and transport failures. A wrong or expired
// credential, an assertion outside its time range (AADSTS700024), a missing
// grant or a bad request is not retryable. The answer comes from the kit's
// one table of AADSTS codes, the same one verify.Diagnose reads; for a code
// the table lacks it falls back to the OAuth error, the suberror and the
// HTTP status.
func (e *AuthError) Retryable() bool {
	if e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500 {
		return true
	}
	if entry, ok := aadsts.First(e.AADSTS); ok {
		return entry.Has(aadsts.Retryable)
	}
	if e.StatusCode == 0 && e.Code == "" && e.Err != nil {
		return !errors.Is(e.Err, ErrUnexpectedResponse)
	}
	return aadsts.Fallback(e.Code, e.Suberror, e.StatusCode).Has(aadsts.Retryable)
}

// CredentialRejected reports whether the platform refused the app's own
// credential (a wrong or expired secret, a certificate it does not know, an
// assertion that is malformed, outside its time range or matches no
// federated credential), so that another credential of the same app may
// succeed where this one cannot. The codes are those flagged in the kit's
// AADSTS table (CredentialErrorCodes); for a code the table lacks,
// invalid_client counts.
func (e *AuthError) CredentialRejected() bool {
	if entry, ok := aadsts.First(e.AADSTS); ok {
		return entry.Has(aadsts.Credential)
	}
	if e.Code == "" {
		return false
	}
	return aadsts.Fallback(e.Code, e.Suberror, e.StatusCode).Has(aadsts.Credential)
}

// CredentialErrorCodes returns the AADSTS codes with which the platform
// refuses an app's own credential, as CredentialRejected reads them.
func CredentialErrorCodes() []int { return aadsts.Credentials() }

// ParseAuthError turns an identity platform error response (its status,
// headers and JSON body) into an *AuthError, for code that talks to the
// platform directly. A body that is not the platform's error JSON gives an
// AuthError wrapping ErrUnexpectedResponse.
func ParseAuthError(status int, header http.Header, body []byte) *AuthError {
	return authErrorFromBody(status, header, body)
}

// authErrorFromBody turns a refused token response into an AuthError.
func authErrorFromBody(status int, header http.Header, body []byte) *AuthError {
	e := &AuthError{StatusCode: status, RetryAfter: retryAfterOf(header)}
	var w oauthwire.ErrorResponse
	if err := json.Unmarshal(body, &w); err != nil || w.Error == "" {
		e.Err = fmt.Errorf("%w: HTTP %d, %s, %d bytes", ErrUnexpectedResponse, status, contentType(header), len(body))
		return e
	}
	e.Code, e.TraceID, e.CorrelationID = oneLine(w.Error, 64), oneLine(w.TraceID, 64), oneLine(w.CorrelationID, 64)
	e.Suberror = oneLine(w.Suberror, 64)
	e.AADSTS = w.ErrorCodes[:min(len(w.ErrorCodes), 8)]
	if len(w.Claims) <= maxClaims {
		e.Claims = w.Claims
	}
	desc, _, _ := oauthwire.Description(w.ErrorDescription)
	e.Description = oneLine(desc, maxDescription)
	if len(e.AADSTS) == 0 {
		e.AADSTS = codeOf(e.Description) // a gateway that kept the text, not error_codes
	}
	if ts, err := time.Parse("2006-01-02 15:04:05Z", w.Timestamp); err == nil {
		e.Timestamp = ts
	}
	return e
}

// What is kept of an error body, whatever its size: the platform's
// descriptions are a few hundred bytes and its claims challenges smaller
// still, and an *AuthError is kept (while a Retry-After lasts) and logged.
const (
	maxDescription = 1024
	maxClaims      = 8 << 10
)

// oneLine is s as one line of at most n bytes, for an error message and
// a log line: control characters (C0 and C1), the line and paragraph
// separators and invisible format characters (such as the right-to-left
// override) become spaces.
func oneLine(s string, n int) string {
	return clip(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?")), n)
}

// codeOf reads the AADSTS code that starts a description
// ("AADSTS7000215: Invalid client secret provided."); nil when none does.
func codeOf(description string) []int {
	rest, ok := strings.CutPrefix(description, "AADSTS")
	if !ok {
		return nil
	}
	num, _, _ := strings.Cut(rest, ":")
	if strings.Trim(num, "0123456789") != "" || len(num) > 9 {
		return nil
	}
	if n, err := strconv.Atoi(num); err == nil && n > 0 {
		return []int{n}
	}
	return nil
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return clip(ct, 64)
	}
	return "no content type"
}

// ConfigError reports configuration that cannot work: a malformed ID, a
// missing or contradictory setting. Field names the Config field or
// environment variable at fault.
type ConfigError struct {
	Field  string // e.g. "AZURE_CLIENT_ID" or "TenantID"
	Reason string // what is wrong and what to do
	Err    error
}

// Error returns "graphauth: <field>: <reason>".
func (e *ConfigError) Error() string {
	msg := "graphauth: " + e.Field + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// retryAfterOf reads Retry-After, seconds or an HTTP date; zero when absent.
func retryAfterOf(h http.Header) time.Duration {
	d, _ := retry.RetryAfter(h, time.Now())
	return d
}
