package graphauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Close, and the answers that arrive around it.

func TestASignInThatIsClosedForgetsItsUsers(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "idempotent")
	_, err = s.Token(context.Background(), user.AccountID, nil)
	assert.ErrorIs(t, err, graphauth.ErrClosed)
	authURL, pending, err = s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	_, err = s.Complete(context.Background(), pending, browse(t, srv, authURL))
	assert.ErrorIs(t, err, graphauth.ErrClosed, "nothing redeemed after Close")
	assert.ErrorIs(t, s.SignOut(context.Background(), user.AccountID), graphauth.ErrClosed)
}

// shortAndSlow forwards token requests to the fake and delivers their
// answers late, with expires_in rewritten to one second: a token whose
// life runs out on the way.
type shortAndSlow struct {
	base  http.RoundTripper
	armed atomic.Bool
}

func (s *shortAndSlow) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err != nil || !s.armed.Load() || req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/token") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["expires_in"] = 1
	delete(m, "ext_expires_in")
	b, _ = json.Marshal(m)
	time.Sleep(1500 * time.Millisecond)
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func TestASignInTokenThatExpiredOnTheWayIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ss := &shortAndSlow{base: srv.Client().Transport}
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.HTTPClient = &http.Client{Transport: ss}
	})
	defer s.Close()
	authURL, p, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	cb := browse(t, srv, authURL)
	ss.armed.Store(true)
	_, err = s.Complete(context.Background(), p, cb)
	assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse)
}

// A sign-in that completes while Close runs keeps nothing in memory.
func TestASignInClosedDuringCompleteKeepsNothing(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	sent := make(chan struct{})
	slow := roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token") {
			close(sent)
			time.Sleep(200 * time.Millisecond) // Close runs meanwhile
		}
		return srv.Client().Transport.RoundTrip(req)
	})
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.HTTPClient = &http.Client{Transport: slow}
		o.Store = graphauth.NewMemoryStore()
	})
	authURL, p, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	cb := browse(t, srv, authURL)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Complete(context.Background(), p, cb)
		errc <- err
	}()
	<-sent
	require.NoError(t, s.Close())
	assert.ErrorIs(t, <-errc, graphauth.ErrClosed)
	assert.Zero(t, s.LocalUsersForTest(), "no user's tokens in memory after Close")
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
