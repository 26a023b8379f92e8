package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestPagesThroughUsersAndGroupsFromThePastedV1TokenURL(t *testing.T) {
	t.Setenv("AZURE_CLIENT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), 2, "", &out))
	text := out.String()
	assert.Contains(t, text, ", endpoint v1\nv1 token: roles User.Read.All, Group.Read.All, Organization.Read.All\n")
	assert.Contains(t, text, "page 1: Megan Admin, Adele Vance\npage 2: Lee Gu\n3 users in all\n")
	assert.Contains(t, text, "3 groups: Sales, IT Admins, All Staff\n")
	assert.True(t, strings.HasSuffix(text, "the guide asks for: User.Read.All, Group.Read.All\n"+
		"the calls made need: GroupMember.Read.All, User.ReadBasic.All\n"+
		"  GET /users: User.ReadBasic.All\n"+
		"  GET /groups: GroupMember.Read.All\n"+
		"  has User.Read.All; the calls made need only User.ReadBasic.All\n"+
		"  has Group.Read.All; the calls made need only GroupMember.Read.All\n"), text)
}

// TestTheGuideStepByStep follows the data-sync tool's setup guide in its
// words, on the fake platform.
func TestTheGuideStepByStep(t *testing.T) {
	// "1. In the Microsoft Entra admin center, register an application and
	// note its Application (client) ID."
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	// "2. Under API permissions, add the Microsoft Graph application
	// permissions User.Read.All and Group.Read.All, and grant admin
	// consent." (The fake's default app holds them.)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.Read.All", "Group.Read.All")
	// "3. Under Certificates & secrets, create a client secret and copy its
	// Value."
	secret := graphauth.Secret(srv.Secret)
	// "4. Under Overview > Endpoints, copy the OAuth 2.0 token endpoint (v1)."
	tokenURL := srv.URL + "/" + srv.TenantID + "/oauth2/token"
	fake := []graphauth.Cloud{{Name: "fake", AuthorityHost: srv.URL, GraphEndpoint: srv.URL}}
	// "5. In the tool's connection form, paste the Token URL, the Client
	// ID and the Client Secret; the Resource is https://graph.microsoft.com.
	// Click Test connection."
	form := settings{TokenURL: tokenURL, ClientID: srv.ClientID, ClientSecret: secret, Resource: "https://graph.microsoft.com"}
	var out bytes.Buffer
	require.NoError(t, sync(context.Background(), form, fake, srv.Client(), 100, &out))
	assert.Contains(t, out.String(), "Token URL: cloud fake, tenant "+srv.TenantID+", endpoint v1\n")
	assert.Contains(t, out.String(), "2 users in all\n")
	assert.Contains(t, out.String(), "3 groups: ")
	v1, v2 := 0, 0
	for _, r := range srv.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/oauth2/token"):
			v1++
		case strings.HasSuffix(r.Path, "/oauth2/v2.0/token"):
			v2++
		}
	}
	assert.Equal(t, 1, v1, "one v1 token served every Graph call")
	assert.Zero(t, v2)

	// The same form with the v2 token endpoint works too.
	form.TokenURL = srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token"
	out.Reset()
	require.NoError(t, sync(context.Background(), form, fake, srv.Client(), 100, &out))
	assert.Contains(t, out.String(), "endpoint v2\nv2 token: roles ")

	// A URL that is no token endpoint is refused with what to paste.
	form.TokenURL = srv.URL + "/v1.0/users"
	err := sync(context.Background(), form, fake, srv.Client(), 100, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "neither a GUID nor a domain")
	form.TokenURL = "https://graph.microsoft.com/v1.0/users"
	err = sync(context.Background(), form, fake, srv.Client(), 100, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is Microsoft Graph's address")
}
