package graphauthtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxBatch is Graph's limit of requests in one JSON batch.
const maxBatch = 20

// batchItem is one request of a JSON batch.
type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

// graphBatch serves POST /$batch (Graph's JSON batching): up to 20
// requests, each answered with its own status, headers and body, run in
// order with dependsOn; a request whose dependency failed gets 424. The
// answers come in the reverse of the requests' order: Graph documents that
// they "might appear in a different order" and a client must match them by
// id, which a fake answering in order would never show. Each
// request goes through the whole fake, as a request of its own: the same
// bearer token, throttling (so one item can get a 429 with its own
// Retry-After while the batch is 200), faults by path and the request log.
func (s *Server) graphBatch(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if r.Context().Value(inBatchKey{}) != nil {
		// a batch inside a batch however its url spelled $batch
		// ("%24batch"): Graph refuses it, and each level would multiply
		// the requests by 20
		s.writeGraphError(w, r, 400, "BadRequest", "The url of a batch request must be relative to the Graph version, such as /users, and cannot be another $batch.")
		return
	}
	items, e := readBatch(r)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	status := map[string]int{}
	var responses []map[string]any
	for _, it := range items {
		resp := map[string]any{"id": it.ID}
		if failed := failedDependency(it, status); failed != "" {
			resp["status"] = http.StatusFailedDependency
			resp["body"] = graphErrorBody("FailedDependency", "The request depends on request '"+failed+"', which failed.", s.clk.now(), r)
		} else {
			code, headers, body := s.runBatchItem(r, it)
			resp["status"], resp["headers"], resp["body"] = code, headers, body
		}
		status[strings.ToLower(it.ID)] = resp["status"].(int)
		responses = append(responses, resp)
	}
	slices.Reverse(responses)
	writeJSON(w, http.StatusOK, map[string]any{"responses": responses})
}

// readBatch parses and checks a batch body, refusing a malformed batch as a
// whole with 400, as Graph does.
func readBatch(r *http.Request) ([]batchItem, *graphRefusal) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20+1))
	var body struct {
		Requests *[]batchItem `json:"requests"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, badRequest("BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	if body.Requests == nil {
		return nil, badRequest("BadRequest", "Invalid batch payload format: the body must be a JSON object with a 'requests' array.")
	}
	items := *body.Requests
	switch {
	case len(items) == 0:
		return nil, badRequest("BadRequest", "Invalid batch payload format: the batch contains no requests.")
	case len(items) > maxBatch:
		return nil, badRequest("BadRequest", "The number of requests in the batch ("+strconv.Itoa(len(items))+") exceeds the limit of "+strconv.Itoa(maxBatch)+".")
	}
	seen := map[string]bool{}
	for i, it := range items {
		if string(it.Body) == "null" {
			items[i].Body, it.Body = nil, nil
		}
		id := strings.ToLower(it.ID)
		switch {
		case it.ID == "" || it.Method == "" || it.URL == "":
			return nil, badRequest("BadRequest", "Invalid batch payload format: each request needs an id, a method and a url.")
		case seen[id]:
			return nil, badRequest("BadRequest", "Invalid batch payload format: the request id '"+it.ID+"' is used more than once; ids must be unique in a batch.")
		case len(it.Body) > 0 && headerOf(it.Headers, "Content-Type") == "":
			return nil, badRequest("BadRequest", "Invalid batch payload format: request '"+it.ID+"' has a body but no Content-Type header.")
		}
		for _, dep := range it.DependsOn {
			if !seen[strings.ToLower(dep)] {
				return nil, badRequest("BadRequest", "Invalid batch payload format: request '"+it.ID+"' depends on '"+dep+"', which is not an earlier request of the batch.")
			}
		}
		seen[id] = true
	}
	return items, nil
}

func headerOf(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// failedDependency names the first dependency of it that failed, or "".
func failedDependency(it batchItem, status map[string]int) string {
	for _, dep := range it.DependsOn {
		if st := status[strings.ToLower(dep)]; st >= 400 {
			return dep
		}
	}
	return ""
}

// inBatchKey marks the context of a request made from an item of a batch.
type inBatchKey struct{}

// runBatchItem serves one request of a batch through the server's handler.
func (s *Server) runBatchItem(outer *http.Request, it batchItem) (int, map[string]string, any) {
	rel := strings.TrimPrefix(it.URL, "/")
	if strings.Contains(rel, "://") || strings.HasPrefix(strings.ToLower(rel), "$batch") {
		return http.StatusBadRequest, map[string]string{"Content-Type": "application/json"},
			graphErrorBody("BadRequest", "The url of a batch request must be relative to the Graph version, such as /users, and cannot be another $batch.", s.clk.now(), outer)
	}
	var body io.Reader = http.NoBody
	if len(it.Body) > 0 {
		body = bytes.NewReader(it.Body)
	}
	req, err := http.NewRequestWithContext(context.WithValue(outer.Context(), inBatchKey{}, true), strings.ToUpper(it.Method), "/v1.0/"+rel, body)
	if err != nil {
		return http.StatusBadRequest, nil, graphErrorBody("BadRequest", "The url of request '"+it.ID+"' is not valid.", s.clk.now(), outer)
	}
	req.Host, req.TLS, req.RemoteAddr = outer.Host, outer.TLS, outer.RemoteAddr
	req.Header.Set("Authorization", outer.Header.Get("Authorization"))
	for k, v := range it.Headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	headers := map[string]string{}
	for _, k := range []string{"Content-Type", "Cache-Control", "OData-Version", "Retry-After", "Location", "x-ms-throttle-scope", "x-ms-throttle-information", "request-id"} {
		if v := rec.Header().Get(k); v != "" {
			headers[k] = v
		}
	}
	return rec.Code, headers, batchBody(rec.Header().Get("Content-Type"), rec.Body.Bytes())
}

// batchBody is an answer's body as a batch carries it, in OData's JSON
// batch format: JSON as JSON, text as a string, and anything else (a
// report's CSV served as application/octet-stream, a photo) as a base64
// string, which is how Graph sends binary content inside a batch.
func batchBody(contentType string, raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	media := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	var parsed any
	switch {
	case (media == "application/json" || strings.HasSuffix(media, "+json")) && json.Unmarshal(raw, &parsed) == nil:
		return parsed
	case strings.HasPrefix(media, "text/") && utf8.Valid(raw):
		return string(raw)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// graphErrorBody is Graph's error JSON, for answers built outside a
// ResponseWriter.
func graphErrorBody(code, msg string, now time.Time, r *http.Request) map[string]any {
	reqID := newGUID()
	return map[string]any{"error": map[string]any{"code": code, "message": msg, "innerError": map[string]string{
		"date": now.UTC().Format("2006-01-02T15:04:05"), "request-id": reqID, "client-request-id": graphClientRequestID(r, reqID),
	}}}
}
