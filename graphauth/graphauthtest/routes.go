package graphauthtest

import (
	"context"
	"net/http"
	"strings"
)

type recordKey struct{}

// recordOf returns the log entry of the request being served, for handlers to
// fill in. It is never nil inside the server's handler.
func recordOf(r *http.Request) *Request {
	if rec, ok := r.Context().Value(recordKey{}).(*Request); ok {
		return rec
	}
	return &Request{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// routes returns the handler: log, inject faults, then dispatch on the path.
func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		ep, serve := s.route(parts)
		rec := &Request{Time: s.clk.now(), Method: r.Method, Path: r.URL.Path, Endpoint: ep}
		if ep != EndpointGraph && ep != EndpointOther && ep != EndpointUserInfo && ep != EndpointManagedIdentity && len(parts) > 1 {
			rec.Tenant = parts[0]
		}
		rec.ClientID = r.URL.Query().Get("client_id")
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
		if ep != EndpointGraph && ep != EndpointOther {
			r = withWireIDs(sw, r, ep == EndpointDiscovery)
		}
		defer func() {
			rec.Status = sw.status
			s.log.add(*rec)
		}()
		if f, ok := s.faults.take(ep, r.URL.Path); ok {
			if s.applyFault(sw, r, ep, f) {
				rec.Faulted = true
				return
			}
		}
		if ep == EndpointToken && s.opts.TokenLatency > 0 && !delay(r, s.opts.TokenLatency) {
			sw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		serve(sw, r, parts)
	})
}

type handlerFunc func(http.ResponseWriter, *http.Request, []string)

// route maps a split path to its endpoint group and handler.
func (s *Server) route(p []string) (Endpoint, handlerFunc) {
	n := len(p)
	switch {
	case n == 4 && p[0] == "metadata" && p[1] == "identity" && p[2] == "oauth2" && p[3] == "token":
		return EndpointManagedIdentity, s.serveIMDS
	case n == 2 && p[0] == "msi" && p[1] == "token":
		return EndpointManagedIdentity, s.serveAppService
	case n >= 2 && p[0] == "v1.0":
		return EndpointGraph, s.serveGraph
	case n == 3 && p[0] == "reports" && p[1] == "download":
		return EndpointGraph, s.serveReportDownload
	case n == 3 && p[0] == "common" && p[1] == "discovery" && p[2] == "instance":
		return EndpointDiscovery, s.serveInstanceDiscovery
	case n == 4 && p[1] == "v2.0" && p[2] == ".well-known" && p[3] == "openid-configuration":
		return EndpointDiscovery, s.serveOpenIDConfiguration
	case n == 4 && p[1] == "discovery" && p[2] == "v2.0" && p[3] == "keys",
		n == 3 && p[1] == "discovery" && p[2] == "keys":
		return EndpointDiscovery, s.serveJWKS
	case n == 4 && p[1] == "oauth2" && p[2] == "v2.0" && p[3] == "token":
		return EndpointToken, s.serveTokenV2
	case n == 3 && p[1] == "oauth2" && p[2] == "token":
		return EndpointToken, s.serveTokenV1
	case n == 4 && p[1] == "oauth2" && p[2] == "v2.0" && p[3] == "authorize":
		return EndpointAuthorize, s.serveAuthorize
	case n == 4 && p[1] == "oauth2" && p[2] == "v2.0" && p[3] == "logout":
		return EndpointAuthorize, s.serveLogout
	case n == 3 && p[1] == "v2.0" && p[2] == "adminconsent":
		return EndpointAdminConsent, s.serveAdminConsent
	case n == 2 && p[0] == "oidc" && p[1] == "userinfo":
		return EndpointUserInfo, s.serveUserInfo
	case n == 1 && p[0] == "error":
		return EndpointAuthorize, s.serveErrorPage
	}
	return EndpointOther, func(w http.ResponseWriter, r *http.Request, _ []string) {
		http.NotFound(w, r)
	}
}
