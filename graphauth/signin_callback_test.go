package graphauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// rfc6749Text reports whether s holds only the characters RFC 6749
// §4.1.2.1 allows in error and error_description: %x20-21 / %x23-5B /
// %x5D-7E.
func rfc6749Text(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func TestCallbackErrorsKeepToRFC6749Characters(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, code, description string
		want                    graphauth.AuthError // the fields checked, when set
	}{
		{"CR/LF in the error code", "access_denied\r\nSet-Cookie: session=attacker", "User declined", graphauth.AuthError{}},
		{"a lone CR in the description", "access_denied", "AADSTS65004: User declined.\rFAKE: log line", graphauth.AuthError{AADSTS: []int{65004}}},
		{"a lone LF in the error code", "access_denied\nFAKE", "", graphauth.AuthError{}},
		{"NUL, quotes and backslashes", "server_error\x00", `AADSTS50000: a "quoted" C:\path`, graphauth.AuthError{Description: `AADSTS50000: a 'quoted' C:/path`}},
		{"escape sequences for a terminal", "access_denied", "AADSTS65004: \x1b[31mred\x1b[0m", graphauth.AuthError{}},
		{"characters beyond ASCII", "access_denied", "AADSTS65004: Benutzer hat abgelehnt – ü\u2028next", graphauth.AuthError{}},
		{"bytes that are not UTF-8", "access\xff_denied", "AADSTS65004: \xc3\x28", graphauth.AuthError{}},
		{"a trace ID with a CR inside", "interaction_required", "AADSTS50076: MFA.\r\nTrace ID: t-1\rInjected: x\r\nCorrelation ID: c-1\x1b", graphauth.AuthError{TraceID: "t-1", AADSTS: []int{50076}}},
		{"an error code of a megabyte", strings.Repeat("e", 1<<20), "x", graphauth.AuthError{}},
		{"a description of a megabyte", "access_denied", strings.Repeat("d", 1<<20), graphauth.AuthError{}},
		{"a trace ID of a megabyte", "access_denied", "x\r\nTrace ID: " + strings.Repeat("t", 1<<20), graphauth.AuthError{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := graphauth.ParseCallbackError(c.code, c.description)
			for field, v := range map[string]string{"Code": e.Code, "Description": e.Description, "TraceID": e.TraceID,
				"CorrelationID": e.CorrelationID, "Error()": e.Error()} {
				assert.True(t, rfc6749Text(v), "%s holds characters outside RFC 6749's: %q", field, truncated(v))
			}
			assert.LessOrEqual(t, len(e.Code), 64)
			assert.LessOrEqual(t, len(e.Description), 503)
			assert.LessOrEqual(t, len(e.TraceID), 64)
			assert.LessOrEqual(t, len(e.CorrelationID), 64)
			if c.want.Description != "" {
				assert.Equal(t, c.want.Description, e.Description)
			}
			if c.want.TraceID != "" {
				assert.Equal(t, c.want.TraceID, e.TraceID)
			}
			if c.want.AADSTS != nil {
				assert.Equal(t, c.want.AADSTS, e.AADSTS)
			}
		})
	}
}

func truncated(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// An error redirect's text reaches OnError's error, and the default error
// page, without a line break an attacker put there.
func TestAnErrorRedirectCannotSplitLines(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	_, p, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	_, err = s.Complete(context.Background(), p, url.Values{"state": {p.State},
		"error": {"access_denied\r\nlevel=INFO msg=\"user signed in\""}, "error_description": {"AADSTS65004: x\rforged"}})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, rfc6749Text(err.Error()), "%q", err.Error())

	_, web, browser := webApp(t, "")
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(web.URL + "/login")
	require.NoError(t, err)
	resp.Body.Close()
	authorize, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	resp, err = browser.Get(web.URL + "/callback?" + url.Values{"state": {authorize.Query().Get("state")},
		"error": {"access_denied\r\nlevel=INFO msg=signed-in"}, "error_description": {"AADSTS65004: x\rforged"}}.Encode())
	require.NoError(t, err)
	page := body(t, resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.True(t, rfc6749Text(strings.TrimSuffix(page, "\n")), "%q", page)
}
