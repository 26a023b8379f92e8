package graphauth_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth"
)

// fuzzTokenSeeds are token-endpoint answers to start from: good ones, and
// the odd ones TestOddTokenResponsesBecomeTypedErrors names. {id_token}
// and {scope} are filled in with a good ID token and the scope asked for.
var fuzzTokenSeeds = []string{
	`{"token_type":"Bearer","scope":"{scope}","expires_in":3599,"ext_expires_in":3599,"access_token":"at","refresh_token":"rt","id_token":"{id_token}","client_info":"eyJ1aWQiOiI0NDQ0NDQ0NC00NDQ0LTQ0NDQtNDQ0NC00NDQ0NDQ0NDQ0NDQiLCJ1dGlkIjoiMTExMTExMTEtMTExMS0xMTExLTExMTEtMTExMTExMTExMTExIn0"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":"3599","access_token":"at","id_token":"{id_token}"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":0,"access_token":"at","id_token":"{id_token}"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":-1,"access_token":"at","id_token":"{id_token}"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":9223372036854775807,"access_token":"at","id_token":"{id_token}"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":3599,"access_token":"at"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":3599,"access_token":"at","id_token":"a.b.c"}`,
	`{"token_type":"Bearer","scope":"{scope}","expires_in":3599,"access_token":"at","id_token":"{id_token}","client_info":"%%%"}`,
	`{"error":"invalid_grant","error_description":"AADSTS70008: expired.\r\nTrace ID: t","error_codes":[70008]}`,
	`<html><body>proxy error</body></html>`,
	``,
	`{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAi`,
}

// fuzzStatus keeps a fuzzed status to one an HTTP response can have.
func fuzzStatus(status int) int {
	if status < 100 || status > 599 {
		return 200
	}
	return status
}

// checkFuzzedResult holds what every answer must give: a usable token, or
// a typed error.
func checkFuzzedResult(t *testing.T, tok graphauth.Token, err error) {
	t.Helper()
	var ae *graphauth.AuthError
	var ie *graphauth.IDTokenError
	switch {
	case err == nil:
		assert.NotEmpty(t, tok.AccessToken)
		assert.True(t, tok.ExpiresOn.After(time.Now()), "a token returned is not expired")
		assert.True(t, tok.ExpiresOn.Before(time.Now().Add(49*time.Hour)), "nor good for years")
	case !errors.As(err, &ae) && !errors.As(err, &ie):
		t.Fatalf("an untyped error: %v", err)
	}
}

// Whatever the token endpoint answers to a code redemption, Complete
// returns a user with a usable token, or an *AuthError or *IDTokenError;
// it never panics.
func FuzzSignInComplete(f *testing.F) {
	for _, s := range fuzzTokenSeeds {
		f.Add(200, []byte(s))
	}
	f.Add(400, []byte(fuzzTokenSeeds[8]))
	f.Add(503, []byte(fuzzTokenSeeds[9]))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		p := &scriptedPlatform{}
		user, err := p.complete(t, p.signIn(t, scriptedTenantID), func(nonce string, form url.Values) (int, []byte) {
			return fuzzStatus(status), []byte(fillIn(string(body), nonce, form))
		})
		var tok graphauth.Token
		if err == nil {
			tok = user.Token
		}
		checkFuzzedResult(t, tok, err)
	})
}

// Whatever the token endpoint answers to a refresh, Token returns a usable
// token or a typed error, and never panics.
func FuzzSignInTokenRefresh(f *testing.F) {
	for _, s := range fuzzTokenSeeds {
		f.Add(200, []byte(s))
	}
	f.Add(400, []byte(fuzzTokenSeeds[8]))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		p := &scriptedPlatform{}
		s := p.signIn(t, scriptedTenantID)
		user, err := p.complete(t, s, p.good)
		if err != nil {
			t.Fatal(err)
		}
		p.answer = func(form url.Values) (int, []byte) {
			return fuzzStatus(status), []byte(fillIn(string(body), "", form))
		}
		for range 2 { // the second call sees what MSAL cached of the first
			tok, err := s.Token(context.Background(), user.AccountID, []string{"Mail.Read"})
			if errors.Is(err, graphauth.ErrNoAccount) {
				return // a refused answer signed the account out
			}
			checkFuzzedResult(t, tok, err)
		}
	})
}
