package registration_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
)

// graphLagging answers POST /servicePrincipals with refusal (status, Graph's
// message) refusals times, then creates the service principal, as Graph
// does while the application created moments before has not replicated.
func graphLagging(t *testing.T, status int, refusal string, refusals int32) (*registration.Client, *atomic.Int32) {
	t.Helper()
	var posts atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		inner := `"innerError":{"date":"2026-11-24T09:00:00","request-id":"6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d","client-request-id":"6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"}`
		switch r.Method {
		case http.MethodGet:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":{"code":"Request_ResourceNotFound","message":"Resource '1e2d3c4b-5a69-4788-9766-554433221100' does not exist or one of its queried reference-property objects are not present.",%s}}`, inner)
		case http.MethodPost:
			if posts.Add(1) <= refusals {
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"error":{"code":"Request_BadRequest","message":%q,%s}}`, refusal, inner)
				return
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity","id":"8f7e6d5c-4b3a-4291-8877-665544332211","appId":"1e2d3c4b-5a69-4788-9766-554433221100","displayName":"sync worker"}`)
		}
	}))
	t.Cleanup(api.Close)
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	require.NoError(t, err)
	return c, &posts
}

// CreateApp then EnsureServicePrincipal: Graph refuses the service
// principal while the new application has not replicated (400 "does not
// reference a valid application object", or 403 for an OwnedBy caller),
// and accepts it seconds later. EnsureServicePrincipal failed at once.
func TestAServicePrincipalOfANewAppWaitsForItToReplicate(t *testing.T) {
	t.Parallel()
	const appID = "1e2d3c4b-5a69-4788-9766-554433221100"
	for _, lag := range []struct {
		status int
		msg    string
	}{
		{400, "The appId '" + appID + "' of the service principal does not reference a valid application object."},
		{403, "When using this permission, the backing application of the service principal being created must in the local tenant."},
	} {
		c, posts := graphLagging(t, lag.status, lag.msg, 2)
		sp, created, err := c.EnsureServicePrincipal(context.Background(), appID)
		require.NoError(t, err, lag.msg)
		assert.True(t, created)
		assert.Equal(t, "8f7e6d5c-4b3a-4291-8877-665544332211", sp.ID)
		assert.EqualValues(t, 3, posts.Load())
	}

	// An application that never appears is refused after the last try.
	c, posts := graphLagging(t, 400, "The appId '"+appID+"' of the service principal does not reference a valid application object.", 100)
	_, _, err := c.EnsureServicePrincipal(context.Background(), appID)
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 400, ge.StatusCode)
	assert.EqualValues(t, 5, posts.Load(), "five tries, then the refusal")

	// Any other refusal is not waited on.
	c, posts = graphLagging(t, 400, "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.", 100)
	_, _, err = c.EnsureServicePrincipal(context.Background(), appID)
	require.Error(t, err)
	assert.EqualValues(t, 1, posts.Load())
}
