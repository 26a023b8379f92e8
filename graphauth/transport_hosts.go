package graphauth

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/entrakit/entrakit/internal/ids"
)

// ErrHostNotAllowed means Transport refused a request because the token must
// not go where it points: a host that is not on Transport.AllowedHosts, a
// redirect to another host than the request's first, plain http to a host
// other than loopback, or a URL with user information. Nothing was sent, not
// even a token request.
var ErrHostNotAllowed = errors.New("graphauth: refusing to send a bearer token")

// endpoint is a host and port in canonical form: the host in lower case
// without a trailing dot, the port a number (0 in an AllowedHosts entry
// without a port: the default port of the request's scheme).
type endpoint struct {
	host string
	port int
}

func (e endpoint) String() string {
	if e.port == 0 {
		return e.host
	}
	return net.JoinHostPort(e.host, strconv.Itoa(e.port))
}

// checkHost returns nil when the token may be attached to req, and otherwise
// an error wrapping ErrHostNotAllowed (or a *ConfigError for a malformed
// AllowedHosts entry).
func (t *Transport) checkHost(req *http.Request) error {
	u := req.URL
	if u == nil {
		return fmt.Errorf("%w: the request has no URL", ErrHostNotAllowed)
	}
	if u.User != nil {
		return fmt.Errorf("%w to a URL with user information", ErrHostNotAllowed)
	}
	scheme := strings.ToLower(u.Scheme)
	to, err := requestEndpoint(scheme, u.Host)
	if err != nil {
		return err
	}
	if scheme != "https" && !(scheme == "http" && ids.IsLoopbackHost(to.host)) {
		return fmt.Errorf("%w over %s to %s", ErrHostNotAllowed, u.Scheme, to.host)
	}
	allowed, err := t.allowedHosts()
	if err != nil {
		return err
	}
	for _, h := range []string{u.Host, req.Host} {
		if h == "" {
			continue
		}
		e, err := requestEndpoint(scheme, h)
		if err != nil {
			return err
		}
		if !allows(allowed, e, scheme) {
			return fmt.Errorf("%w to %s: it is not on Transport.AllowedHosts", ErrHostNotAllowed, e)
		}
	}
	if first := firstRequest(req); first != req && first.URL != nil {
		from, err := requestEndpoint(strings.ToLower(first.URL.Scheme), first.URL.Host)
		if err != nil || from != to {
			return fmt.Errorf("%w to %s: the request was redirected there from another host", ErrHostNotAllowed, to)
		}
	}
	return nil
}

// firstRequest follows a redirected request back to the one its client was
// first asked to send (net/http links them through Request.Response).
func firstRequest(req *http.Request) *http.Request {
	for i := 0; i < 100 && req.Response != nil && req.Response.Request != nil; i++ {
		req = req.Response.Request
	}
	return req
}

// allowedHosts parses AllowedHosts, or gives the default.
func (t *Transport) allowedHosts() ([]endpoint, error) {
	list := t.AllowedHosts
	if list == nil {
		graph := AzurePublic.GraphEndpoint
		if c, ok := CloudOf(t.Credential); ok && c.GraphEndpoint != "" {
			graph = c.GraphEndpoint
		}
		list = []string{graph}
	}
	out := make([]endpoint, 0, len(list))
	for _, entry := range list {
		e, err := allowedEndpoint(entry)
		if err != nil {
			return nil, &ConfigError{Field: "Transport.AllowedHosts", Reason: fmt.Sprintf("%q: %s", entry, err), Err: ErrHostNotAllowed}
		}
		out = append(out, e)
	}
	return out, nil
}

// allowedEndpoint parses an AllowedHosts entry: "host", "host:port", or a
// URL with nothing but a scheme, a host and an optional port.
func allowedEndpoint(entry string) (endpoint, error) {
	if !strings.Contains(entry, "://") {
		return parseEndpoint(entry, 0)
	}
	u, err := url.Parse(entry)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return endpoint{}, errors.New("not an http or https URL")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return endpoint{}, errors.New("a URL must have only a scheme, a host and a port")
	}
	return parseEndpoint(u.Host, defaultPort(u.Scheme))
}

// requestEndpoint is the endpoint a request's host (URL.Host or Host)
// reaches.
func requestEndpoint(scheme, hostport string) (endpoint, error) {
	e, err := parseEndpoint(hostport, defaultPort(scheme))
	if err != nil {
		return endpoint{}, fmt.Errorf("%w to %q: %v", ErrHostNotAllowed, hostport, err)
	}
	return e, nil
}

// parseEndpoint canonicalizes "host" or "host:port"; port is used when
// there is none. Only ASCII host names are accepted: a Unicode name could
// fold to an allowed one here (strings.ToLower("İ") is "i") and still reach
// another host through IDNA.
func parseEndpoint(hostport string, port int) (endpoint, error) {
	host := hostport
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return endpoint{}, errors.New("not a valid port")
		}
		host, port = h, int(n)
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return endpoint{}, errors.New("no host")
	}
	var b strings.Builder
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= 0x80:
			return endpoint{}, errors.New("not an ASCII host name: write an internationalized name in its xn-- form")
		case c <= ' ' || strings.IndexByte(`/\?#@%"<>[]`, c) >= 0:
			return endpoint{}, errors.New("not a host name")
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return endpoint{host: b.String(), port: port}, nil
}

func defaultPort(scheme string) int {
	if strings.EqualFold(scheme, "http") {
		return 80
	}
	return 443
}

// allows reports whether e, reached over scheme, is on the list.
func allows(list []endpoint, e endpoint, scheme string) bool {
	for _, a := range list {
		if a.host == e.host && (a.port == e.port || a.port == 0 && e.port == defaultPort(scheme)) {
			return true
		}
	}
	return false
}
