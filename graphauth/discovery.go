package graphauth

import (
	"bytes"
	"github.com/entrakit/entrakit/internal/ids"
	"io"
	"net/http"
	"strings"
	"sync"
)

// discovery answers MSAL's tenant discovery (the OpenID configuration of
// each tenant) from the first document fetched for the authority host, with
// the tenant swapped in. MSAL fetches that document once per tenant; a
// multi-tenant app that serves a thousand customers would otherwise make a
// thousand discovery requests before its first thousand tokens. The
// document's endpoints differ between tenants only by the tenant segment.
type discovery struct {
	mu        sync.Mutex
	templates map[string][]byte        // host -> document with the tenant as "{tenant}"
	pending   map[string]chan struct{} // host -> closed when its first fetch has ended
}

const discoveryPath = "/v2.0/.well-known/openid-configuration"

// tenantOf returns the tenant segment of a tenant discovery request.
func tenantOf(req *http.Request) (string, bool) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, discoveryPath) {
		return "", false
	}
	tenant := strings.Trim(strings.TrimSuffix(req.URL.Path, discoveryPath), "/")
	if tenant == "" || strings.Contains(tenant, "/") {
		return "", false
	}
	return tenant, true
}

func (d *discovery) answer(req *http.Request) (*http.Response, bool) {
	tenant, ok := tenantOf(req)
	if !ok || !(ids.IsGUID(tenant) || ids.IsDomain(tenant)) {
		return nil, false
	}
	tmpl := d.template(req)
	if tmpl == nil {
		return nil, false
	}
	body := bytes.ReplaceAll(tmpl, []byte("{tenant}"), []byte(tenant))
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, true
}

// template returns the host's template. While the host's first document
// is being fetched, other tenants' requests wait for it (or for their
// context) instead of all fetching their own at once; the first one to
// find neither a template nor a fetch under way goes to the network.
func (d *discovery) template(req *http.Request) []byte {
	host := req.URL.Host
	d.mu.Lock()
	if t := d.templates[host]; t != nil {
		d.mu.Unlock()
		return t
	}
	wait, fetching := d.pending[host]
	if !fetching {
		if d.pending == nil {
			d.pending = map[string]chan struct{}{}
		}
		d.pending[host] = make(chan struct{})
	}
	d.mu.Unlock()
	if !fetching {
		return nil // this request fetches; learn ends the wait
	}
	select {
	case <-wait:
	case <-req.Context().Done():
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.templates[host]
}

// learn keeps the first good document for a GUID tenant as the host's
// template, and ends the wait of the requests behind the first fetch.
func (d *discovery) learn(req *http.Request, status int, body []byte) {
	tenant, ok := tenantOf(req)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	host := req.URL.Host
	if status == http.StatusOK && ids.IsGUID(tenant) && bytes.Contains(body, []byte("/"+tenant+"/")) {
		if d.templates == nil {
			d.templates = map[string][]byte{}
		}
		if _, ok := d.templates[host]; !ok {
			d.templates[host] = bytes.ReplaceAll(body, []byte("/"+tenant+"/"), []byte("/{tenant}/"))
		}
	}
	if ch, ok := d.pending[host]; ok {
		close(ch) // the waiters use the template, or fetch their own if there is none
		delete(d.pending, host)
	}
}
