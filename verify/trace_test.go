package verify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/verify"
)

func TestVerifysGraphCallsAreSpans(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	rec := tracetest.NewSpanRecorder()
	o := runOpts(srv, cfg)
	o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles, ProbeGraph: true}, o)
	assert.False(t, r.Failed(), r.Text())
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), "eyJ", "no token in %s", a.Key)
		}
	}
	joined := strings.Join(names, "|")
	for _, want := range []string{"GET /users", "GET /groups", "GET /organization", "GET /subscribedskus"} {
		assert.Contains(t, joined, want)
	}
}
