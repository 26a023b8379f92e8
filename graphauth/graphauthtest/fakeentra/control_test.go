package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// newControl returns a control API over a fresh default server, served by
// its handler directly (the listener is tested through serve).
func newControl(t *testing.T) (*graphauthtest.Server, http.Handler) {
	t.Helper()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	return srv, (&control{srv: srv}).handler()
}

// call sends one control request and decodes a JSON answer into out.
func call(t *testing.T, h http.Handler, method, path, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, controlPrefix+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), out), rec.Body.String())
	}
	return rec.Code
}

func tokenStatus(t *testing.T, srv *graphauthtest.Server, tenant string, form url.Values) int {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

func TestControlBuildsADirectoryAClientCanUse(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	var ten tenantJSON
	require.Equal(t, 201, call(t, h, "POST", "tenants", `{"domain":"fabrikam.onmicrosoft.com","displayName":"Fabrikam"}`, &ten))
	assert.NotEmpty(t, ten.ID)
	var u userJSON
	require.Equal(t, 201, call(t, h, "POST", "users", `{"tenant":"fabrikam.onmicrosoft.com","upn":"ann@fabrikam.onmicrosoft.com","admin":true}`, &u))
	var g groupJSON
	require.Equal(t, 201, call(t, h, "POST", "groups", `{"tenant":"`+ten.ID+`","displayName":"Ops","members":["ann@fabrikam.onmicrosoft.com"]}`, &g))
	assert.Equal(t, []string{u.ID}, g.Members)

	var a appStateJSON
	require.Equal(t, 201, call(t, h, "POST", "apps", `{"displayName":"sync","homeTenant":"fabrikam.onmicrosoft.com","secrets":[{}],
		"generateCertificate":true,"grants":{"fabrikam.onmicrosoft.com":["User.Read.All"]}}`, &a))
	require.Len(t, a.Secrets, 1)
	require.Len(t, a.Certificates, 1)
	assert.NotEmpty(t, a.Secrets[0].Value, "the answer that created a secret shows its value")
	assert.Contains(t, a.Certificates[0].PrivateKeyPEM, "BEGIN PRIVATE KEY")
	assert.Len(t, a.Certificates[0].ThumbprintSHA1, 40)
	assert.Len(t, a.Certificates[0].ThumbprintSHA256, 64)

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {a.ClientID},
		"client_secret": {a.Secrets[0].Value}, "scope": {"https://graph.microsoft.com/.default"}}
	assert.Equal(t, 200, tokenStatus(t, srv, ten.ID, form))

	var sec secretJSON
	require.Equal(t, 201, call(t, h, "POST", "secrets", `{"clientId":"`+a.ClientID+`","displayName":"second"}`, &sec))
	form.Set("client_secret", sec.Value)
	assert.Equal(t, 200, tokenStatus(t, srv, ten.ID, form), "a secret added later works")

	var cert certificateJSON
	require.Equal(t, 201, call(t, h, "POST", "certificates", `{"clientId":"`+a.ClientID+`"}`, &cert))
	assert.NotEmpty(t, cert.PrivateKeyPEM)
	var again certificateJSON
	body, _ := json.Marshal(map[string]string{"clientId": a.ClientID, "certificatePem": cert.CertificatePEM})
	require.Equal(t, 201, call(t, h, "POST", "certificates", string(body), &again))
	assert.Empty(t, again.PrivateKeyPEM, "a certificate the caller brought comes back without a key")
	assert.Equal(t, cert.ThumbprintSHA256, again.ThumbprintSHA256)

	var st stateJSON
	require.Equal(t, 200, call(t, h, "GET", "state", "", &st))
	require.Len(t, st.Tenants, 2)
	for _, app := range st.Apps {
		for _, s := range app.Secrets {
			assert.Empty(t, s.Value, "the state never shows a secret's value")
		}
		for _, c := range app.Certificates {
			assert.Empty(t, c.PrivateKeyPEM)
		}
	}
	raw := httptest.NewRecorder()
	h.ServeHTTP(raw, httptest.NewRequest("GET", controlPrefix+"state", nil))
	assert.NotContains(t, raw.Body.String(), sec.Value)
	assert.NotContains(t, raw.Body.String(), a.Secrets[0].Value)
}

func TestControlGrantsRevokesAndSteers(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {srv.Secret}, "scope": {"https://graph.microsoft.com/.default"}}
	grant := `{"tenant":"` + srv.TenantID + `","clientId":"` + srv.ClientID + `","roles":["Mail.Read"]}`
	assert.Equal(t, 204, call(t, h, "POST", "grants/appRoles", grant, nil))
	assert.Equal(t, 204, call(t, h, "POST", "grants/appRoles/revoke", grant, nil))
	assert.Equal(t, 204, call(t, h, "POST", "grants/scopes",
		`{"tenant":"`+srv.TenantID+`","clientId":"`+srv.ClientID+`","user":"adele@contoso.onmicrosoft.com","scopes":["Mail.Read"]}`, nil))

	assert.Equal(t, 204, call(t, h, "POST", "faults", `{"endpoint":"token","status":400,"aadsts":7000215}`, nil))
	assert.Equal(t, 400, tokenStatus(t, srv, srv.TenantID, form), "the injected fault answers")
	assert.Equal(t, 200, tokenStatus(t, srv, srv.TenantID, form), "once")
	assert.Equal(t, 204, call(t, h, "POST", "faults", `{"endpoint":"token","times":-1,"status":503,"body":"html"}`, nil))
	assert.Equal(t, 503, tokenStatus(t, srv, srv.TenantID, form))
	assert.Equal(t, 204, call(t, h, "DELETE", "faults", "", nil))
	assert.Equal(t, 200, tokenStatus(t, srv, srv.TenantID, form))

	var reqs []requestJSON
	require.Equal(t, 200, call(t, h, "GET", "requests?endpoint=token", "", &reqs))
	require.Len(t, reqs, 4)
	assert.True(t, reqs[0].Faulted)
	assert.Equal(t, 7000215, reqs[0].AADSTS)
	assert.Equal(t, srv.ClientID, reqs[3].ClientID)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", controlPrefix+"requests", nil))
	assert.NotContains(t, rec.Body.String(), srv.Secret, "the request log holds no secret")
	assert.Equal(t, 204, call(t, h, "DELETE", "requests", "", nil))
	require.Equal(t, 200, call(t, h, "GET", "requests", "", &reqs))
	assert.Empty(t, reqs)

	before := srv.Now()
	var clk clockJSON
	require.Equal(t, 200, call(t, h, "POST", "clock/advance", `{"seconds":1814400}`, &clk))
	assert.False(t, clk.Now.Before(before.Add(21*24*3600e9)), "21 days on")
	form.Set("client_secret", srv.Secret)
	assert.Equal(t, 200, tokenStatus(t, srv, srv.TenantID, form))

	assert.Equal(t, 204, call(t, h, "POST", "throttles", `{"scope":"app","limit":0,"retryAfterSeconds":5}`, nil))
	assert.Equal(t, 204, call(t, h, "DELETE", "throttles", "", nil))
	assert.Equal(t, 204, call(t, h, "POST", "signIn", `{"upn":"adele@contoso.onmicrosoft.com"}`, nil))
	assert.Equal(t, 204, call(t, h, "POST", "refreshTokens/revoke", `{"upn":"adele@contoso.onmicrosoft.com"}`, nil))
	assert.Equal(t, 204, call(t, h, "POST", "servicePrincipals", `{"tenant":"`+srv.TenantID+`","appId":"`+graphauthtest.TeamsAdminAppID+`"}`, nil))
	assert.Equal(t, 204, call(t, h, "POST", "servicePrincipals/remove", `{"tenant":"`+srv.TenantID+`","appId":"`+srv.ClientID+`"}`, nil))
	assert.Equal(t, 400, tokenStatus(t, srv, srv.TenantID, form), "an app without its service principal is refused")
	assert.Equal(t, 204, call(t, h, "POST", "users/delete", `{"upn":"adele@contoso.onmicrosoft.com"}`, nil))
}

func TestControlRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	cases := []struct{ name, method, path, body string }{
		{"not JSON", "POST", "tenants", `{`},
		{"unknown field", "POST", "tenants", `{"domain":"x.example","bogus":1}`},
		{"trailing data", "POST", "tenants", `{} {}`},
		{"a tenant ID that is not a GUID", "POST", "tenants", `{"id":"nope"}`},
		{"a domain taken", "POST", "tenants", `{"domain":"contoso.onmicrosoft.com"}`},
		{"a user without a tenant", "POST", "users", `{"upn":"a@b.example"}`},
		{"a user in no tenant", "POST", "users", `{"tenant":"nowhere.example","upn":"a@nowhere.example"}`},
		{"a UPN without a domain", "POST", "users", `{"tenant":"` + srv.TenantID + `","upn":"plain"}`},
		{"an unknown permission", "POST", "apps", `{"requiredRoles":["Group.ReadAll"]}`},
		{"a duplicate app", "POST", "apps", `{"clientId":"` + srv.ClientID + `"}`},
		{"a bad certificate", "POST", "apps", `{"certificates":["nope"]}`},
		{"a secret for no app", "POST", "secrets", `{"clientId":"00000000-0000-0000-0000-000000000001"}`},
		{"a certificate that is not PEM", "POST", "certificates", `{"clientId":"` + srv.ClientID + `","certificatePem":"x"}`},
		{"roles and scopes mixed", "POST", "grants/appRoles", `{"tenant":"` + srv.TenantID + `","clientId":"` + srv.ClientID + `","roles":["User.Read.All"],"scopes":["User.Read"]}`},
		{"no roles", "POST", "grants/appRoles", `{"tenant":"` + srv.TenantID + `","clientId":"` + srv.ClientID + `"}`},
		{"a scope that does not exist", "POST", "grants/scopes", `{"tenant":"` + srv.TenantID + `","clientId":"` + srv.ClientID + `","scopes":["Nope.Read"]}`},
		{"a negative advance", "POST", "clock/advance", `{"seconds":-5}`},
		{"an advance past a century", "POST", "clock/advance", `{"seconds":1e300}`},
		{"an unknown endpoint", "POST", "faults", `{"endpoint":"nope"}`},
		{"an unknown fault body", "POST", "faults", `{"body":"xml"}`},
		{"a status that is not HTTP", "POST", "faults", `{"status":42}`},
		{"a header injection", "POST", "faults", `{"retryAfter":"1\r\nSet-Cookie: x=y"}`},
		{"an unknown throttle scope", "POST", "throttles", `{"scope":"planet"}`},
		{"a negative limit", "POST", "throttles", `{"limit":-1}`},
		{"an unknown endpoint filter", "GET", "requests?endpoint=nope", ""},
		{"a refresh revocation without a user", "POST", "refreshTokens/revoke", `{}`},
	}
	for _, c := range cases {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		code := call(t, h, c.method, c.path, c.body, &e)
		assert.Contains(t, []int{400, 404}, code, c.name)
		assert.NotEmpty(t, e.Error.Message, c.name)
		assert.NotContains(t, e.Error.Message, "graphauthtest:", c.name)
	}
	assert.Equal(t, 405, call(t, h, "PUT", "tenants", `{}`, nil))
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		req := httptest.NewRequest("POST", controlPrefix+"clock/advance", strings.NewReader(`{"seconds":60}`))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, 415, rec.Code, "a body sent as %q, as a web page could without a preflight, is refused", ct)
	}
	assert.Equal(t, 404, call(t, h, "GET", "nothing-here", "", nil))
	big := `{"displayName":"` + strings.Repeat("a", maxControlBody) + `"}`
	assert.Equal(t, 413, call(t, h, "POST", "tenants", big, nil))
	var st stateJSON
	require.Equal(t, 200, call(t, h, "GET", "state", "", &st), "still serving after every refusal")
	assert.Len(t, st.Tenants, 1)
}

func TestControlServesItsOpenAPIDescription(t *testing.T) {
	t.Parallel()
	_, h := newControl(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", controlPrefix+"openapi.yaml", nil))
	require.Equal(t, 200, rec.Code)
	served := map[string]bool{"/openapi.yaml": true}
	for _, rt := range (&control{}).routes() {
		served[strings.TrimPrefix(rt.path, "/control")] = true
		assert.Contains(t, rec.Body.String(), "\n  "+strings.TrimPrefix(rt.path, "/control")+":\n",
			"openapi.yaml describes %s %s", rt.method, rt.path)
		assert.Contains(t, rec.Body.String(), "\n    "+strings.ToLower(rt.method)+":", rt.path)
	}
	described := regexp.MustCompile(`(?m)^  (/[\w/.]+):$`).FindAllStringSubmatch(rec.Body.String(), -1)
	assert.Len(t, described, len(served), "as many paths described as served")
	for _, d := range described {
		assert.True(t, served[d[1]], "openapi.yaml describes %s, which the control API does not serve", d[1])
	}
}

func TestControlIsNotOnThePlatformsPort(t *testing.T) {
	t.Parallel()
	h := serve(t, "-dir", t.TempDir())
	c := clientFor(t, h.CAFile)
	resp, err := c.Get(h.URL + "/control/state")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode, "a token client pointed at the platform cannot reach the control API")
	resp, err = c.Post(h.ControlURL+"/clock/advance", "application/json", bytes.NewReader([]byte(`{"seconds":60}`)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the control URL it printed answers over the same CA")
	assert.NotEqual(t, h.URL, strings.TrimSuffix(h.ControlURL, "/control"))
}

// FuzzControlBodies sends arbitrary bodies to every operation: each is
// answered (never a 5xx, never a panic), and the server goes on serving.
func FuzzControlBodies(f *testing.F) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	h := (&control{srv: srv}).handler()
	routes := (&control{}).routes()
	for _, s := range []string{`{}`, `{"tenant":"contoso.onmicrosoft.com","upn":"x@contoso.onmicrosoft.com"}`,
		`{"seconds":1}`, `{"endpoint":"graph","path":"/users","times":2}`, `{"clientId":"` + srv.ClientID + `"}`,
		`{"tenant":"` + srv.TenantID + `","clientId":"` + srv.ClientID + `","roles":["User.Read.All"]}`,
		`{"displayName":"f","generateCertificate":false,"grants":{"contoso.onmicrosoft.com":["x"]}}`, `[]`, `null`, "\x00"} {
		for i := range routes {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		rt := routes[int(which)%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", rt.method, rt.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: a refusal that is not JSON: %s", rt.method, rt.path, rec.Body)
		}
		probe := httptest.NewRecorder()
		h.ServeHTTP(probe, httptest.NewRequest("GET", controlPrefix+"state", nil))
		if probe.Code != 200 {
			t.Fatalf("the control API stopped serving after %s %s: %d", rt.method, rt.path, probe.Code)
		}
	})
}

func TestControlIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {srv.Secret}, "scope": {"https://graph.microsoft.com/.default"}}
	const workers = 8
	var wg sync.WaitGroup
	codes := make(chan int, workers*4)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			upn := fmt.Sprintf(`{"tenant":"contoso.onmicrosoft.com","upn":"u%d@contoso.onmicrosoft.com"}`, i)
			codes <- call(t, h, "POST", "users", upn, nil)
			codes <- call(t, h, "POST", "clock/advance", `{"seconds":1}`, nil)
			codes <- call(t, h, "GET", "requests", "", nil)
			codes <- tokenStatus(t, srv, srv.TenantID, form)
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Contains(t, []int{200, 201}, c)
	}
	var st stateJSON
	require.Equal(t, 200, call(t, h, "GET", "state", "", &st))
	assert.Len(t, st.Tenants[0].Users, 2+workers, "every user added")
}

// signedInUser runs an authorization-code sign-in without a login_hint and
// returns the UPN in the ID token: whoever the fake's session holds.
func signedInUser(t *testing.T, srv *graphauthtest.Server) string {
	t.Helper()
	const verifier = "a-verifier-that-is-at-least-forty-three-characters-long"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {srv.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost/callback"},
		"scope": {"openid profile User.Read"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, err := srv.Client().Get(srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/authorize?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.NotEmpty(t, loc.Query().Get("code"), loc.String())
	tok, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"code": {loc.Query().Get("code")}, "redirect_uri": {"http://localhost/callback"}, "code_verifier": {verifier},
		"scope": {"openid profile User.Read"}})
	require.NoError(t, err)
	defer tok.Body.Close()
	var body struct {
		IDToken string `json:"id_token"`
	}
	require.NoError(t, json.NewDecoder(tok.Body).Decode(&body))
	claims := jwt.MapClaims{}
	_, _, err = jwt.NewParser().ParseUnverified(body.IDToken, claims)
	require.NoError(t, err)
	upn, _ := claims["preferred_username"].(string)
	return upn
}

func TestControlSignInChoosesTheSessionUser(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	for _, upn := range []string{"adele@contoso.onmicrosoft.com", "admin@contoso.onmicrosoft.com"} {
		require.Equal(t, 204, call(t, h, "POST", "signIn", `{"upn":"`+upn+`"}`, nil))
		assert.Equal(t, upn, signedInUser(t, srv))
	}
	assert.Equal(t, 400, call(t, h, "POST", "signIn", `{"upn":"nobody@contoso.onmicrosoft.com"}`, nil), "an unknown user")
}
