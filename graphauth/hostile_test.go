package graphauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// proxy stands between a credential and the fake platform, as a broken or
// hostile proxy would: it answers token requests itself (with answer) and
// passes everything else (discovery) through.
type proxy struct {
	base   http.RoundTripper
	answer func(*http.Request) (*http.Response, error)
	tokens atomic.Int64
}

func (p *proxy) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/token") {
		return p.base.RoundTrip(req)
	}
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	p.tokens.Add(1)
	resp, err := p.answer(req)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

func jsonAnswer(status int, body string) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}, nil
	}
}

// behindProxy returns a credential whose token requests p answers, with
// retries off so that each Token call makes one request.
func behindProxy(t testing.TB, srv *graphauthtest.Server, p *proxy) *graphauth.ClientSecretCredential {
	t.Helper()
	p.base = srv.Client().Transport
	opts := fakeOpts(srv)
	opts.HTTPClient = &http.Client{Transport: p}
	opts.Retry.MaxRetries = -1
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts)
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	return cred
}

const goodAccess = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln"

func TestOddLifetimesAreRefusedNeverPanic(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close) // after the parallel subtests
	for name, body := range map[string]string{
		"expires_in of zero":               `{"token_type":"Bearer","expires_in":0,"access_token":"` + goodAccess + `"}`,
		"negative expires_in":              `{"token_type":"Bearer","expires_in":-3600,"access_token":"` + goodAccess + `"}`,
		"expires_in beyond two days":       `{"token_type":"Bearer","expires_in":172801,"access_token":"` + goodAccess + `"}`,
		"expires_in overflowing Duration":  `{"token_type":"Bearer","expires_in":9223372036854775807,"access_token":"` + goodAccess + `"}`,
		"expires_in overflowing int64":     `{"token_type":"Bearer","expires_in":92233720368547758070,"access_token":"` + goodAccess + `"}`,
		"expires_on in the past (v1 form)": `{"token_type":"Bearer","expires_on":"1000000000","access_token":"` + goodAccess + `"}`,
		"no expiry at all":                 `{"token_type":"Bearer","access_token":"` + goodAccess + `"}`,
		"no access token":                  `{"token_type":"Bearer","expires_in":3599}`,
		"a JSON array":                     `[1,2,3]`,
		"an HTML page":                     `<html><body>Proxy error</body></html>`,
		"an empty body":                    ``,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cred := behindProxy(t, srv, &proxy{answer: jsonAnswer(200, body)})
			var tok graphauth.Token
			var err error
			require.NotPanics(t, func() { tok, err = cred.Token(context.Background(), graphauth.TokenRequest{}) })
			require.Error(t, err)
			assert.Empty(t, tok.AccessToken)
			var ae *graphauth.AuthError
			require.ErrorAs(t, err, &ae)
			assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse, "%v", err)
			assert.False(t, ae.Retryable(), "the same answer would come back")
			assert.Equal(t, 1, graphauth.EngineOf(cred).CachedKeys(), "nothing cached")
		})
	}
}

func TestUsualRefreshInValuesAreFollowedOrIgnored(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close) // after the parallel subtests
	for name, refreshIn := range map[string]string{
		"refresh_in beyond the lifetime": `99999999999999`,
		"refresh_in of zero":             `0`,
		"refresh_in as a string":         `"1800"`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cred := behindProxy(t, srv, &proxy{answer: jsonAnswer(200,
				`{"token_type":"Bearer","expires_in":3599,"refresh_in":`+refreshIn+`,"access_token":"`+goodAccess+`"}`)})
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.True(t, tok.RefreshOn.Before(tok.ExpiresOn))
			assert.True(t, tok.RefreshOn.After(tok.ExpiresOn.Add(-3599*1e9)))
		})
	}
}

// A connection that fails after discovery succeeded is a transport error:
// no status, retryable, the cause kept, never "HTTP 200 … not a token
// response" from the discovery document.
func TestTransportFailuresAreReportedAsSuch(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close) // after the parallel subtests
	for name, cause := range map[string]error{
		"connection reset":   &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		"connection refused": &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		"timeout":            &net.OpError{Op: "read", Net: "tcp", Err: &timeoutError{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cred := behindProxy(t, srv, &proxy{answer: func(*http.Request) (*http.Response, error) { return nil, cause }})
			_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
			var ae *graphauth.AuthError
			require.ErrorAs(t, err, &ae)
			assert.Zero(t, ae.StatusCode)
			assert.True(t, ae.Retryable())
			assert.NotErrorIs(t, err, graphauth.ErrUnexpectedResponse)
			var op *net.OpError
			assert.ErrorAs(t, err, &op, "the cause is kept: %v", err)
			assert.NotContains(t, err.Error(), "HTTP 200")
		})
	}
}

type timeoutError struct{}

func (*timeoutError) Error() string   { return "i/o timeout" }
func (*timeoutError) Timeout() bool   { return true }
func (*timeoutError) Temporary() bool { return true }

// MSAL's reason for refusing a 200 answer is kept.
func TestMSALsReasonIsKept(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := behindProxy(t, srv, &proxy{answer: jsonAnswer(200,
		`{"token_type":"Bearer","expires_in":3599,"scope":"https://other.example/.default","access_token":"`+goodAccess+`"}`)})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{Scopes: []string{"api://x/read", "api://x/write"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "declined scopes")
	assert.NotContains(t, err.Error(), goodAccess)
}

// Waiters that all ask for a token of a platform that answers garbage get
// the error; the process survives.
func TestConcurrentCallersSurviveAMangledAnswer(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := behindProxy(t, srv, &proxy{answer: jsonAnswer(200, `{"token_type":"Bearer","expires_in":-1,"access_token":"a.b.c"}`)})
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range 100 {
		wg.Go(func() {
			if _, err := cred.Token(context.Background(), graphauth.TokenRequest{}); errors.Is(err, graphauth.ErrUnexpectedResponse) {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 100, failures.Load())
}

// A 307 or 308 from the token endpoint (a hostile proxy) never sends the
// token request, secret and all, to the host it points at, whatever the
// caller's client would do with redirects.
func TestARedirectedTokenRequestIsNeverFollowed(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	var stolen atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(evil.Close)
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		for _, retries := range []int{0, -1} {
			t.Run(fmt.Sprintf("%d, retries %d", status, retries), func(t *testing.T) {
				t.Parallel()
				p := &proxy{base: srv.Client().Transport, answer: func(*http.Request) (*http.Response, error) {
					return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
						Header: http.Header{"Location": {evil.URL + "/steal"}}, Body: http.NoBody}, nil
				}}
				opts := fakeOpts(srv)
				opts.HTTPClient = &http.Client{Transport: p} // follows redirects by default
				opts.Retry.MaxRetries = retries
				cred := secretCred(t, srv, opts)
				_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
				var ae *graphauth.AuthError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, status, ae.StatusCode)
				assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse)
				assert.Zero(t, stolen.Load(), "nothing reached the other host")
			})
		}
	}
}

// A refusal with a megabyte of description is kept, logged and remembered
// (while its Retry-After lasts) as a bounded error.
func TestAHugeRefusalIsKeptSmall(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	huge := strings.Repeat("A", 400<<10) // twice, under the 1 MiB cap on bodies
	cred := behindProxy(t, srv, &proxy{answer: func(*http.Request) (*http.Response, error) {
		resp, err := jsonAnswer(http.StatusTooManyRequests, `{"error":"temporarily_unavailable","error_description":"`+huge+
			`","error_codes":[`+strings.Repeat("50196,", 1000)+`1],"claims":"`+huge+`"}`)(nil)
		resp.Header.Set("Retry-After", "600")
		return resp, err
	}})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Less(t, len(err.Error()), 1500)
	assert.LessOrEqual(t, len(ae.AADSTS), 8)
	assert.Empty(t, ae.Claims, "a claims challenge that size is no claims challenge")
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrThrottled)
	assert.Less(t, len(err.Error()), 1500)
}

// A token whose short lifetime was spent before it arrived is refused,
// never returned expired.
func TestATokenThatExpiredOnTheWayIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	cred := behindProxy(t, srv, &proxy{answer: func(r *http.Request) (*http.Response, error) {
		time.Sleep(1500 * time.Millisecond) // a slow network, or a retry
		return jsonAnswer(http.StatusOK, `{"token_type":"Bearer","expires_in":1,"access_token":"`+goodAccess+`"}`)(r)
	}})
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrUnexpectedResponse)
	assert.Empty(t, tok.AccessToken)
}

// A refresh_in that falls after the token stops being served is ignored,
// so that the token is still refreshed in the background.
func TestARefreshInPastTheServingWindowIsIgnored(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	cred := behindProxy(t, srv, &proxy{answer: jsonAnswer(http.StatusOK,
		`{"token_type":"Bearer","expires_in":3599,"refresh_in":3598,"access_token":"`+goodAccess+`"}`)})
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.True(t, tok.RefreshOn.Before(tok.ExpiresOn.Add(-2*time.Minute)), "refreshed while still served")
}

// switchable passes requests to base until failing is set, then fails
// token requests with a connection reset.
type switchable struct {
	base    http.RoundTripper
	failing atomic.Bool
}

func (s *switchable) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.failing.Load() && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token") {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return s.base.RoundTrip(req)
}

// A signed-in user's refresh that cannot reach the platform is a transport
// error, not "no account": the user is still signed in.
func TestASignedInUsersRefreshThatFailsInTransitIsNotNoAccount(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	sw := &switchable{base: srv.Client().Transport}
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.HTTPClient = &http.Client{Transport: sw}
		o.Retry.MaxRetries = -1
	})
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
	require.NoError(t, err)
	sw.failing.Store(true)
	_, err = s.Token(context.Background(), user.AccountID, []string{"Mail.Read"}) // not cached: redeems the refresh token
	require.Error(t, err)
	assert.NotErrorIs(t, err, graphauth.ErrNoAccount)
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.Retryable())
}

// A refusal whose Content-Type header is half a megabyte is reported, and
// remembered while its Retry-After lasts, with the header clipped.
func TestAHugeContentTypeIsClipped(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	ct := "text/html; x=" + strings.Repeat("A", 512<<10)
	cred := behindProxy(t, srv, &proxy{answer: func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {ct}, "Retry-After": {"600"}}, Body: io.NopCloser(strings.NewReader("<html>busy</html>"))}, nil
	}})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 1024)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrThrottled)
	assert.Less(t, len(err.Error()), 1024)
}
