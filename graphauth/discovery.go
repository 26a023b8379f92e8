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
	templates map[string][]byte // host -> document with the tenant as "{tenant}"
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
	d.mu.Lock()
	tmpl := d.templates[req.URL.Host]
	d.mu.Unlock()
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

// learn keeps the first good document for a GUID tenant as the host's
// template.
func (d *discovery) learn(req *http.Request, status int, body []byte) {
	tenant, ok := tenantOf(req)
	if !ok || status != http.StatusOK || !ids.IsGUID(tenant) || !bytes.Contains(body, []byte("/"+tenant+"/")) {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.templates == nil {
		d.templates = map[string][]byte{}
	}
	if _, ok := d.templates[req.URL.Host]; !ok {
		d.templates[req.URL.Host] = bytes.ReplaceAll(body, []byte("/"+tenant+"/"), []byte("/{tenant}/"))
	}
}
