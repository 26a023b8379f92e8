package graphauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

// The managed identity endpoints answer with expires_on in three forms:
// seconds since the epoch as a string (IMDS, App Service 2019-08-01), as a
// number (Service Fabric), and, from the 2017 API that Azure ML and older
// App Service hosts speak, a date with an offset on a 24-hour or 12-hour
// clock. None of these answers carries expires_in. Each must give a token
// that ends when the endpoint said, whichever source MSAL picked.
func TestManagedIdentityReadsEveryExpiresOnForm(t *testing.T) {
	end := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	epoch := strconv.FormatInt(end.Unix(), 10)
	forms := map[string]string{
		"epoch string":   strconv.Quote(epoch),
		"epoch number":   epoch,
		"24-hour date":   strconv.Quote(end.Format("01/02/2006 15:04:05 -07:00")),
		"12-hour date":   strconv.Quote(end.Format("1/2/2006 3:04:05 PM -07:00")),
		"no-offset date": strconv.Quote(end.Format("01/02/2006 15:04:05")),
	}
	sources := map[string]map[string]string{
		"App Service": {"IDENTITY_ENDPOINT": "/msi/token", "IDENTITY_HEADER": "header-value"},
		"Azure ML":    {"MSI_ENDPOINT": "/msi/token", "MSI_SECRET": "header-value"},
		"Cloud Shell": {"MSI_ENDPOINT": "/msi/token"},
	}
	for source, env := range sources {
		for form, expiresOn := range forms {
			t.Run(source+"/"+form, func(t *testing.T) {
				body := `{"access_token":"redacted","expires_on":` + expiresOn + `,"resource":"https://graph.microsoft.com","token_type":"Bearer"}`
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
					_, _ = io.WriteString(w, body)
				}))
				t.Cleanup(srv.Close)
				for _, k := range []string{"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
					t.Setenv(k, "")
				}
				for k, v := range env {
					if strings.HasPrefix(v, "/") {
						v = srv.URL + v
					}
					t.Setenv(k, v)
				}
				cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: graphauth.Options{Retry: graphauth.RetryOptions{MaxRetries: -1}}})
				require.NoError(t, err)
				t.Cleanup(func() { cred.Close() })
				tok, err := cred.Token(t.Context(), graphauth.TokenRequest{})
				require.NoError(t, err, body)
				assert.Equal(t, "redacted", tok.AccessToken)
				// The engine keeps whole seconds of lifetime from the moment
				// the answer arrived, so the end can fall up to a second early.
				assert.WithinDuration(t, end, tok.ExpiresOn, 2*time.Second)
				assert.True(t, tok.RefreshOn.Before(tok.ExpiresOn))
			})
		}
	}
}
