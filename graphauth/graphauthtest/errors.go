package graphauthtest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/entrakit/entrakit/internal/oauthwire"
)

// oauthError is a refusal from the token, authorize or consent endpoints, in
// the terms Microsoft Entra ID uses: an OAuth error code, an AADSTS number
// and its message.
type oauthError struct {
	status int    // HTTP status for the token endpoint
	code   string // OAuth "error"
	aadsts int
	msg    string // text after "AADSTSnnn: "
}

func (e *oauthError) Error() string { return fmt.Sprintf("%s AADSTS%d: %s", e.code, e.aadsts, e.msg) }

func errf(status int, code string, aadsts int, format string, args ...any) *oauthError {
	return &oauthError{status: status, code: code, aadsts: aadsts, msg: fmt.Sprintf(format, args...)}
}

// Frequently sent refusals.
func errMissingParam(name string) *oauthError {
	return errf(400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'.", name)
}

func errInvalidClient(aadsts int, format string, args ...any) *oauthError {
	return errf(401, "invalid_client", aadsts, format, args...)
}

func errInvalidGrant(aadsts int, format string, args ...any) *oauthError {
	return errf(400, "invalid_grant", aadsts, format, args...)
}

// noErrorURI lists the refusals whose bodies have no error_uri on the real
// platform: a code redeemed twice (54005) is answered without one.
var noErrorURI = map[int]bool{54005: true}

// body builds the JSON error body with the trace and correlation IDs and
// timestamp the platform adds to every refusal, in its current format:
// "AADSTS7000215: Invalid client secret provided. ... Trace ID: <guid>
// Correlation ID: <guid> Timestamp: 2024-01-02 03:04:05Z" on one line, the
// same IDs in trace_id and correlation_id (and the trace ID in the
// x-ms-request-id header), and error_uri to the platform's error page.
func (e *oauthError) body(base string, idv wireIDs, now time.Time) oauthwire.ErrorResponse {
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	resp := oauthwire.ErrorResponse{
		Error: e.code,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			e.aadsts, e.msg, idv.trace, idv.correlation, ts),
		ErrorCodes:    []int{e.aadsts},
		Timestamp:     ts,
		TraceID:       idv.trace,
		CorrelationID: idv.correlation,
	}
	if !noErrorURI[e.aadsts] {
		resp.ErrorURI = fmt.Sprintf("%s/error?code=%d", base, e.aadsts)
	}
	return resp
}

func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	rec := recordOf(r)
	rec.AADSTS = e.aadsts
	rec.Error = e.code
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Expires", "-1")
	writeJSON(w, e.status, e.body(baseURL(r), idsOf(r), s.clk.now()))
}

func baseURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}
