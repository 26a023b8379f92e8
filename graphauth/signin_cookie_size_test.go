package graphauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A sign-in whose scopes made its sealed cookie larger than a browser
// keeps (4096 bytes) was started all the same: the browser dropped the
// cookie, and the user came back from the platform to a callback refused
// as forged (ErrStateMismatch). Login now refuses it, saying why.
func TestLoginRefusesACookieTheBrowserWouldDrop(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var scopes []string
	for i := range 150 {
		scopes = append(scopes, fmt.Sprintf("https://api%03d.example/user_impersonation", i))
	}
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	var failure error
	h, err := s.Handler(graphauth.HandlerOptions{Key: make([]byte, 32),
		OnSignIn: func(http.ResponseWriter, *http.Request, *graphauth.User) {},
		OnError: func(w http.ResponseWriter, _ *http.Request, err error) {
			failure = err
			w.WriteHeader(http.StatusInternalServerError)
		},
		Request: func(*http.Request) graphauth.AuthRequest { return graphauth.AuthRequest{Scopes: scopes} }})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.Login().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost/login", nil))
	for _, c := range rec.Result().Cookies() {
		assert.LessOrEqual(t, len(c.Name)+1+len(c.Value), 4096, "cookie %s", c.Name)
	}
	assert.NotEqual(t, http.StatusFound, rec.Code, "no redirect to a sign-in that cannot complete")
	var ce *graphauth.ConfigError
	require.ErrorAs(t, failure, &ce)
	assert.Contains(t, ce.Error(), "4096")

	rec = httptest.NewRecorder()
	h2, err := s.Handler(graphauth.HandlerOptions{Key: make([]byte, 32), OnSignIn: func(http.ResponseWriter, *http.Request, *graphauth.User) {}})
	require.NoError(t, err)
	h2.Login().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost/login", nil))
	assert.Equal(t, http.StatusFound, rec.Code, "the usual sign-in starts")
}
