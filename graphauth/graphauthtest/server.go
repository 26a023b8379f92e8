package graphauthtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configures a [Server]. The zero value (and a nil *Options) gives one
// tenant, "contoso.onmicrosoft.com", with two users, a few groups, and one
// single-tenant app that has a client secret, a certificate and grants for
// User.Read.All, Group.Read.All and Organization.Read.All.
type Options struct {
	// Tenants to create. Nil together with a nil Apps means the default
	// directory described above.
	Tenants []Tenant
	// Apps to register. Each app gets a service principal in its home tenant.
	Apps []App

	// Now is the base clock. Nil means time.Now. Server.Advance moves the
	// server's clock forward from it.
	Now func() time.Time
	// TokenLifetime of access tokens. Zero means 3599 seconds, as Microsoft
	// Entra ID answers for app-only tokens.
	TokenLifetime time.Duration
	// RefreshIn, when positive, is sent as "refresh_in" with every access
	// token. Zero means the field is not sent, the common case for
	// tokens that live an hour.
	RefreshIn time.Duration
	// PropagationDelay is how long a new grant (admin consent, an app role
	// assignment) takes before tokens carry it. Zero means at once.
	PropagationDelay time.Duration
	// DeltaRetention is how long a Graph delta link stays usable: a delta
	// or next link older than this, by the server's clock, is answered 410
	// Gone with syncStateNotFound. Zero means seven days, the limit for
	// directory objects.
	DeltaRetention time.Duration
	// TokenLatency delays every token endpoint response, honouring the
	// request's context. Zero means no delay.
	TokenLatency time.Duration
	// Interactive makes the authorize and admin consent endpoints serve an
	// HTML sign-in and consent page instead of approving at once. Zero means
	// auto-approve, which Go tests want; browser tests set it.
	Interactive bool
	// SigningKey signs the tokens the server issues. Nil means a new
	// 2048-bit RSA key.
	SigningKey *rsa.PrivateKey
	// Addr is the loopback address to listen on, such as "127.0.0.1:8443".
	// Empty means 127.0.0.1 on a free port. Other hosts are refused: the
	// fake never listens beyond this machine.
	Addr string
}

// Server is a fake Microsoft identity platform and the slice of Microsoft
// Graph that entrakit calls. It serves HTTPS on 127.0.0.1, like
// httptest.NewTLSServer, and is safe for concurrent use. Setup methods panic
// on misuse with a "graphauthtest:" prefix; request handling never panics.
type Server struct {
	// URL is the base URL, "https://127.0.0.1:port", without a trailing
	// slash. Use it as the authority host.
	URL string

	// The first tenant and first app, for the common one-tenant test:
	TenantID     string // GUID of the first tenant
	TenantDomain string // its verified domain
	ClientID     string // client ID of the first app
	Secret       string // value of the first app's first secret
	// ClientCertificate and ClientKey are the certificate registered on the
	// default app and its private key. Nil unless the default directory is
	// used.
	ClientCertificate *x509.Certificate
	ClientKey         *rsa.PrivateKey

	ts       *httptest.Server
	pki      serverPKI
	handler  http.Handler
	opts     Options
	signer   *signer
	mu       sync.Mutex
	dir      *directory
	clk      *Clock
	faults   faultSet
	log      requestLog
	graph    []graphRoute
	types    schemas
	throttle throttles
	sessions sessions
	mis      managedIdentities
}

// NewServer starts and returns a new Server. The caller should call Close when
// finished, to shut it down. A nil opts uses the defaults.
func NewServer(opts *Options) *Server {
	s := NewUnstartedServer(opts)
	s.Start()
	return s
}

// NewUnstartedServer returns a new Server but doesn't start it. After changing
// its configuration, the caller should call Start. Use Handler to mount the
// fake elsewhere instead.
func NewUnstartedServer(opts *Options) *Server {
	s := &Server{}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.TokenLifetime == 0 {
		s.opts.TokenLifetime = 3599 * time.Second
	}
	if s.opts.TokenLifetime < 0 || s.opts.RefreshIn < 0 || s.opts.PropagationDelay < 0 || s.opts.TokenLatency < 0 || s.opts.DeltaRetention < 0 {
		panic("graphauthtest: durations in Options must not be negative")
	}
	s.clk = newClock(s.opts.Now)
	key := s.opts.SigningKey
	if key == nil {
		key = mustRSAKey()
	}
	s.signer = newSigner(key, s.clk.now())
	s.dir = newDirectory()
	s.sessions.name = sessionCookiePrefix + newGUID()[:8]
	if s.opts.Tenants == nil && s.opts.Apps == nil {
		s.seedDefault()
	} else {
		for _, t := range s.opts.Tenants {
			s.AddTenant(t)
		}
		for _, a := range s.opts.Apps {
			s.AddApp(a)
		}
	}
	s.types = newSchemas()
	s.graph = s.graphRoutes()
	s.handler = s.routes()
	s.ts = httptest.NewUnstartedServer(s.handler)
	s.pki = newServerPKI(time.Now())
	s.ts.TLS = &tls.Config{Certificates: []tls.Certificate{s.pki.leaf}, MinVersion: tls.VersionTLS12}
	if s.opts.Addr != "" {
		host, _, err := net.SplitHostPort(s.opts.Addr)
		if err != nil || !ids.IsLoopbackHost(strings.Trim(host, "[]")) {
			panic(fmt.Sprintf("graphauthtest: Addr %q is not a loopback host:port", s.opts.Addr))
		}
		l, err := net.Listen("tcp", s.opts.Addr)
		if err != nil {
			panic("graphauthtest: " + err.Error())
		}
		s.ts.Listener.Close()
		s.ts.Listener = l
	}
	return s
}

// Start starts a server from NewUnstartedServer, serving TLS.
func (s *Server) Start() {
	if s.URL != "" {
		panic("graphauthtest: Server already started")
	}
	s.ts.StartTLS()
	s.URL = s.ts.URL
	if t, ok := s.ts.Client().Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		t.TLSClientConfig.RootCAs = s.pki.pool() // trust the CA, not only the leaf
	}
}

// Close shuts the server down and blocks until all outstanding requests on it
// have completed. A server that was never started releases its listener.
func (s *Server) Close() {
	if s.URL == "" {
		// Never started (served through Handler or Responder): release
		// the listener that NewUnstartedServer opened.
		_ = s.ts.Listener.Close()
		return
	}
	s.ts.Close()
}

// Client returns an HTTP client that trusts the server's certificate. It
// follows redirects within the server but stops at a redirect to anywhere
// else (such as an app's redirect URI after sign-in) and returns that
// response, so that tests can read the code or error it carries.
func (s *Server) Client() *http.Client {
	if s.URL == "" {
		panic("graphauthtest: Client called before Start")
	}
	c := *s.ts.Client()
	host := s.ts.Listener.Addr().String()
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host || len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &c
}

// Certificate returns the certificate the server presents for TLS: issued
// by CA for 127.0.0.1, ::1 and localhost.
func (s *Server) Certificate() *x509.Certificate {
	if s.URL == "" {
		panic("graphauthtest: Certificate called before Start")
	}
	return s.ts.Certificate()
}

// CA returns the certificate authority that issued the server's TLS
// certificate, for clients to trust (Go's SSL_CERT_FILE, Node's
// NODE_EXTRA_CA_CERTS, Python's REQUESTS_CA_BUNDLE, curl's --cacert). Each
// Server has its own, made when it is created; the CA's private key never
// leaves the Server's memory, so trusting it trusts nothing else.
func (s *Server) CA() *x509.Certificate { return s.pki.ca }

// TLSConfig returns the server's TLS configuration after Start, for callers
// that build their own transport.
func (s *Server) TLSConfig() *tls.Config {
	if s.URL == "" {
		panic("graphauthtest: TLSConfig called before Start")
	}
	return s.ts.TLS
}

// Handler returns the fake platform as an http.Handler, so that it can be
// mounted in another server. Issuers and endpoints in its answers are built
// from the request's Host.
func (s *Server) Handler() http.Handler { return s.handler }

// Now returns the server's current time.
func (s *Server) Now() time.Time { return s.clk.now() }

// Clock returns the server's clock, to hand to the code under test (it
// satisfies graphauth.Clock) so that Advance moves time for both: a
// credential built with it sees its cached token expire when the server's
// tokens do.
func (s *Server) Clock() *Clock { return s.clk }

// Advance moves the server's clock forward by d: tokens, codes, secrets and
// grants all see the new time.
func (s *Server) Advance(d time.Duration) {
	if d < 0 {
		panic("graphauthtest: Advance takes a positive duration")
	}
	s.clk.advance(d)
}

func mustRSAKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("graphauthtest: generating an RSA key: " + err.Error())
	}
	return k
}
