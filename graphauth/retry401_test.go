package graphauth_test

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth"
)

// RetryAfter401 is the one reading of a 401 that Transport and msgraph
// share: a claims challenge asks for claims, a token past its end by the
// wall clock for a fresh one, anything else for no retry.
func TestRetryAfter401(t *testing.T) {
	t.Parallel()
	base := graphauth.TokenRequest{TenantID: "contoso.onmicrosoft.com"}
	live := graphauth.Token{ExpiresOn: time.Now().Add(time.Hour)}
	unauthorized := func(challenge string) *http.Response {
		h := http.Header{}
		if challenge != "" {
			h.Set("WWW-Authenticate", challenge)
		}
		return &http.Response{StatusCode: http.StatusUnauthorized, Header: h}
	}
	claims := `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`
	tr, ok := graphauth.RetryAfter401(unauthorized(`Bearer error="insufficient_claims", claims="`+base64.StdEncoding.EncodeToString([]byte(claims))+`"`), live, base)
	assert.True(t, ok)
	assert.Equal(t, claims, tr.Claims)
	assert.False(t, tr.Fresh)
	assert.Equal(t, base.TenantID, tr.TenantID)

	tr, ok = graphauth.RetryAfter401(unauthorized(""), graphauth.Token{ExpiresOn: time.Now().Add(-time.Minute)}, base)
	assert.True(t, ok, "a token past its end by the wall clock")
	assert.True(t, tr.Fresh)

	_, ok = graphauth.RetryAfter401(unauthorized(`Bearer error="invalid_token"`), live, base)
	assert.False(t, ok, "a live token refused for another reason")
	_, ok = graphauth.RetryAfter401(unauthorized(`Bearer error="insufficient_claims", claims="{not json"`), live, base)
	assert.False(t, ok, "claims that are not JSON")
	_, ok = graphauth.RetryAfter401(&http.Response{StatusCode: http.StatusForbidden, Header: http.Header{}}, graphauth.Token{ExpiresOn: time.Now().Add(-time.Minute)}, base)
	assert.False(t, ok, "not a 401")
	_, ok = graphauth.RetryAfter401(nil, live, base)
	assert.False(t, ok)
}
