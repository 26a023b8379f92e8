package registration_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// The Application (client) ID pasted where the Object ID belongs (a
// Rotator's ObjectID, APP_OBJECT_ID) was a bare 404 "Resource … does not
// exist": the error now says which ID it is and gives the object ID, and
// stays the *GraphError.
func TestAClientIDGivenAsTheObjectIDIsNamed(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "Application.Read.All")
	ctx := context.Background()
	app, err := c.ApplicationByAppID(ctx, srv.ClientID)
	require.NoError(t, err)

	_, err = c.Application(ctx, srv.ClientID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), srv.ClientID+" is the Application (client) ID of app")
	assert.Contains(t, err.Error(), "not its Object ID, which is "+app.ObjectID)
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, http.StatusNotFound, ge.StatusCode)
	_, err = c.Credentials(ctx, srv.ClientID)
	assert.ErrorContains(t, err, "not its Object ID, which is "+app.ObjectID)

	// An ID that is neither stays Graph's 404, as it was.
	_, err = c.Application(ctx, "0b0c2f5e-0000-4000-8000-000000000000")
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, http.StatusNotFound, ge.StatusCode)
	assert.NotContains(t, err.Error(), "client) ID")
}
