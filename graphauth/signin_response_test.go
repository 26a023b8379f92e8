package graphauth_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

// A token response the platform would not send becomes a typed error:
// *AuthError wrapping ErrUnexpectedResponse, or *IDTokenError for the ID
// token, at sign-in and at refresh; never a panic, and never a token.
func TestOddTokenResponsesBecomeTypedErrors(t *testing.T) {
	t.Parallel()
	const (
		unexpected = "unexpected"
		idToken    = "id token"
	)
	cases := []struct {
		name   string
		edit   map[string]any // changes to a good response; nil deletes
		raw    string         // or a whole body, with {id_token} and {scope} filled in
		signIn string         // the error Complete gives: unexpected, idToken, or "" for none
		token  string         // the error a refresh gives
	}{
		{name: "a good response", signIn: "", token: ""},
		{name: "expires_in as a string, as v1 sends it", edit: map[string]any{"expires_in": "3599"}},
		{name: "expires_in 0", edit: map[string]any{"expires_in": 0}, signIn: unexpected, token: unexpected},
		{name: "expires_in negative", edit: map[string]any{"expires_in": -3600}, signIn: unexpected, token: unexpected},
		{name: "expires_in over two days", edit: map[string]any{"expires_in": 172801}, signIn: unexpected, token: unexpected},
		{name: "expires_in the largest int64", raw: `{"token_type":"Bearer","scope":"{scope}","expires_in":9223372036854775807,"access_token":"at","refresh_token":"rt","id_token":"{id_token}"}`, signIn: unexpected, token: unexpected},
		{name: "expires_in beyond int64", raw: `{"token_type":"Bearer","scope":"{scope}","expires_in":1e400,"access_token":"at","id_token":"{id_token}"}`, signIn: unexpected, token: unexpected},
		{name: "expires_in missing", edit: map[string]any{"expires_in": nil}, signIn: unexpected, token: unexpected},
		{name: "expires_in not a number", edit: map[string]any{"expires_in": "soon"}, signIn: unexpected, token: unexpected},
		{name: "no access token", edit: map[string]any{"access_token": nil}, signIn: unexpected, token: unexpected},
		{name: "no ID token", edit: map[string]any{"id_token": nil}, signIn: idToken, token: ""},
		{name: "an ID token of garbage", edit: map[string]any{"id_token": "garbage"}, signIn: unexpected, token: unexpected},
		{name: "an ID token of three garbage parts", edit: map[string]any{"id_token": "a.b.c"}, signIn: unexpected, token: unexpected},
		{name: "an ID token that is a number", edit: map[string]any{"id_token": 42}, signIn: unexpected, token: unexpected},
		{name: "an unsigned ID token", edit: map[string]any{"id_token": "eyJhbGciOiJub25lIn0.eyJhdWQiOiIyMjIyMjIyMi0yMjIyLTIyMjItMjIyMi0yMjIyMjIyMjIyMjIiLCJub25jZSI6Im4ifQ."}, signIn: idToken, token: ""},
		{name: "an HTML page", raw: "<html><body>proxy error</body></html>", signIn: unexpected, token: unexpected},
		{name: "an empty body", raw: "", signIn: unexpected, token: unexpected},
		{name: "JSON cut short", raw: `{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAi`, signIn: unexpected, token: unexpected},
		{name: "a JSON array", raw: `[1,2,3]`, signIn: unexpected, token: unexpected},
		{name: "client_info of garbage", edit: map[string]any{"client_info": "%%%"}, signIn: unexpected, token: unexpected},
	}
	check := func(t *testing.T, want string, err error) {
		t.Helper()
		switch want {
		case "":
			assert.NoError(t, err)
		case unexpected:
			var ae *graphauth.AuthError
			if assert.ErrorAs(t, err, &ae) {
				assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse)
			}
		case idToken:
			var ie *graphauth.IDTokenError
			assert.ErrorAs(t, err, &ie)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// body is the case's response; a refresh is granted the
			// scope asked for, which MSAL otherwise reports as declined.
			body := func(nonce string, form url.Values) []byte {
				if c.raw != "" || c.edit == nil && c.name != "a good response" {
					return []byte(fillIn(c.raw, nonce, form))
				}
				edit := map[string]any{}
				if form.Get("grant_type") == "refresh_token" {
					edit["scope"] = form.Get("scope")
				}
				for k, v := range c.edit {
					edit[k] = v
				}
				return scriptedTokens(scriptedIDToken(nonce, nil), edit)
			}
			t.Run("sign-in", func(t *testing.T) {
				p := &scriptedPlatform{}
				user, err := p.complete(t, p.signIn(t, scriptedTenantID), func(nonce string, form url.Values) (int, []byte) {
					return 200, body(nonce, form)
				})
				check(t, c.signIn, err)
				if err == nil {
					assert.NotEmpty(t, user.Token.AccessToken)
				}
			})
			t.Run("refresh", func(t *testing.T) {
				p := &scriptedPlatform{}
				s := p.signIn(t, scriptedTenantID)
				user, err := p.complete(t, s, p.good)
				require.NoError(t, err)
				p.answer = func(form url.Values) (int, []byte) {
					assert.Equal(t, "refresh_token", form.Get("grant_type"))
					return 200, body("", form)
				}
				tok, err := s.Token(context.Background(), user.AccountID, []string{"Mail.Read"})
				check(t, c.token, err)
				if err == nil {
					assert.NotEmpty(t, tok.AccessToken)
					return
				}
				_, err = s.Token(context.Background(), user.AccountID, []string{"Mail.Read"})
				assert.Error(t, err, "nothing of the refused response is served from MSAL's cache")
			})
		})
	}
}

// fillIn puts a good ID token for nonce where raw says {id_token}, and the
// scope asked for (or the sign-in's) where it says {scope}.
func fillIn(raw, nonce string, form url.Values) string {
	scope := form.Get("scope")
	if form.Get("grant_type") != "refresh_token" {
		scope = "User.Read profile openid"
	}
	return strings.NewReplacer("{id_token}", scriptedIDToken(nonce, nil), "{scope}", scope).Replace(raw)
}

// On a Microsoft cloud, MSAL also asks for instance discovery, even before
// answering from its cache (as a replica sharing a Store does): the check
// of the token response reads the token response, not whatever came last.
func TestTokenResponsesAreCheckedOnAMicrosoftCloud(t *testing.T) {
	t.Parallel()
	p := &scriptedPlatform{authority: "https://login.microsoftonline.com"}
	store := graphauth.NewMemoryStore()
	user, err := p.complete(t, p.signInWith(t, scriptedTenantID, store), p.good)
	require.NoError(t, err)

	replica := p.signInWith(t, scriptedTenantID, store)
	p.answer = func(url.Values) (int, []byte) { t.Error("a cached token needs no request"); return 500, nil }
	tok, err := replica.Token(context.Background(), user.AccountID, nil)
	require.NoError(t, err, "another replica serves the stored token")
	assert.Equal(t, "scripted-access-token", tok.AccessToken)

	p.answer = func(form url.Values) (int, []byte) {
		return 200, scriptedTokens("", map[string]any{"id_token": nil, "scope": form.Get("scope"), "expires_in": 0})
	}
	_, err = replica.Token(context.Background(), user.AccountID, []string{"Mail.Read"})
	assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse, "an expires_in of 0 is refused on a Microsoft cloud too")

	_, err = p.complete(t, p.signIn(t, scriptedTenantID), func(nonce string, _ url.Values) (int, []byte) {
		return 200, scriptedTokens(p.idToken(nonce, nil), map[string]any{"expires_in": 0})
	})
	assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse, "and at a first sign-in")
}
