package graphauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// fuzzAnswer is a token endpoint answer made of fuzzed parts.
func fuzzAnswer(status int, retryAfter string, body []byte) func(*http.Request) (*http.Response, error) {
	if status < 100 || status > 599 {
		status = 200
	}
	return func(*http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader(string(body))), ContentLength: int64(len(body))}, nil
	}
}

func tokenAnswerSeeds(f *testing.F) {
	for _, s := range []struct {
		status int
		ra     string
		body   string
	}{
		{200, "", `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"` + goodAccess + `"}`},
		{200, "", `{"token_type":"Bearer","expires_in":"3599","refresh_in":1800,"access_token":"` + goodAccess + `"}`},
		{200, "", `{"token_type":"Bearer","expires_in":0,"access_token":"` + goodAccess + `"}`},
		{200, "", `{"token_type":"Bearer","expires_in":-5,"access_token":"a"}`},
		{200, "", `{"token_type":"Bearer","expires_in":9223372036854775807,"access_token":"a"}`},
		{200, "", `{"token_type":"Bearer","expires_on":"1","access_token":"a"}`},
		{200, "", `{"token_type":"Bearer","expires_on":99999999999999,"access_token":"a"}`},
		{200, "", `<html>`},
		{429, "120", `{"error":"temporarily_unavailable","error_codes":[50196]}`},
		{429, "99999999999999999999999", ``},
		{503, "Wed, 21 Oct 2015 07:28:00 GMT", `{}`},
		{400, "", `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]}`},
	} {
		f.Add(s.status, s.ra, []byte(s.body))
	}
}

// FuzzTokenAnswerThroughCredential feeds any answer of the token endpoint
// through a whole credential: never a panic; a token that comes back has
// a lifetime that makes sense; an error is an *AuthError without the
// secret; a throttling answer stops the next call from sending anything.
func FuzzTokenAnswerThroughCredential(f *testing.F) {
	tokenAnswerSeeds(f)
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	gets := &repeatGets{base: srv.Client().Transport}
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		p := &proxy{answer: fuzzAnswer(status, retryAfter, body)}
		cred := behindProxy(t, srv, p)
		p.base = gets
		graphauth.EngineOf(cred).SetRetryBase(time.Millisecond)
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		checkOutcome(t, srv, tok, err)
		sent := p.tokens.Load()
		_, err2 := cred.Token(context.Background(), graphauth.TokenRequest{})
		var ae *graphauth.AuthError
		if errors.As(err, &ae) && ae.RetryAfter > 0 && (ae.StatusCode == 429 || ae.StatusCode == 503) {
			if !errors.Is(err2, graphauth.ErrThrottled) || p.tokens.Load() != sent {
				t.Fatalf("a throttled key sent again: %v", err2)
			}
		}
		if err == nil && (err2 != nil || p.tokens.Load() != sent) {
			t.Fatalf("a cached token was not served: %v", err2)
		}
	})
}

func checkOutcome(t *testing.T, srv *graphauthtest.Server, tok graphauth.Token, err error) {
	t.Helper()
	if err != nil {
		var ae *graphauth.AuthError
		if !errors.As(err, &ae) {
			t.Fatalf("not an *AuthError: %T %v", err, err)
		}
		if strings.Contains(err.Error(), srv.Secret) {
			t.Fatal("the error holds the secret")
		}
		return
	}
	now := time.Now()
	if tok.AccessToken == "" || !tok.ExpiresOn.After(now) || tok.ExpiresOn.Sub(now) > 48*time.Hour || !tok.RefreshOn.Before(tok.ExpiresOn) {
		t.Fatalf("a token that makes no sense: %v", tok)
	}
}

// FuzzRefreshAnswer feeds any answer to a background refresh: the valid
// token keeps being served, never an expired one, never an error.
func FuzzRefreshAnswer(f *testing.F) {
	tokenAnswerSeeds(f)
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	gets := &repeatGets{base: srv.Client().Transport}
	good := fuzzAnswer(200, "", []byte(`{"token_type":"Bearer","expires_in":3599,"access_token":"`+goodAccess+`"}`))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		var calls atomic.Int64
		bad := fuzzAnswer(status, retryAfter, body)
		p := &proxy{answer: func(req *http.Request) (*http.Response, error) {
			if calls.Add(1) == 1 {
				return good(req)
			}
			return bad(req)
		}}
		cred := behindProxy(t, srv, p)
		p.base = gets
		eng := graphauth.EngineOf(cred)
		eng.SetRetryBase(time.Millisecond)
		var now atomic.Int64
		now.Store(time.Now().UnixNano())
		eng.SetNow(func() time.Time { return time.Unix(0, now.Load()) })
		first, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		if err != nil {
			t.Fatal(err)
		}
		now.Store(first.RefreshOn.Add(time.Second).UnixNano())
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		if err != nil || tok.AccessToken != first.AccessToken {
			t.Fatalf("the valid token was not served while refreshing: %v", err)
		}
		for deadline := time.Now().Add(5 * time.Second); eng.Refreshing() && calls.Load() < 2 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		tok, err = cred.Token(context.Background(), graphauth.TokenRequest{})
		if err != nil {
			t.Fatalf("an error while a valid token remains: %v", err)
		}
		if !tok.ExpiresOn.After(time.Unix(0, now.Load())) {
			t.Fatal("an expired token")
		}
	})
}
