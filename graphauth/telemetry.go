package graphauth

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Instrument names, under the entrakit. prefix: OpenTelemetry's semantic
// conventions have none for token acquisition. Attributes hold the flow,
// outcome, tenant, AADSTS code and the platform's trace and correlation IDs:
// never a secret, an assertion or a token.
const (
	meterName = "github.com/entrakit/entrakit/graphauth"

	// MetricTokenRequests counts token requests sent to the platform, by
	// flow, outcome and AADSTS code.
	MetricTokenRequests = "entrakit.token.requests"
	// MetricTokenDuration is how long token requests took, in seconds.
	MetricTokenDuration = "entrakit.token.duration"
	// MetricCacheLookups counts token look-ups by cache layer (memory,
	// store) and result (hit, miss).
	MetricCacheLookups = "entrakit.token.cache.lookups"
	// MetricRefreshLead is how long before its expiry a token's successor
	// arrived, in seconds.
	MetricRefreshLead = "entrakit.token.refresh.lead"
	// MetricThrottled counts token calls answered without a request because
	// a Retry-After had not elapsed.
	MetricThrottled = "entrakit.token.throttled"
	// MetricRetryAfter is the Retry-After the platform asked for, in seconds.
	MetricRetryAfter = "entrakit.token.retry_after"
	// MetricStoreDuration is how long Store calls took, in seconds, by
	// operation and outcome.
	MetricStoreDuration = "entrakit.store.duration"
	// MetricCredentialExpiry is the days left before the credential in use
	// (a certificate) expires.
	MetricCredentialExpiry = "entrakit.credential.expiry"
)

// telemetry is a credential's instruments and tracer. A credential without
// a MeterProvider or TracerProvider has none (nil), so that a cached Token
// call pays one nil check and nothing else.
type telemetry struct {
	flow       attribute.KeyValue
	requests   metric.Int64Counter
	duration   metric.Float64Histogram
	lead       metric.Float64Histogram
	throttled  metric.Int64Counter
	retryAfter metric.Float64Histogram
	store      metric.Float64Histogram
	tracer     trace.Tracer // nil without a TracerProvider

	memHits, memMisses, storeHits, storeMisses atomic.Int64
	expires                                    atomic.Int64 // Unix seconds the credential in use expires; 0 if unknown
}

func newTelemetry(flow string, mp metric.MeterProvider, tp trace.TracerProvider) (*telemetry, error) {
	if mp == nil && tp == nil {
		return nil, nil
	}
	t := &telemetry{flow: attribute.String("entrakit.flow", flow)}
	if tp != nil {
		t.tracer = tp.Tracer(meterName)
	}
	if mp == nil {
		return t, nil
	}
	m := mp.Meter(meterName)
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	t.requests, err = m.Int64Counter(MetricTokenRequests, metric.WithUnit("{request}"), metric.WithDescription("Token requests sent to the identity platform."))
	add(err)
	t.duration, err = m.Float64Histogram(MetricTokenDuration, metric.WithUnit("s"), metric.WithDescription("Duration of token requests."))
	add(err)
	t.lead, err = m.Float64Histogram(MetricRefreshLead, metric.WithUnit("s"), metric.WithDescription("Time left on a token when its successor arrived."))
	add(err)
	t.throttled, err = m.Int64Counter(MetricThrottled, metric.WithUnit("{call}"), metric.WithDescription("Token calls refused without a request while a Retry-After lasted."))
	add(err)
	t.retryAfter, err = m.Float64Histogram(MetricRetryAfter, metric.WithUnit("s"), metric.WithDescription("Retry-After asked for by the platform."))
	add(err)
	t.store, err = m.Float64Histogram(MetricStoreDuration, metric.WithUnit("s"), metric.WithDescription("Duration of calls to the shared token store."))
	add(err)
	lookups, err := m.Int64ObservableCounter(MetricCacheLookups, metric.WithUnit("{lookup}"), metric.WithDescription("Token look-ups by cache layer and result."))
	add(err)
	expiry, err := m.Float64ObservableGauge(MetricCredentialExpiry, metric.WithUnit("d"), metric.WithDescription("Days before the credential in use expires."))
	add(err)
	if err := errors.Join(errs...); err != nil {
		return nil, &ConfigError{Field: "MeterProvider", Reason: "the instruments could not be created", Err: err}
	}
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		layer := func(l, r string) metric.ObserveOption {
			return metric.WithAttributes(t.flow, attribute.String("entrakit.cache.layer", l), attribute.String("entrakit.cache.result", r))
		}
		o.ObserveInt64(lookups, t.memHits.Load(), layer("memory", "hit"))
		o.ObserveInt64(lookups, t.memMisses.Load(), layer("memory", "miss"))
		o.ObserveInt64(lookups, t.storeHits.Load(), layer("store", "hit"))
		o.ObserveInt64(lookups, t.storeMisses.Load(), layer("store", "miss"))
		if exp := t.expires.Load(); exp != 0 {
			o.ObserveFloat64(expiry, time.Until(time.Unix(exp, 0)).Hours()/24, metric.WithAttributes(t.flow))
		}
		return nil
	}, lookups, expiry)
	if err != nil {
		return nil, &ConfigError{Field: "MeterProvider", Reason: "the instruments could not be registered", Err: err}
	}
	return t, nil
}

// outcome names how a token request ended.
func outcome(err error) string {
	var ae *AuthError
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, ErrThrottled):
		return "throttled_locally"
	case !errors.As(err, &ae):
		return "error"
	case ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode == http.StatusServiceUnavailable:
		return "throttled"
	case errors.Is(err, ErrUnexpectedResponse):
		return "unexpected_response"
	case ae.StatusCode == 0:
		return "transport_error"
	case ae.StatusCode >= 500:
		return "server_error"
	}
	return "refused"
}

// requested records one token request to the platform.
func (t *telemetry) requested(ctx context.Context, took time.Duration, err error) {
	if t == nil || t.requests == nil {
		return
	}
	attrs := []attribute.KeyValue{t.flow, attribute.String("entrakit.outcome", outcome(err))}
	var ae *AuthError
	if errors.As(err, &ae) {
		if len(ae.AADSTS) > 0 {
			attrs = append(attrs, attribute.Int("entrakit.aadsts", ae.AADSTS[0]))
		}
		if ae.RetryAfter > 0 {
			t.retryAfter.Record(ctx, ae.RetryAfter.Seconds(), metric.WithAttributes(t.flow))
		}
	}
	opt := metric.WithAttributes(attrs...)
	t.requests.Add(ctx, 1, opt)
	t.duration.Record(ctx, took.Seconds(), opt)
}

// refusedLocally records a call answered from the throttle memory.
func (t *telemetry) refusedLocally(ctx context.Context) {
	if t != nil && t.throttled != nil {
		t.throttled.Add(ctx, 1, metric.WithAttributes(t.flow))
	}
}

// refreshed records how much life a token had left when its successor came.
func (t *telemetry) refreshed(ctx context.Context, left time.Duration) {
	if t != nil && t.lead != nil {
		t.lead.Record(ctx, left.Seconds(), metric.WithAttributes(t.flow))
	}
}

// storeCall records one Store call.
func (t *telemetry) storeCall(ctx context.Context, op string, took time.Duration, err error) {
	if t == nil || t.store == nil {
		return
	}
	result := "ok"
	switch {
	case errors.Is(err, ErrNotFound):
		result = "not_found"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errStoreStuck):
		result = "timeout"
	case err != nil:
		result = "error"
	}
	t.store.Record(ctx, took.Seconds(), metric.WithAttributes(t.flow, attribute.String("entrakit.store.operation", op), attribute.String("entrakit.outcome", result)))
}

func (t *telemetry) hit() {
	if t != nil {
		t.memHits.Add(1)
	}
}

func (t *telemetry) miss() {
	if t != nil {
		t.memMisses.Add(1)
	}
}

func (t *telemetry) storeLookup(hit bool) {
	switch {
	case t == nil:
	case hit:
		t.storeHits.Add(1)
	default:
		t.storeMisses.Add(1)
	}
}

// tracerOf is the tracer of t, or nil.
func (t *telemetry) tracerOf() trace.Tracer {
	if t == nil {
		return nil
	}
	return t.tracer
}

// traceRequest wraps one request to the identity platform in a client span
// named after its method, with the tenant and the answer's status, AADSTS
// code and the platform's trace and correlation IDs as attributes. The URL's
// path and query are not recorded; the request body never is.
func traceRequest(tracer trace.Tracer, req *http.Request, send func(*http.Request) (*http.Response, []byte, error)) (*http.Response, []byte, error) {
	if tracer == nil {
		return send(req)
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	ctx, span := tracer.Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", req.Method),
		attribute.String("server.address", req.URL.Hostname()),
		attribute.String("entrakit.tenant", tenant),
		attribute.String("entrakit.endpoint", endpointOf(req)),
	))
	defer span.End()
	resp, body, err := send(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "no answer")
		span.SetAttributes(attribute.String("error.type", "transport"))
		return resp, body, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		ae := authErrorFromBody(resp.StatusCode, resp.Header, body)
		span.SetStatus(codes.Error, ae.Code)
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(resp.StatusCode)))
		if len(ae.AADSTS) > 0 {
			span.SetAttributes(attribute.Int("entrakit.aadsts", ae.AADSTS[0]))
		}
		if ae.TraceID != "" {
			span.SetAttributes(attribute.String("entrakit.platform.trace_id", ae.TraceID), attribute.String("entrakit.platform.correlation_id", ae.CorrelationID))
		}
	}
	return resp, body, err
}

// endpointOf names the platform endpoint a request is for.
func endpointOf(req *http.Request) string {
	switch p := req.URL.Path; {
	case isTokenEndpoint(req):
		return "token"
	case strings.HasSuffix(p, "/openid-configuration"):
		return "discovery"
	case strings.HasSuffix(p, "/keys"):
		return "keys"
	case strings.Contains(p, "/discovery/instance"):
		return "instance_discovery"
	}
	return "other"
}

// tracerFrom is tp's tracer for this package, or nil.
func tracerFrom(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return nil
	}
	return tp.Tracer(meterName)
}

// traceGraph wraps one request to a resource (Graph) in a client span.
func traceGraph(tp trace.TracerProvider, req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if tp == nil {
		return send(req)
	}
	ctx, span := tp.Tracer(meterName).Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", req.Method),
		attribute.String("server.address", req.URL.Hostname()),
	))
	defer span.End()
	resp, err := send(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "no answer")
		span.SetAttributes(attribute.String("error.type", "transport"))
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if id := resp.Header.Get("request-id"); id != "" {
		span.SetAttributes(attribute.String("entrakit.graph.request_id", clip(id, 64)))
	}
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, strconv.Itoa(resp.StatusCode))
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(resp.StatusCode)))
	}
	return resp, err
}
