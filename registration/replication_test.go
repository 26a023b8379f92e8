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

// AddPassword moments after CreateApp: Graph answers 404
// Request_ResourceNotFound until the new application reaches the replica
// that serves the call. For an application this client created in the
// last two minutes that 404 is waited out; for any other it is the answer.
func TestCallsOnANewAppWaitOutItsReplication(t *testing.T) {
	t.Parallel()
	const objectID, appID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
	var tries atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1.0/applications":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications/$entity","id":%q,"appId":%q,"displayName":"sync worker","signInAudience":"AzureADMyOrg","passwordCredentials":[],"keyCredentials":[]}`, objectID, appID)
		case r.URL.Path == "/v1.0/applications/"+objectID+"/addPassword" && tries.Add(1) > 2:
			fmt.Fprint(w, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential","customKeyIdentifier":null,"displayName":"ci","endDateTime":"2028-11-24T09:00:00.1234567Z","hint":"Xy~","keyId":"2b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809","secretText":"Xy~not-a-real-secret-value-0123456789","startDateTime":"2026-11-24T09:00:00.1234567Z"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist or one of its queried reference-property objects are not present.","innerError":{"date":"2026-11-24T09:00:00","request-id":"r","client-request-id":"r"}}}`)
		}
	}))
	defer api.Close()
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	require.NoError(t, err)
	ctx := context.Background()

	stranger := "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
	_, err = c.AddPassword(ctx, stranger, "ci", time.Time{})
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge)
	assert.True(t, ge.NotFound(), "an app this client did not just create: the 404 is the answer")

	app, err := c.CreateApp(ctx, registration.App{DisplayName: "sync worker"})
	require.NoError(t, err)
	pw, err := c.AddPassword(ctx, app.ObjectID, "ci", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, "Xy~", pw.Hint)
	assert.EqualValues(t, 3, tries.Load(), "two 404s while the new app replicated, then the secret")
}
