package graphauthtest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

type graphReply struct {
	Status int
	Header http.Header
	Body   map[string]any
}

func (g graphReply) errorCode() string {
	e, _ := g.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func graphCall(t *testing.T, srv *graphauthtest.Server, token, method, path string, body any) graphReply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out := graphReply{Status: resp.StatusCode, Header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

func appToken(t *testing.T, srv *graphauthtest.Server) string {
	t.Helper()
	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", secretForm(srv))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	return r.AccessToken
}

func TestGraphChecksTheBearerToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := graphauthtest.NewServer(nil)
	defer other.Close()

	assert.Equal(t, 401, graphCall(t, srv, "", "GET", "/v1.0/organization", nil).Status)
	r := graphCall(t, srv, appToken(t, other), "GET", "/v1.0/organization", nil)
	assert.Equal(t, 401, r.Status, "a token signed by another platform")
	assert.Equal(t, "InvalidAuthenticationToken", r.errorCode())

	tok := appToken(t, srv)
	r = graphCall(t, srv, tok, "GET", "/v1.0/organization", nil)
	require.Equal(t, 200, r.Status)
	org := r.Body["value"].([]any)[0].(map[string]any)
	assert.Equal(t, srv.TenantID, org["id"])

	srv.Advance(3600 * 1e9)
	r = graphCall(t, srv, tok, "GET", "/v1.0/organization", nil)
	assert.Equal(t, 401, r.Status, "an expired token")
}

func TestGraphAnswers403WithoutThePermission(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	tok := appToken(t, srv)
	r := graphCall(t, srv, tok, "GET", "/v1.0/groups", nil)
	assert.Equal(t, 403, r.Status)
	assert.Equal(t, "Authorization_RequestDenied", r.errorCode())
	assert.Equal(t, 200, graphCall(t, srv, tok, "GET", "/v1.0/users", nil).Status)
	assert.Equal(t, 403, graphCall(t, srv, tok, "POST", "/v1.0/applications", map[string]any{"displayName": "x"}).Status)
}

func TestGraphPagesWithNextLink(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	var names []string
	next := "/v1.0/groups?$top=2"
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 5)
		r := graphCall(t, srv, tok, "GET", next, nil)
		require.Equal(t, 200, r.Status)
		for _, g := range r.Body["value"].([]any) {
			names = append(names, g.(map[string]any)["displayName"].(string))
		}
		link, _ := r.Body["@odata.nextLink"].(string)
		next = ""
		if link != "" {
			u, err := url.Parse(link)
			require.NoError(t, err)
			next = u.RequestURI()
		}
	}
	assert.Equal(t, []string{"Sales", "IT Admins", "All Staff"}, names)
	bad := graphCall(t, srv, tok, "GET", "/v1.0/groups?$skiptoken=garbage", nil)
	assert.Equal(t, 400, bad.Status)
}

// A registration tool creates an app, gives it a secret and a certificate,
// creates its service principal and grants it an app role, all through
// Graph, and the new app then gets a token carrying that role.
func TestGraphRegistrationRoundTrip(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	tok := appToken(t, srv)

	created := graphCall(t, srv, tok, "POST", "/v1.0/applications", map[string]any{
		"displayName":    "sync worker",
		"signInAudience": "AzureADMyOrg",
		"requiredResourceAccess": []map[string]any{{"resourceAppId": "00000003-0000-0000-c000-000000000000",
			"resourceAccess": []map[string]string{{"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"}}}},
	})
	require.Equal(t, 201, created.Status, created.Body)
	objectID, appID := created.Body["id"].(string), created.Body["appId"].(string)
	assert.Equal(t, "https://graph.microsoft.com/v2/"+srv.TenantID+"/directoryObjects/"+objectID+"/Microsoft.DirectoryServices.Application",
		created.Header.Get("Location"), "a directory create names the new object as Graph's do")

	pw := graphCall(t, srv, tok, "POST", "/v1.0/applications/"+objectID+"/addPassword", map[string]any{"passwordCredential": map[string]string{"displayName": "ci"}})
	require.Equal(t, 200, pw.Status, pw.Body)
	secret := pw.Body["secretText"].(string)
	assert.Equal(t, secret[:3], pw.Body["hint"])
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential", pw.Body["@odata.context"])
	stamped, _ := srv.App(appID)
	require.Len(t, stamped.Secrets, 1)
	start := pw.Body["startDateTime"].(string)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$`, start, "Graph's ticks: at most seven fractional digits")
	assert.Equal(t, stamped.Secrets[0].Start.UTC().Truncate(100*time.Nanosecond).Format(time.RFC3339Nano), start, "the start to the tick, not cut to the second")

	_, cert := graphauthtest.NewCertificate("CN=sync worker", srv.Now())
	patch := graphCall(t, srv, tok, "PATCH", "/v1.0/applications(appId='"+appID+"')", map[string]any{"keyCredentials": []map[string]string{{
		"type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString(cert.Raw), "displayName": "CN=sync worker"}}})
	require.Equal(t, 204, patch.Status, patch.Body)
	got, _ := srv.App(appID)
	require.Len(t, got.Certificates, 1)
	assert.True(t, got.Certificates[0].Certificate.Equal(cert))

	sp := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": appID})
	require.Equal(t, 201, sp.Status, sp.Body)
	assert.True(t, strings.HasSuffix(sp.Header.Get("Location"), "/directoryObjects/"+sp.Body["id"].(string)+"/Microsoft.DirectoryServices.ServicePrincipal"), sp.Header.Get("Location"))
	assert.Equal(t, 409, graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": appID}).Status)

	graphSP := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id,appRoles", nil)
	require.Equal(t, 200, graphSP.Status)
	assert.Len(t, graphSP.Body["appRoles"], 716)
	assign := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals/"+graphSP.Body["id"].(string)+"/appRoleAssignedTo", map[string]string{
		"principalId": sp.Body["id"].(string), "resourceId": graphSP.Body["id"].(string), "appRoleId": "df021288-bdef-4463-88db-98f22de89214"})
	require.Equal(t, 201, assign.Status, assign.Body)
	assert.Equal(t, "sync worker", assign.Body["principalDisplayName"], "the assignment names its principal, as Graph's do")
	assert.Equal(t, "Microsoft Graph", assign.Body["resourceDisplayName"])
	assert.Contains(t, assign.Body, "deletedDateTime")
	again := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals/"+graphSP.Body["id"].(string)+"/appRoleAssignedTo", map[string]string{
		"principalId": sp.Body["id"].(string), "resourceId": graphSP.Body["id"].(string), "appRoleId": "df021288-bdef-4463-88db-98f22de89214"})
	assert.Equal(t, 400, again.Status, "Graph refuses the same assignment twice")
	assert.Equal(t, "Permission being assigned already exists on the object.", again.Body["error"].(map[string]any)["message"])

	list := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+appID+"')/appRoleAssignments", nil)
	require.Equal(t, 200, list.Status)
	require.Len(t, list.Body["value"], 1)

	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {appID},
		"client_secret": {secret}, "scope": {"https://graph.microsoft.com/.default"}})
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	assert.Equal(t, []string{"User.Read.All"}, rolesOf(verifyWithJWKS(t, srv, r.AccessToken)))
}

func TestGraphOwnedByCannotTouchOtherApps(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	stranger := srv.AddApp(graphauthtest.App{DisplayName: "not mine"})
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	tok := appToken(t, srv)
	r := graphCall(t, srv, tok, "POST", "/v1.0/applications/"+stranger.ObjectID+"/addPassword", map[string]any{"passwordCredential": map[string]string{}})
	assert.Equal(t, 403, r.Status)
}

func TestGraphMeNeedsAUser(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := graphCall(t, srv, appToken(t, srv), "GET", "/v1.0/me", nil)
	assert.Equal(t, 400, r.Status)
}

func TestGraphNamesTheFirstUnknownSegment(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "Group.Read.All", "User.Read.All")
	for path, seg := range map[string]string{
		"/v1.0/widgets": "widgets",
		"/v1.0/users/adele@contoso.onmicrosoft.com/gadgets/x":      "gadgets",
		"/v1.0/groups/00000000-0000-0000-0000-000000000001/owners": "owners",
	} {
		r := get(t, srv, tok, path)
		assert.Equal(t, 400, r.Status, path)
		assert.Equal(t, "Resource not found for the segment '"+seg+"'.", r.message(), path)
	}
}
