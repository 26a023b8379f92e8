package msgraph

import (
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// tracerName names the kit's instrumentation scope, as graphauth does.
const tracerName = "github.com/entrakit/entrakit"

// tracer wraps each request to Graph in a client span.
type tracer struct {
	next   http.RoundTripper
	t      trace.Tracer
	tenant string
}

// tracing returns next with a span per request, or next itself when tp is
// nil.
func tracing(tp trace.TracerProvider, next http.RoundTripper, tenant string) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if tp == nil {
		return next
	}
	return &tracer{next: next, t: tp.Tracer(tracerName), tenant: tenant}
}

// RoundTrip sends req inside a span named "{method} {url.template}" (the
// call's path template from Microsoft's permission map, such as
// /users/{id}; never the IDs or the query), with the status, Graph's
// request-id and, on a refusal, the error type. No header is recorded.
func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	name, template := req.Method, templateOf(req)
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", req.Method),
		attribute.String("server.address", req.URL.Hostname()),
		attribute.String("entrakit.endpoint", "graph"),
	}
	if template != "" {
		name += " " + template
		attrs = append(attrs, attribute.String("url.template", template))
	}
	if t.tenant != "" {
		attrs = append(attrs, attribute.String("entrakit.tenant", clip(t.tenant, 64)))
	}
	ctx, span := t.t.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	defer span.End()
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "no answer")
		span.SetAttributes(attribute.String("error.type", "transport"))
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if id := resp.Header.Get("request-id"); id != "" {
		span.SetAttributes(attribute.String("entrakit.graph.request_id", clip(id, 64)))
	}
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, strconv.Itoa(resp.StatusCode))
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(resp.StatusCode)))
	}
	return resp, nil
}

// templateOf is the permission map's template for the request's path, or "".
func templateOf(req *http.Request) string {
	for _, s := range []graphperm.Scheme{graphperm.SchemeApplication, graphperm.SchemeDelegatedWork} {
		if r, miss := graphperm.Lookup(req.Method, req.URL.EscapedPath(), s); miss == graphperm.Hit {
			return r.Template()
		}
	}
	return ""
}
