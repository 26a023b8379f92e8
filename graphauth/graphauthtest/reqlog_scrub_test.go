package graphauthtest_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestASecretInTheWrongFieldStaysOutOfTheRequestLog is the regression test
// for the request log (Server.Requests, fakeentra's GET /control/requests)
// keeping a client secret sent as client_id, as the tenant segment of the
// path or as grant_type: the log promises never to hold a secret.
func TestASecretInTheWrongFieldStaysOutOfTheRequestLog(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	secret := srv.Secret
	form := func(clientID, clientSecret, grant string) url.Values {
		return url.Values{"grant_type": {grant}, "client_id": {clientID}, "client_secret": {clientSecret},
			"scope": {"https://graph.microsoft.com/.default"}}
	}
	postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", form(secret, srv.ClientID, "client_credentials"))
	postForm(t, srv, "/"+url.PathEscape(secret)+"/oauth2/v2.0/token", form(srv.ClientID, "x", "client_credentials"))
	postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", form(srv.ClientID, "", secret))
	postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", form(srv.ClientID, secret, "client_credentials"))
	log := srv.Requests()
	assert.Len(t, log, 4)
	for _, r := range log {
		assert.NotContains(t, fmt.Sprintf("%+v", r), secret)
	}
	assert.Equal(t, "REDACTED", log[0].ClientID)
	assert.Equal(t, "REDACTED", log[1].Tenant)
	assert.Equal(t, "/REDACTED/oauth2/v2.0/token", log[1].Path)
	assert.Equal(t, "REDACTED", log[2].GrantType)
	assert.Equal(t, srv.ClientID, log[3].ClientID, "what is shaped as it should be is kept")
	assert.Equal(t, srv.TenantID, log[3].Tenant)
	assert.Equal(t, "client_credentials", log[3].GrantType)
}
