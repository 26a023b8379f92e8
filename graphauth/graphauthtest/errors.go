package graphauthtest

import (
	"encoding/json"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
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

// body builds the JSON error body with the trace and correlation IDs and
// timestamp the platform adds to every refusal.
func (e *oauthError) body(base, correlationID string, now time.Time) oauthwire.ErrorResponse {
	trace := newGUID()
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	return oauthwire.ErrorResponse{
		Error: e.code,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.aadsts, e.msg, trace, correlationID, ts),
		ErrorCodes:    []int{e.aadsts},
		Timestamp:     ts,
		TraceID:       trace,
		CorrelationID: correlationID,
		ErrorURI:      fmt.Sprintf("%s/error?code=%d", base, e.aadsts),
	}
}

func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	rec := recordOf(r)
	rec.AADSTS = e.aadsts
	rec.Error = e.code
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, e.status, e.body(baseURL(r), correlationID(r), s.clk.now()))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}

// correlationID echoes the client's client-request-id, as the platform does,
// or makes one up.
func correlationID(r *http.Request) string {
	if id := r.Header.Get("client-request-id"); ids.IsGUID(id) {
		return id
	}
	return newGUID()
}

func baseURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}
