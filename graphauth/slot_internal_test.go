package graphauth

import (
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A slot outlives the credentials built from it (one per customer tenant,
// built and closed again): a closed credential is no longer kept, nor
// rebuilt by each Set.
func TestSlotForgetsTheCredentialsThatWereClosed(t *testing.T) {
	srv := graphauthtest.NewUnstartedServer(nil)
	slot, err := NewSecretSlot(Secret(srv.Secret))
	require.NoError(t, err)
	key, cert := graphauthtest.NewCertificate("slot", srv.Now())
	certSlot, err := NewCertificateSlot([]*x509.Certificate{cert}, key)
	require.NoError(t, err)
	opts := &FallbackOptions{CertificateOptions: CertificateOptions{Options: Options{AuthorityHost: "https://login.microsoftonline.com"}}}
	for range 20 {
		cred, err := NewFallbackCredential(srv.TenantID, srv.ClientID, []ClientCredential{RotatedSecret("s", slot), RotatedCertificate("c", certSlot)}, opts)
		require.NoError(t, err)
		require.NoError(t, cred.Close())
	}
	keep, err := NewFallbackCredential(srv.TenantID, srv.ClientID, []ClientCredential{RotatedSecret("s", slot)}, opts)
	require.NoError(t, err)
	defer keep.Close()
	slot.mu.Lock()
	assert.Len(t, slot.sources, 1, "only the credential still open")
	slot.mu.Unlock()
	certSlot.mu.Lock()
	assert.Empty(t, certSlot.sources)
	certSlot.mu.Unlock()
	require.NoError(t, slot.Set("a~new~secret~value~for~the~slot"))
	assert.True(t, slot.Secret() == "a~new~secret~value~for~the~slot")
}
