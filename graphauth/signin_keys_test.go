package graphauth_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// heldKeys passes requests on to the fake platform, except those for its
// signing keys (JWKS): it counts them and holds them until released, then
// passes them on, or answers with a proxy's HTML page when broken.
type heldKeys struct {
	base    http.RoundTripper
	gate    chan struct{}
	broken  atomic.Bool
	started chan struct{}
	count   atomic.Int32
}

func newHeldKeys(base http.RoundTripper) *heldKeys {
	return &heldKeys{base: base, gate: make(chan struct{}), started: make(chan struct{}, 64)}
}

func (h *heldKeys) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/discovery/v2.0/keys") {
		return h.base.RoundTrip(req)
	}
	h.count.Add(1)
	h.started <- struct{}{}
	select {
	case <-h.gate:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	if h.broken.Load() {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/html"}},
			Body: io.NopCloser(bytes.NewReader([]byte("<html>proxy</html>"))), Request: req}, nil
	}
	return h.base.RoundTrip(req)
}

type callback struct {
	pending graphauth.Pending
	query   url.Values
}

// completeTogether completes the sign-ins at once and returns their errors
// after the keys, held meanwhile, are released.
func completeTogether(t *testing.T, s *graphauth.SignIn, keys *heldKeys, sessions []callback) []error {
	t.Helper()
	errs := make([]error, len(sessions))
	var wg sync.WaitGroup
	for i, c := range sessions {
		wg.Go(func() { _, errs[i] = s.Complete(context.Background(), c.pending, c.query) })
	}
	<-keys.started
	close(keys.gate)
	wg.Wait()
	return errs
}

func TestConcurrentSignInsWaitForOneKeyFetch(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	start := func(keys *heldKeys) (*graphauth.SignIn, []callback) {
		s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
			o.HTTPClient = &http.Client{Transport: keys}
		})
		s.SetNow(srv.Now)
		sessions := make([]callback, 5)
		for i := range sessions {
			u, p, err := s.AuthCodeURL(graphauth.AuthRequest{})
			require.NoError(t, err)
			sessions[i] = callback{p, browse(t, srv, u)}
		}
		return s, sessions
	}

	t.Run("a good key set serves every waiter", func(t *testing.T) {
		keys := newHeldKeys(srv.Client().Transport)
		s, sessions := start(keys)
		for _, err := range completeTogether(t, s, keys, sessions) {
			assert.NoError(t, err)
		}
		assert.Equal(t, int32(1), keys.count.Load())
	})
	t.Run("a broken key set fails every waiter once, then is fetched again", func(t *testing.T) {
		keys := newHeldKeys(srv.Client().Transport)
		keys.broken.Store(true)
		s, sessions := start(keys)
		for _, err := range completeTogether(t, s, keys, sessions) {
			var ie *graphauth.IDTokenError
			assert.ErrorAs(t, err, &ie)
			assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse)
		}
		assert.Equal(t, int32(1), keys.count.Load(), "one fetch for the five sign-ins")

		keys.broken.Store(false)
		srv.Advance(31 * time.Second)
		u, p, err := s.AuthCodeURL(graphauth.AuthRequest{})
		require.NoError(t, err)
		_, err = s.Complete(context.Background(), p, browse(t, srv, u))
		require.NoError(t, err, "the failure is forgotten after 30 seconds")
		assert.Equal(t, int32(2), keys.count.Load())
	})
}
