package graphauthtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/entrakit/entrakit/internal/ids"
)

// The headers Microsoft Entra ID sends with every answer of its identity
// endpoints, as recorded in the Azure SDKs' test recordings (for example
// azure-sdk-for-js's nock recordings of login.microsoftonline.com token and
// instance discovery answers): x-ms-request-id is the answer's trace ID (the
// body's trace_id on a refusal), client-request-id echoes the client's, and
// token answers and refusals must not be cached while discovery documents
// may be, for a day.
const (
	headerRequestID = "x-ms-request-id"
	headerClientID  = "client-request-id"
	estsServer      = "2.1.0.0 - LOCAL ProdSlices" // the real one names a build and a region
	hsts            = "max-age=31536000; includeSubDomains"
	p3p             = `CP="DSP CUR OTPi IND OTRi ONL FIN"`
)

// wireIDs are the IDs of one answer: the trace ID the server makes up and
// the correlation ID the client sent (or the server made up).
type wireIDs struct {
	trace, correlation string
}

type wireKey struct{}

// withWireIDs gives the request its trace and correlation IDs and sets the
// platform's headers. Cacheable answers (discovery) say so; every other
// answer is marked not to be stored.
func withWireIDs(w http.ResponseWriter, r *http.Request, cacheable bool) *http.Request {
	idv := wireIDs{trace: newGUID(), correlation: newGUID()}
	sent := r.Header.Get(headerClientID)
	if ids.IsGUID(sent) {
		idv.correlation = sent
	}
	h := w.Header()
	h.Set(headerRequestID, idv.trace)
	if sent != "" && len(sent) <= 128 {
		h.Set(headerClientID, sent)
	}
	if cacheable {
		h.Set("Cache-Control", "max-age=86400, private")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	} else {
		h.Set("Cache-Control", "no-store, no-cache")
		h.Set("Pragma", "no-cache")
		h.Set("Expires", "-1")
	}
	h.Set("Strict-Transport-Security", hsts)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("P3P", p3p)
	h.Set("X-XSS-Protection", "0")
	h.Set("x-ms-ests-server", estsServer)
	return r.WithContext(context.WithValue(r.Context(), wireKey{}, idv))
}

// idsOf returns the request's trace and correlation IDs: those given by
// withWireIDs, or new ones for a request that did not pass through it.
func idsOf(r *http.Request) wireIDs {
	if v, ok := r.Context().Value(wireKey{}).(wireIDs); ok {
		return v
	}
	idv := wireIDs{trace: newGUID(), correlation: newGUID()}
	if sent := r.Header.Get(headerClientID); ids.IsGUID(sent) {
		idv.correlation = sent
	}
	return idv
}

// writeJSON writes v as the platform does: compact, HTML characters
// unescaped, and no newline after the closing brace.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value the server encodes is built of maps, slices,
		// strings and numbers.
		http.Error(w, "graphauthtest: encoding an answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) // the client went away; nothing to do
}
