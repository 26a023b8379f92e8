package registration_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

func TestEachGraphCallOfTheClientIsASpan(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All")
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	defer cred.Close()
	rec := tracetest.NewSpanRecorder()
	c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client(),
		TenantID: srv.TenantID, TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}})
	require.NoError(t, err)
	_, err = c.ServicePrincipal(context.Background(), srv.ClientID)
	require.NoError(t, err)
	_, err = c.ApplicationByAppID(context.Background(), srv.ClientID)
	require.NoError(t, err)
	spans := rec.Ended()
	require.Len(t, spans, 2)
	assert.Equal(t, "GET /serviceprincipals(appid={appid})", spans[0].Name())
	for _, s := range spans {
		for _, a := range s.Attributes() {
			assert.NotContains(t, a.Value.String(), srv.ClientID, "no ID in %s", a.Key)
		}
	}
}
