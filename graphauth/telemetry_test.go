package graphauth_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// observed collects what a credential recorded.
type observed struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
}

func instrumented(srv *graphauthtest.Server) (*graphauth.Options, *observed) {
	o := &observed{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	opts := fakeOpts(srv)
	opts.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(o.reader))
	opts.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(o.spans))
	return opts, o
}

// sum adds up the points of a counter (or the counts of a histogram) whose
// attributes include every one of want.
func (o *observed) sum(t *testing.T, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, o.reader.Collect(context.Background(), &rm))
	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if hasAll(p.Attributes, want) {
						total += p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if hasAll(p.Attributes, want) {
						total += int64(p.Count)
					}
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					if hasAll(p.Attributes, want) {
						total += int64(p.Value)
					}
				}
			}
		}
	}
	return total
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func TestMetricsRecordWhatHappened(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts, o := instrumented(srv)
	opts.Store = graphauth.NewMemoryStore()
	cred := secretCred(t, srv, opts)
	for range 5 {
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err)
	}
	flow := attribute.String("entrakit.flow", "secret")
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricTokenRequests, flow, attribute.String("entrakit.outcome", "success")))
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricTokenDuration, flow))
	assert.EqualValues(t, 4, o.sum(t, graphauth.MetricCacheLookups, attribute.String("entrakit.cache.layer", "memory"), attribute.String("entrakit.cache.result", "hit")))
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricCacheLookups, attribute.String("entrakit.cache.layer", "memory"), attribute.String("entrakit.cache.result", "miss")))
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricCacheLookups, attribute.String("entrakit.cache.layer", "store"), attribute.String("entrakit.cache.result", "miss")))
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricStoreDuration, attribute.String("entrakit.store.operation", "get"), attribute.String("entrakit.outcome", "not_found")))

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "120", Times: -1})
	for range 3 {
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
		require.Error(t, err)
	}
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricTokenRequests, attribute.String("entrakit.outcome", "throttled")))
	assert.EqualValues(t, 1, o.sum(t, graphauth.MetricRetryAfter, flow))
	assert.EqualValues(t, 2, o.sum(t, graphauth.MetricThrottled, flow), "two calls answered without a request")
}

func TestACertificatesDaysToExpiryAreObserved(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts, o := instrumented(srv)
	cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
		&graphauth.CertificateOptions{Options: *opts})
	require.NoError(t, err)
	defer cred.Close()
	days := o.sum(t, graphauth.MetricCredentialExpiry, attribute.String("entrakit.flow", "certificate"))
	assert.InDelta(t, srv.ClientCertificate.NotAfter.Sub(srv.Now()).Hours()/24, float64(days), 1.5)
}

// Spans carry the tenant, status, AADSTS code and the platform's IDs, and
// no attribute holds the secret, an assertion or a token.
func TestSpansNameThePlatformsAnswerAndNoSecret(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts, o := instrumented(srv)
	opts.Retry.MaxRetries = -1
	cred := secretCred(t, srv, opts)
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, AADSTS: 7000215})
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.Error(t, err)

	spans := o.spans.Ended()
	require.Len(t, spans, 2, "one span a request: no discovery on the fake's host")
	ok, refused := spans[0], spans[1]
	attrs := func(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
		m := map[string]attribute.Value{}
		for _, kv := range s.Attributes() {
			m[string(kv.Key)] = kv.Value
		}
		return m
	}
	assert.Equal(t, "POST", ok.Name())
	assert.Equal(t, srv.TenantID, attrs(ok)["entrakit.tenant"].AsString())
	assert.Equal(t, "token", attrs(ok)["entrakit.endpoint"].AsString())
	assert.EqualValues(t, 200, attrs(ok)["http.response.status_code"].AsInt64())
	assert.EqualValues(t, 7000215, attrs(refused)["entrakit.aadsts"].AsInt64())
	assert.NotEmpty(t, attrs(refused)["entrakit.platform.trace_id"].AsString())
	assert.NotEmpty(t, attrs(refused)["entrakit.platform.correlation_id"].AsString())
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			v := kv.Value.String()
			assert.NotContains(t, v, srv.Secret)
			assert.False(t, strings.Contains(v, tok.AccessToken[:40]), "a token in %s", kv.Key)
			assert.NotContains(t, v, "client_secret")
		}
	}
}

func TestTransportSpansAGraphRequest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	spans := tracetest.NewSpanRecorder()
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: srv.Client().Transport, AllowedHosts: []string{srv.URL},
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))}}
	resp, err := client.Get(srv.URL + "/v1.0/organization")
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, spans.Ended(), 1)
	s := spans.Ended()[0]
	assert.Equal(t, "GET", s.Name())
	for _, kv := range s.Attributes() {
		assert.NotContains(t, kv.Value.String(), "/v1.0/organization", "no path")
		assert.NotContains(t, kv.Value.String(), "Bearer")
		if kv.Key == "http.response.status_code" {
			assert.EqualValues(t, resp.StatusCode, kv.Value.AsInt64())
		}
	}
}
