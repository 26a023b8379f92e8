package graphauthtest_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestOrganizationDomainsAndSkus(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Fabrikam", Domain: "fabrikam.onmicrosoft.com", Domains: []string{"fabrikam.com"},
			Skus: []graphauthtest.Sku{{PartNumber: "SPE_E3", Units: 10}, {PartNumber: "CUSTOM_SKU"}},
			Users: []graphauthtest.User{
				{UPN: "kim@fabrikam.com", Licenses: []string{"SPE_E3"}},
				{UPN: "lou@fabrikam.onmicrosoft.com", Licenses: []string{"SPE_E3", "CUSTOM_SKU"}},
			}}},
		Apps: []graphauthtest.App{{DisplayName: "reporting", Secrets: []graphauthtest.Secret{{}}}},
	})
	defer srv.Close()
	tok := appToken(t, srv)
	assert.Equal(t, 403, get(t, srv, tok, "/v1.0/domains").Status, "no Domain.Read.All yet")
	tok = tokenWithRoles(t, srv, "Domain.Read.All", "Organization.Read.All")

	org := get(t, srv, tok, "/v1.0/organization?$select=id,displayName,verifiedDomains")
	require.Equal(t, 200, org.Status, org.Raw)
	assert.Len(t, org.values()[0]["verifiedDomains"], 2)

	domains := get(t, srv, tok, "/v1.0/domains")
	require.Equal(t, 200, domains.Status, domains.Raw)
	assert.Equal(t, []string{"fabrikam.onmicrosoft.com", "fabrikam.com"}, domains.names("id"))
	one := get(t, srv, tok, "/v1.0/domains/fabrikam.com")
	assert.Equal(t, false, one.Body["isInitial"])
	assert.Equal(t, 404, get(t, srv, tok, "/v1.0/domains/contoso.com").Status)

	skus := get(t, srv, tok, "/v1.0/subscribedSkus")
	require.Equal(t, 200, skus.Status, skus.Raw)
	byPart := map[string]map[string]any{}
	for _, k := range skus.values() {
		byPart[k["skuPartNumber"].(string)] = k
	}
	assert.Equal(t, "05e9a617-0261-4cee-bb44-138d3ef5d965", byPart["SPE_E3"]["skuId"], "a well-known SKU has Microsoft's skuId")
	assert.EqualValues(t, 2, byPart["SPE_E3"]["consumedUnits"])
	assert.EqualValues(t, 10, byPart["SPE_E3"]["prepaidUnits"].(map[string]any)["enabled"])
	assert.EqualValues(t, 1, byPart["CUSTOM_SKU"]["consumedUnits"])
	assert.Equal(t, 400, get(t, srv, tok, "/v1.0/domains?$top=1").Status, "an option the route does not take")
}

func TestActiveUserReportIsACSVBehindARedirect(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	path := "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')"
	assert.Equal(t, 403, get(t, srv, tok, path).Status, "Reports.Read.All is needed")
	tok = tokenWithRoles(t, srv, "Reports.Read.All")

	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 302, resp.StatusCode)
	download := resp.Header.Get("Location")

	plain := *srv.Client()
	dl, err := plain.Get(download) // pre-authenticated: no Authorization header
	require.NoError(t, err)
	defer dl.Body.Close()
	require.Equal(t, 200, dl.StatusCode)
	assert.Equal(t, "application/octet-stream", dl.Header.Get("Content-Type"))
	rows, err := csv.NewReader(dl.Body).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3, "a header and one row per user")
	assert.Equal(t, "User Principal Name", rows[0][1])
	assert.Equal(t, "Assigned Products", rows[0][23])
	assert.Equal(t, "admin@contoso.onmicrosoft.com", rows[1][1])
	assert.Equal(t, "ENTERPRISEPACK", rows[1][23])

	srv.Advance(6 * time.Minute)
	late, err := plain.Get(download)
	require.NoError(t, err)
	late.Body.Close()
	assert.Equal(t, 404, late.StatusCode, "the download link lives a few minutes")

	bad := get(t, srv, tok, "/v1.0/reports/getOffice365ActiveUserDetail(period='D8')")
	assert.Equal(t, 400, bad.Status)
}

func TestPasswordResetThroughAuthenticationMethods(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	const method = "28c10230-6103-485e-b985-444c60001490"
	reset := "/v1.0/users/adele@contoso.onmicrosoft.com/authentication/methods/" + method + "/resetPassword"

	app := tokenWithRoles(t, srv, "UserAuthenticationMethod.ReadWrite.All")
	assert.Equal(t, 403, graphDo(t, srv, app, "POST", reset, map[string]any{}).Status, "app-only tokens cannot reset passwords")

	// Adele signs in and holds a refresh token, which the reset revokes.
	srv.GrantScopes(srv.TenantID, srv.ClientID, "", "User.Read", "offline_access")
	p := authorizeParams(srv, "openid offline_access User.Read")
	p.Set("login_hint", "adele@contoso.onmicrosoft.com")
	q, _, _ := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p)
	adele := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", codeForm(srv, q.Get("code")))
	require.NotEmpty(t, adele.RefreshToken)

	self := userToken(t, srv, "adele@contoso.onmicrosoft.com", "UserAuthenticationMethod.ReadWrite.All")
	assert.Equal(t, 403, graphDo(t, srv, self, "POST", reset, map[string]any{}).Status, "not on one's own account")

	admin := userToken(t, srv, "admin@contoso.onmicrosoft.com", "UserAuthenticationMethod.ReadWrite.All")
	r := graphDo(t, srv, admin, "POST", reset, map[string]any{"newPassword": "Cairo-Drum-42!"})
	require.Equal(t, 202, r.Status, r.Raw)
	assert.Contains(t, r.Header.Get("Location"), "/authentication/operations/")
	generated := graphDo(t, srv, admin, "POST", reset, map[string]any{})
	require.Equal(t, 202, generated.Status, generated.Raw)
	assert.NotEmpty(t, generated.Body["newPassword"], "without newPassword, the system generates one")
	assert.Equal(t, 404, graphDo(t, srv, admin, "POST", strings.Replace(reset, method, "00000000-0000-0000-0000-000000000000", 1), map[string]any{}).Status)

	refreshed := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret}, "refresh_token": {adele.RefreshToken}})
	assert.Equal(t, []int{50173}, refreshed.ErrorCodes, "a reset revokes the user's refresh tokens")

	methods := get(t, srv, admin, "/v1.0/users/adele@contoso.onmicrosoft.com/authentication/passwordMethods")
	require.Equal(t, 200, methods.Status, methods.Raw)
	assert.Equal(t, method, methods.values()[0]["id"])
}
