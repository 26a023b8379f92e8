package graphauthtest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestResponderAnswersAsTheServerDoes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewUnstartedServer(nil)
	defer srv.Close()
	mock := httpmock.NewMockTransport()
	srv.RegisterResponders(mock, "https://login.microsoftonline.com")
	c := &http.Client{Transport: mock}

	resp, err := c.Get("https://login.microsoftonline.com/" + srv.TenantID + "/v2.0/.well-known/openid-configuration")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"issuer":"https://login.microsoftonline.com/`+srv.TenantID+`/v2.0"`, "URLs are built from the mocked host, over https")
	assert.Equal(t, "max-age=86400, private", resp.Header.Get("Cache-Control"))

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "client_secret": {"wrong"},
		"scope": {"https://graph.microsoft.com/.default"}}
	resp, err = c.Post("https://login.microsoftonline.com/"+srv.TenantID+"/oauth2/v2.0/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(body), "AADSTS7000215")
	assert.NotContains(t, string(body), "wrong", "the secret sent is not echoed")

	_, err = c.Get("https://evil.example/" + srv.TenantID + "/oauth2/v2.0/token")
	assert.Error(t, err, "other hosts are not routed to the fake")
	_, err = c.Get("https://login.microsoftonline.com.evil.example/x")
	assert.Error(t, err, "nor hosts that only start with the authority's name")
}

func TestRegisterRespondersRefusesAURLThatIsNotAnAuthority(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewUnstartedServer(nil)
	defer srv.Close()
	for _, bad := range []string{"", "login.microsoftonline.com", "https://login.microsoftonline.com/tenant", "ftp://x"} {
		assert.PanicsWithValue(t, `graphauthtest: RegisterResponders wants a scheme and host such as https://login.microsoftonline.com, not "`+bad+`"`,
			func() { srv.RegisterResponders(httpmock.NewMockTransport(), bad) }, bad)
	}
}
