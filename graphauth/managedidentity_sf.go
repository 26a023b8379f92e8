package graphauth

import (
	"errors"
	"net/http"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"

	"github.com/entrakit/entrakit/internal/retry"
)

// miHTTP lets MSAL derive the client it speaks to Service Fabric with.
var _ managedidentity.ClientConfigurer = (*miHTTP)(nil)

// ConfigureClient is called by MSAL, once, when it finds Service Fabric's
// endpoint (IDENTITY_SERVER_THUMBPRINT set): augment derives from the
// caller's client one that trusts only the endpoint's self-signed
// certificate, by that thumbprint, and follows no redirect. Requests then
// go through the derived client, with the credential's retry policy around
// it. MSAL refuses a caller's client whose transport is not an
// *http.Transport, since it cannot pin the certificate there; the
// credential's constructor returns that refusal. Other sources never call
// ConfigureClient.
func (m *miHTTP) ConfigureClient(augment func(*http.Client) (*http.Client, error)) error {
	if m.base == nil {
		return errors.New("graphauth: no HTTP client to derive Service Fabric's from")
	}
	pinned, err := augment(m.base)
	if err != nil {
		return err
	}
	m.c = retry.Client(pinned, m.policy)
	return nil
}
