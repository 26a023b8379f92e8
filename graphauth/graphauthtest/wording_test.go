package graphauthtest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestAppOnlyOverCommonHasTheRealWording is the regression test for
// AADSTS9001023 naming the alias it was sent to ("isn't supported over the
// /organizations endpoint. Please use the /organizations or tenant-specific
// endpoint", which contradicts itself): the platform's text is fixed.
func TestAppOnlyOverCommonHasTheRealWording(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	const want = "AADSTS9001023: The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint. Trace ID: "
	for _, alias := range []string{"common", "consumers", "organizations"} {
		r := postForm(t, srv, "/"+alias+"/oauth2/v2.0/token", secretForm(srv))
		assert.Equal(t, 400, r.Status, alias)
		assert.True(t, strings.HasPrefix(r.ErrorDescription, want), "%s: %s", alias, r.ErrorDescription)
	}
}

// TestAdminConsentOverCommonNamesTheApp is the regression test for
// AADSTS90130 saying "Application is not supported over the /common
// endpoint": the platform names the app, ID and display name, and both
// aliases it refuses.
func TestAdminConsentOverCommonNamesTheApp(t *testing.T) {
	t.Parallel()
	srv, app, _ := msp(t, graphauthtest.Options{})
	_, resp, page := authorize(t, srv, "/common/v2.0/adminconsent", consentParams(app))
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, page, "AADSTS90130: Application &#39;"+app.ClientID+"&#39;("+app.DisplayName+") is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.")
}
