package graphauth_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// exposedStore is a Store that keeps values readable outside the process,
// as a plain Redis does.
type exposedStore struct{ graphauth.Store }

// Signed-in users' refresh tokens (90 days, for every resource they
// consented to) went to a plain Store without a word, where a store that
// leaves the process must be sealed: NewSignIn now says so in the log.
func TestASignInWarnsOfAStoreThatKeepsRefreshTokensReadable(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for name, store := range map[string]graphauth.Store{
		"plain":  exposedStore{graphauth.NewMemoryStore()},
		"sealed": graphauth.NewMemoryStore(),
	} {
		var logs bytes.Buffer
		s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
			o.Store, o.Logger = store, newTextLogger(&logs)
		})
		s.Close()
		if name == "plain" {
			assert.Contains(t, logs.String(), "tokenstore.Encrypted", name)
		} else {
			assert.NotContains(t, logs.String(), "tokenstore.Encrypted", name)
		}
	}
}
