package redisstore_test

import (
	"bytes"
	"log/slog"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLogger(w *safeBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// follow plays the browser through the fake's sign-in to the callback.
func follow(t *testing.T, srv *graphauthtest.Server, u string) url.Values {
	t.Helper()
	resp, err := srv.Client().Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query()
}
