package registration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// Graph keeps one delegated grant per client, resource and principal, and
// refuses a second POST with 400 "Permission entry already exists.";
// GrantDelegated after an administrator's consent or an earlier call
// failed there (the fake merged the scopes silently). It now adds the
// scopes to the grant that exists.
func TestGrantDelegatedAddsToTheGrantThatExists(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "DelegatedPermissionGrant.ReadWrite.All", "Application.ReadWrite.All", "Application.Read.All")
	ctx := context.Background()
	sp, err := c.ServicePrincipal(ctx, srv.ClientID)
	require.NoError(t, err)
	scopes := func() []string {
		var out struct {
			Value []struct {
				ConsentType string `json:"consentType"`
				Scope       string `json:"scope"`
			} `json:"value"`
		}
		require.NoError(t, c.Get(ctx, "/oauth2PermissionGrants?$filter=clientId eq '"+sp.ID+"'", &out))
		var all []string
		for _, g := range out.Value {
			if g.ConsentType == "AllPrincipals" {
				all = append(all, strings.Fields(g.Scope)...)
			}
		}
		return all
	}

	require.NoError(t, c.GrantDelegated(ctx, srv.ClientID, registration.MicrosoftGraphAppID, "", "Mail.Send", "User.Read"))
	before := scopes()
	assert.Subset(t, before, []string{"Mail.Send", "User.Read"})
	require.NoError(t, c.GrantDelegated(ctx, srv.ClientID, registration.MicrosoftGraphAppID, "", "Files.Read"))
	after := scopes()
	assert.ElementsMatch(t, append(before, "Files.Read"), after, "added to the one grant, nothing lost")
	require.NoError(t, c.GrantDelegated(ctx, srv.ClientID, registration.MicrosoftGraphAppID, "", "User.Read"), "granting again is harmless")
	assert.ElementsMatch(t, after, scopes())
}

// The grant GrantDelegated adds to is its client's: a listing that holds
// another app's grant to the same resource (a proxy or an older Graph
// version that does not apply $filter) had that app's grant widened with
// the scopes, and the client's left as it was.
func TestGrantDelegatedWidensOnlyItsClientsGrant(t *testing.T) {
	t.Parallel()
	const clientSP, otherSP, graphSP = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
	var mu sync.Mutex
	var patched []string
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		inner := `"innerError":{"date":"2026-11-24T09:00:00","request-id":"r","client-request-id":"r"}`
		switch {
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1.0/servicePrincipals(appId='00000003"):
			fmt.Fprintf(w, `{"id":%q,"appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph"}`, graphSP)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1.0/servicePrincipals(appId="):
			fmt.Fprintf(w, `{"id":%q,"appId":"44444444-4444-4444-8444-444444444444","displayName":"client"}`, clientSP)
		case r.Method == "POST" && r.URL.Path == "/v1.0/oauth2PermissionGrants":
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"code":"Request_BadRequest","message":"Permission entry already exists.",%s}}`, inner)
		case r.Method == "GET" && r.URL.Path == "/v1.0/oauth2PermissionGrants":
			fmt.Fprintf(w, `{"value":[{"id":"other-grant","clientId":%q,"consentType":"AllPrincipals","principalId":null,"resourceId":%q,"scope":"User.Read"},`+
				`{"id":"own-grant","clientId":%q,"consentType":"AllPrincipals","principalId":null,"resourceId":%q,"scope":"User.Read"}]}`, otherSP, graphSP, clientSP, graphSP)
		case r.Method == "PATCH":
			mu.Lock()
			patched = append(patched, r.URL.Path)
			mu.Unlock()
			w.WriteHeader(204)
		default:
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"error":{"code":"Request_ResourceNotFound","message":"no",%s}}`, inner)
		}
	}))
	defer api.Close()
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	require.NoError(t, c.GrantDelegated(context.Background(), "44444444-4444-4444-8444-444444444444", registration.MicrosoftGraphAppID, "", "Mail.Send"))
	require.NotEmpty(t, patched)
	for _, p := range patched {
		assert.Equal(t, "/v1.0/oauth2PermissionGrants/own-grant", p)
	}
}

// Graph offers no ETag on a grant: another writer that read the grant
// before GrantDelegated's PATCH and wrote after it dropped the scope
// GrantDelegated added, which returned nil all the same. The scopes are
// read back and added again.
func TestGrantDelegatedAddsAgainAScopeAnotherWriterDropped(t *testing.T) {
	t.Parallel()
	const clientSP, graphSP = "11111111-1111-4111-8111-111111111111", "33333333-3333-4333-8333-333333333333"
	var mu sync.Mutex
	scope, patches := "User.Read", 0
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1.0/servicePrincipals(appId='00000003"):
			fmt.Fprintf(w, `{"id":%q,"appId":"00000003-0000-0000-c000-000000000000"}`, graphSP)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1.0/servicePrincipals(appId="):
			fmt.Fprintf(w, `{"id":%q,"appId":"44444444-4444-4444-8444-444444444444"}`, clientSP)
		case r.Method == "POST":
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":{"code":"Request_BadRequest","message":"Permission entry already exists.","innerError":{"request-id":"r"}}}`)
		case r.Method == "GET":
			fmt.Fprintf(w, `{"value":[{"id":"grant","clientId":%q,"consentType":"AllPrincipals","principalId":null,"resourceId":%q,"scope":%q}]}`, clientSP, graphSP, scope)
		case r.Method == "PATCH":
			var body struct{ Scope string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			scope = body.Scope
			if patches++; patches == 1 {
				scope = "User.Read Files.Read" // the other writer, who read "User.Read"
			}
			w.WriteHeader(204)
		}
	}))
	defer api.Close()
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	require.NoError(t, c.GrantDelegated(context.Background(), "44444444-4444-4444-8444-444444444444", registration.MicrosoftGraphAppID, "", "Mail.Send"))
	mu.Lock()
	defer mu.Unlock()
	assert.ElementsMatch(t, []string{"User.Read", "Files.Read", "Mail.Send"}, strings.Fields(scope))
	assert.Equal(t, 2, patches)
}

// A scope is one permission: one holding a space ("read admin") would
// grant two of an API whose scope names are not checked here, and an empty
// one made a grant of no scope. Both are refused before Graph is called.
func TestGrantDelegatedRefusesAScopeThatIsNotOne(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(500)
	}))
	defer api.Close()
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	for _, scope := range []string{"read admin", "read\nadmin", ""} {
		err := c.GrantDelegated(context.Background(), "44444444-4444-4444-8444-444444444444", "55555555-5555-4555-8555-555555555555", "", "read", scope)
		require.Error(t, err, "%q", scope)
		assert.Contains(t, err.Error(), "is not one permission")
		assert.NotContains(t, err.Error(), "\n")
	}
	assert.Zero(t, calls.Load())
}
