package registration_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/registration"
)

// graphAssigning answers GrantAppRoles' calls as Graph does when another
// replica assigned the role between this one's read and its write: the
// assignment list is empty, and the POST is refused as a duplicate with
// refusal.
func graphAssigning(t *testing.T, refusal string) *registration.Client {
	t.Helper()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
		w.Header().Set("request-id", "0f6e2d4c-8b1a-4c3e-9d5f-7a2b1c0d9e8f")
		path := r.URL.Path
		switch {
		case r.Method == "GET" && strings.Contains(path, "00000003-0000-0000-c000-000000000000"):
			fmt.Fprint(w, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(id,appId,displayName,appRoles)/$entity","id":"5b1a0c7e-1111-4f6e-9a2d-3c4b5d6e7f80","appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph","appRoles":[{"allowedMemberTypes":["Application"],"description":"Allows the app to read user profiles without a signed in user.","displayName":"Read all users' full profiles","id":"df021288-bdef-4463-88db-98f22de89214","isEnabled":true,"origin":"Application","value":"User.Read.All"}]}`)
		case r.Method == "GET" && strings.HasSuffix(path, "/appRoleAssignments"):
			fmt.Fprint(w, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('9c8d7e6f-2222-4a1b-8c3d-4e5f6a7b8c9d')/appRoleAssignments","value":[]}`)
		case r.Method == "GET":
			fmt.Fprint(w, `{"id":"9c8d7e6f-2222-4a1b-8c3d-4e5f6a7b8c9d","appId":"3f2e1d0c-3333-4b5a-9c8d-7e6f5a4b3c2d","displayName":"sync worker","appRoles":[]}`)
		case r.Method == "POST" && strings.HasSuffix(path, "/appRoleAssignedTo"):
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"code":"Request_BadRequest","message":%q,"innerError":{"date":"2026-11-24T09:00:00","request-id":"0f6e2d4c-8b1a-4c3e-9d5f-7a2b1c0d9e8f","client-request-id":"0f6e2d4c-8b1a-4c3e-9d5f-7a2b1c0d9e8f"}}}`, refusal)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	return c
}

// Two replicas granting the same role race: the one whose POST comes
// second gets Graph's 400 "Permission being assigned already exists on
// the object.", and the role it wanted is granted. GrantAppRoles returned
// that refusal as a failure.
func TestAnAssignmentMadeMeanwhileIsAGrant(t *testing.T) {
	t.Parallel()
	c := graphAssigning(t, "Permission being assigned already exists on the object.")
	require.NoError(t, c.GrantAppRoles(context.Background(), "3f2e1d0c-3333-4b5a-9c8d-7e6f5a4b3c2d", registration.MicrosoftGraphAppID, "User.Read.All"))

	other := graphAssigning(t, "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.")
	err := other.GrantAppRoles(context.Background(), "3f2e1d0c-3333-4b5a-9c8d-7e6f5a4b3c2d", registration.MicrosoftGraphAppID, "User.Read.All")
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge, "another refusal is still an error")
	assert.Equal(t, "Request_BadRequest", ge.Code)
}
