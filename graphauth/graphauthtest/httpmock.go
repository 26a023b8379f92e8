package graphauthtest

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"

	"github.com/jarcoal/httpmock"
)

// Responder returns the fake platform as an httpmock responder, for test
// suites built on github.com/jarcoal/httpmock: requests are served in
// memory by the Server's handler, with no listener and no TLS, so the
// Server need not be started (use NewUnstartedServer). Issuers and
// endpoints in the answers are built from each request's URL, so a
// credential pointed at https://login.microsoftonline.com gets tokens
// whose issuer names that host, as from the real platform.
func (s *Server) Responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, asServed(req))
		resp := rec.Result()
		resp.Request = req
		return resp, nil
	}
}

// RegisterResponders routes every request that mock receives for
// authority ("https://login.microsoftonline.com", or
// "https://graph.microsoft.com" for the fake's Graph) to Responder. It
// panics if authority is not a scheme and host.
func (s *Server) RegisterResponders(mock *httpmock.MockTransport, authority string) {
	u, err := url.Parse(authority)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || (u.Scheme != "https" && u.Scheme != "http") {
		panic(fmt.Sprintf("graphauthtest: RegisterResponders wants a scheme and host such as https://login.microsoftonline.com, not %q", authority))
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(u.Scheme+"://"+u.Host) + `(/|\?|$)`)
	r := s.Responder()
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		mock.RegisterRegexpResponder(m, re, r)
	}
}

// asServed turns a client's request into one as a server receives it:
// Host and RequestURI set, and TLS state for an https URL, which the
// handlers read to build their own URLs.
func asServed(req *http.Request) *http.Request {
	r := req.Clone(req.Context())
	r.Body = req.Body
	r.Host = req.URL.Host
	r.RequestURI = req.URL.RequestURI()
	if r.RemoteAddr == "" {
		r.RemoteAddr = "127.0.0.1:0"
	}
	if req.URL.Scheme == "https" {
		r.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: req.URL.Hostname()}
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	return r
}
