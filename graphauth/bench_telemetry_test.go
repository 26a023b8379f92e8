package graphauth_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// BenchmarkCachedTokenTelemetry is a cache hit without OpenTelemetry
// providers (the default) and with the SDK's, recording.
func BenchmarkCachedTokenTelemetry(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opts func() *graphauth.Options
	}{
		{"none", func() *graphauth.Options { return fakeOptsB(direct(srv)) }},
		{"sdk", func() *graphauth.Options {
			o := fakeOptsB(direct(srv))
			o.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			o.TracerProvider = sdktrace.NewTracerProvider()
			return o
		}},
	} {
		cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), c.opts())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		cred.Close()
	}
}
