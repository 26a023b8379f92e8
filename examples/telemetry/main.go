// Command telemetry wires entrakit's metrics into the OpenTelemetry SDK and
// prints what a short run recorded: 50 calls for one token (one request,
// 49 cache hits), a tenant the platform throttles (one request, then
// refusals without a request while Retry-After lasts), and a Graph call
// through Transport, as spans.
//
//	go run ./examples/telemetry
//
// It runs on the fake platform. In production, hand the same providers to
// graphauth.Options (and Transport) and keep the exporter the platform team
// already runs (OTLP, Prometheus); the stdout exporter here prints JSON.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "telemetry:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	throttled := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Throttled"}).ID
	srv.AddServicePrincipal(throttled, srv.ClientID)

	exporter, err := stdoutmetric.New(stdoutmetric.WithWriter(out), stdoutmetric.WithPrettyPrint())
	if err != nil {
		return err
	}
	reader := sdkmetric.NewPeriodicReader(exporter) // exports on Shutdown too
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tracers := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &graphauth.Options{
		AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{throttled},
		MeterProvider: meters, TracerProvider: tracers,
	})
	if err != nil {
		return err
	}
	defer cred.Close()
	for range 50 {
		if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
			return err
		}
	}
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "120", Times: -1})
	for range 10 {
		_, _ = cred.Token(ctx, graphauth.TokenRequest{TenantID: throttled}) // 1 request, then 9 refusals at once
	}
	srv.ClearFaults()

	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: srv.Client().Transport,
		AllowedHosts: []string{srv.URL}, TracerProvider: tracers}}
	resp, err := client.Get(srv.URL + "/v1.0/organization")
	if err != nil {
		return err
	}
	resp.Body.Close()

	fmt.Fprintf(out, "token requests the platform saw: %d\n", srv.Count(graphauthtest.EndpointToken))
	for _, s := range spans.Ended() {
		fmt.Fprintf(out, "span %s %s:", s.Name(), s.SpanKind())
		for _, kv := range s.Attributes() {
			fmt.Fprintf(out, " %s=%s", kv.Key, kv.Value.String())
		}
		fmt.Fprintln(out)
	}
	return meters.Shutdown(ctx) // flushes the metrics to the exporter
}
