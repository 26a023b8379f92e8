package graphauth_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// mountedSecret lays out a directory as the kubelet mounts a Secret: the
// data in a timestamped directory, ..data a symlink to it, and each key a
// symlink through ..data.
type mountedSecret struct {
	t   *testing.T
	dir string
	gen int
}

func newMountedSecret(t *testing.T, key string, data []byte) (*mountedSecret, string) {
	m := &mountedSecret{t: t, dir: t.TempDir()}
	m.update(key, data)
	require.NoError(t, os.Symlink(filepath.Join("..data", key), filepath.Join(m.dir, key)))
	return m, filepath.Join(m.dir, key)
}

// update writes a new generation and swaps ..data to it atomically, then
// removes the old generation, as the kubelet's AtomicWriter does.
func (m *mountedSecret) update(key string, data []byte) {
	t := m.t
	m.gen++
	gen := filepath.Join(m.dir, "..2026_11_24_10_00_0"+string(rune('0'+m.gen)))
	require.NoError(t, os.Mkdir(gen, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(gen, key), data, 0o600))
	old, _ := os.Readlink(filepath.Join(m.dir, "..data"))
	tmp := filepath.Join(m.dir, "..data_tmp")
	require.NoError(t, os.Symlink(filepath.Base(gen), tmp))
	require.NoError(t, os.Rename(tmp, filepath.Join(m.dir, "..data")))
	if old != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(m.dir, old)))
	}
}

// A password-protected PFX with its chain, mounted from a Kubernetes
// Secret and updated by the kubelet's symlink swap, is reloaded; the
// password is nowhere in the logs.
func TestReloadFollowsAKubernetesSymlinkSwapOfAPasswordProtectedPFX(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	const password = "pfx~pa55~w0rd"
	pfx := func(i int) []byte {
		_, ca := graphauthtest.NewCertificate("issuing ca", srv.Now())
		data, err := pkcs12.Modern.Encode(r.keys[i], r.certificates[i], []*x509.Certificate{ca}, password)
		require.NoError(t, err)
		return data
	}
	m, path := newMountedSecret(t, "tls.pfx", pfx(0))
	logs := &syncBuffer{}
	cred := watchedCredential(t, srv, r.app.ClientID, graphauth.CertificateFile("mounted pfx", path, password), logs)
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.Equal(t, r.certificates[0].NotAfter, cred.Status()[0].Expires)

	m.update("tls.pfx", pfx(1))
	require.Eventually(t, func() bool { return logs.count("credential file reloaded") == 1 }, 10*time.Second, 5*time.Millisecond)
	st := cred.Status()[0]
	assert.Equal(t, r.certificates[1].NotAfter, st.Expires)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.Zero(t, logs.count("keeping the previous credential"), "the swap is atomic: no read fails")
	assert.NotContains(t, logs.String(), password)
}
