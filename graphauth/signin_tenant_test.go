package graphauth_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestATenantDomainIsResolvedToItsTenantID(t *testing.T) {
	t.Parallel()
	const other = "99999999-9999-9999-9999-999999999999"
	cases := []struct {
		name   string
		claims func(jwt.MapClaims)
		reason string // empty: signed in
	}{
		{"a user of the domain's tenant signs in", nil, ""},
		{"an ID token of another tenant is refused", func(c jwt.MapClaims) {
			c["tid"], c["iss"] = other, scriptedAuthority+"/"+other+"/v2.0"
		}, "tenant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := &scriptedPlatform{}
			s := p.signIn(t, "contoso.onmicrosoft.com")
			for range 2 {
				user, err := p.complete(t, s, func(nonce string, _ url.Values) (int, []byte) {
					return 200, scriptedTokens(scriptedIDToken(nonce, c.claims), nil)
				})
				if c.reason == "" {
					require.NoError(t, err)
					assert.Equal(t, scriptedTenantID, user.TenantID)
					continue
				}
				var ie *graphauth.IDTokenError
				require.ErrorAs(t, err, &ie)
				assert.Contains(t, ie.Reason, c.reason)
			}
		})
	}
}

func TestATenantDomainIsResolvedOnce(t *testing.T) {
	t.Parallel()
	p := &scriptedPlatform{}
	s := p.signIn(t, "contoso.onmicrosoft.com")
	complete := func() {
		_, err := p.complete(t, s, p.good)
		require.NoError(t, err)
	}
	complete()
	first := p.configs.Load()
	for range 3 {
		complete()
	}
	assert.Equal(t, first, p.configs.Load(), "no configuration requests after the first sign-in")
}

func TestSignInWithATenantDomainOnTheFakePlatform(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantDomain, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	u, p, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	require.NoError(t, err)
	user, err := s.Complete(context.Background(), p, browse(t, srv, u))
	require.NoError(t, err)
	assert.Equal(t, srv.TenantID, user.TenantID)
}
