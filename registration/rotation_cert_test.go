package registration_test

import (
	"context"
	"crypto/x509"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/tokenstore"
)

func TestCertificateRotationWithTwoReplicas(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)
	clock := &testClock{t: srv.Now()}
	store, lease := graphauth.NewMemoryStore(), registration.NewLocalLease()
	logs := &safeLog{}
	type replica struct {
		slot *graphauth.CertificateSlot
		cred *graphauth.FallbackCredential
		rot  *registration.Rotator
	}
	var fleet [2]replica
	for i := range fleet {
		slot, err := graphauth.NewCertificateSlot([]*x509.Certificate{srv.ClientCertificate}, srv.ClientKey)
		require.NoError(t, err)
		cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.RotatedCertificate("live", slot)},
			&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
		require.NoError(t, err)
		defer cred.Close()
		c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
		require.NoError(t, err)
		rot, err := registration.NewCertificateRotator(c, slot, registration.RotatorOptions{ObjectID: app.ObjectID, Store: store, Lease: lease,
			Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, Overlap: time.Hour, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		require.NoError(t, err)
		fleet[i] = replica{slot, cred, rot}
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]registration.Rotation, 2)
	for i := range fleet {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			results[i], err = fleet[i].rot.Check(ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Contains(t, results, registration.Rotated)
	for i := range fleet {
		_, err := fleet[i].rot.Check(ctx)
		require.NoError(t, err)
	}
	leaf0, _ := fleet[0].slot.Certificate()
	leaf1, _ := fleet[1].slot.Certificate()
	require.True(t, leaf0[0].Equal(leaf1[0]), "both replicas use the new certificate")
	require.False(t, leaf0[0].Equal(srv.ClientCertificate))
	got, _ := srv.App(srv.ClientID)
	assert.Len(t, got.Certificates, 2)

	clock.Advance(2 * time.Hour)
	for i := range fleet {
		_, err := fleet[i].rot.Check(ctx)
		require.NoError(t, err)
		_, err = fleet[i].cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
		require.NoError(t, err)
	}
	got, _ = srv.App(srv.ClientID)
	require.Len(t, got.Certificates, 1)
	assert.True(t, got.Certificates[0].Certificate.Equal(leaf0[0]), "the new certificate is the one left")
	st := fleet[0].cred.Status()
	assert.Equal(t, registration.Thumbprint(leaf0[0]), st[0].Thumbprint)
	assert.NotContains(t, logs.String(), "PRIVATE KEY")
	assert.Contains(t, logs.String(), "rotated: the new certificate is in use")
}

// The certificate rotator refuses what the secret rotator refuses: a
// Store that would keep the private key readable outside the process, a
// wrapper that hides the sealed Store inside it, and an EncryptedStore
// that Encrypted did not make (it seals nothing); the refusal says how a
// wrapper passes.
func TestCertificateRotatorRefusesAStoreThatIsNotConfidential(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	slot, err := graphauth.NewCertificateSlot([]*x509.Certificate{srv.ClientCertificate}, srv.ClientKey)
	require.NoError(t, err)
	c := admin(t, srv)
	sealed, err := tokenstore.Encrypted(plainStore{graphauth.NewMemoryStore()}, tokenstore.Key{ID: "k1", Secret: make([]byte, 32)})
	require.NoError(t, err)
	for name, store := range map[string]graphauth.Store{
		"a plain shared store":            plainStore{graphauth.NewMemoryStore()},
		"a wrapper hiding a sealed store": plainStore{sealed},
		"a zero EncryptedStore":           &tokenstore.EncryptedStore{},
	} {
		_, err := registration.NewCertificateRotator(c, slot, registration.RotatorOptions{ObjectID: "x", Store: store})
		assert.ErrorContains(t, err, "graphauth.ConfidentialStore", name)
	}
	_, err = registration.NewCertificateRotator(c, slot, registration.RotatorOptions{ObjectID: "x", Store: failingSets{sealed}})
	assert.NoError(t, err, "a wrapper that reports what it wraps is taken")
}
