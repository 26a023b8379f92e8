package consent_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/verify"
)

// The customer's tenant is typed or pasted by a person (Start's ?tenant=):
// a trailing space, or the authority URL their portal shows, was refused
// with "read a pasted Token or authority URL with graphauth.ParseAuthority"
// and a Fix that sent them to the app's Overview page, which is not theirs.
func TestStartReadsAPastedCustomerTenant(t *testing.T) {
	t.Parallel()
	var got error
	const clientID = "11111111-2222-3333-4444-555555555555"
	cred, err := graphauth.NewClientSecretCredential("contoso.onmicrosoft.com", clientID, "a-secret-value", &graphauth.Options{AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	defer cred.Close()
	h, err := consent.NewHandler(consent.Config{ClientID: clientID, RedirectURI: "https://console.example/consent/callback"},
		consent.HandlerOptions{Key: make([]byte, 32), Credential: cred, ClientAuth: graphauth.ClientAuth{Secret: "a-secret-value"}, Required: []string{"User.Read.All"},
			Done: func(w http.ResponseWriter, _ *http.Request, _ consent.Record, err error) {
				got = err
				http.Error(w, verify.Diagnose(err).String(), http.StatusBadRequest)
			}})
	require.NoError(t, err)
	start := func(tenant string) (*httptest.ResponseRecorder, error) {
		got = nil
		w := httptest.NewRecorder()
		h.Start().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/onboard?"+url.Values{"tenant": {tenant}}.Encode(), nil))
		return w, got
	}
	for _, pasted := range []string{"fabrikam.onmicrosoft.com ", " Fabrikam.onmicrosoft.com", "https://login.microsoftonline.com/fabrikam.onmicrosoft.com/v2.0",
		"https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token", `"fabrikam.onmicrosoft.com"`} {
		w, err := start(pasted)
		require.NoError(t, err, pasted)
		require.Equal(t, http.StatusFound, w.Code, pasted)
		assert.Contains(t, w.Header().Get("Location"), "https://login.microsoftonline.com/fabrikam.onmicrosoft.com/v2.0/adminconsent?", pasted)
	}
	for pasted, says := range map[string]string{
		"https://login.microsoftonline.us/fabrikam.onmicrosoft.us/v2.0": "is a URL of https://login.microsoftonline.us, but consent is asked at https://login.microsoftonline.com",
		"https://portal.azure.com/#@fabrikam.onmicrosoft.com/resource":  "fabrikam.onmicrosoft.com",
		"not a tenant": "customer tenant",
		// The product's own app ID, which its onboarding page shows.
		clientID: "is the app's Application (client) ID",
	} {
		w, err := start(pasted)
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, pasted)
		assert.Equal(t, "customer tenant", ce.Field)
		assert.Contains(t, err.Error(), says, pasted)
		assert.Contains(t, w.Body.String(), "signed in to the customer's tenant", pasted)
		assert.NotContains(t, w.Body.String(), "(your app) > Overview", pasted)
	}
}
