package registration_test

import (
	"context"
	"strings"
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
