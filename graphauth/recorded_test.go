package graphauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

// Answers the real platform sent, as recorded by the Azure SDK for Go
// (sdk/azidentity/testdata/recordings: TestClientSecretCredential_Live and
// TestClientSecretCredential_InvalidSecretLive), replayed to a credential
// pointed at the public cloud. Only the tenant is ours; bodies, statuses
// and headers are the recordings'.

const recordedTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

var recordedHeaders = http.Header{
	"Cache-Control":             {"no-store, no-cache"},
	"Content-Type":              {"application/json; charset=utf-8"},
	"Expires":                   {"-1"},
	"P3P":                       {`CP="DSP CUR OTPi IND OTRi ONL FIN"`},
	"Pragma":                    {"no-cache"},
	"Strict-Transport-Security": {"max-age=31536000; includeSubDomains"},
	"X-Content-Type-Options":    {"nosniff"},
	"X-Ms-Ests-Server":          {"2.1.12261.22 - SCUS ProdSlices"},
	"X-Ms-Request-Id":           {"7e3f8ad4-ea8b-4ee0-b49e-2844450ed300"},
}

const recordedConfig = `{"token_endpoint":"https://login.microsoftonline.com/TENANT/oauth2/v2.0/token","token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt","client_secret_basic"],"jwks_uri":"https://login.microsoftonline.com/TENANT/discovery/v2.0/keys","response_modes_supported":["query","fragment","form_post"],"subject_types_supported":["pairwise"],"id_token_signing_alg_values_supported":["RS256"],"response_types_supported":["code","id_token","code id_token","id_token token"],"scopes_supported":["openid","profile","email","offline_access"],"issuer":"https://login.microsoftonline.com/TENANT/v2.0","request_uri_parameter_supported":false,"userinfo_endpoint":"https://graph.microsoft.com/oidc/userinfo","authorization_endpoint":"https://login.microsoftonline.com/TENANT/oauth2/v2.0/authorize","device_authorization_endpoint":"https://login.microsoftonline.com/TENANT/oauth2/v2.0/devicecode","http_logout_supported":true,"frontchannel_logout_supported":true,"end_session_endpoint":"https://login.microsoftonline.com/TENANT/oauth2/v2.0/logout","kerberos_endpoint":"https://login.microsoftonline.com/TENANT/kerberos","tenant_region_scope":"NA","cloud_instance_name":"microsoftonline.com","cloud_graph_host_name":"graph.windows.net","msgraph_host":"graph.microsoft.com","rbac_url":"https://pas.windows.net"}`

const recordedInstance = `{"tenant_discovery_endpoint":"https://login.microsoftonline.com/TENANT/v2.0/.well-known/openid-configuration","api-version":"1.1","metadata":[{"preferred_network":"login.microsoftonline.com","preferred_cache":"login.windows.net","aliases":["login.microsoftonline.com","login.windows.net","login.microsoft.com","sts.windows.net"]},{"preferred_network":"login.partner.microsoftonline.cn","preferred_cache":"login.partner.microsoftonline.cn","aliases":["login.partner.microsoftonline.cn","login.chinacloudapi.cn"]},{"preferred_network":"login.microsoftonline.us","preferred_cache":"login.microsoftonline.us","aliases":["login.microsoftonline.us","login.usgovcloudapi.net"]}]}`

// replay answers discovery with the recorded documents and the token
// endpoint with status and body; it counts token requests.
type replay struct {
	status int
	body   string
	tokens int
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	status, body := http.StatusOK, ""
	switch {
	case req.URL.Host != "login.microsoftonline.com":
		status, body = http.StatusNotFound, `{}`
	case strings.HasSuffix(req.URL.Path, "/discovery/instance"):
		body = recordedInstance
	case strings.HasSuffix(req.URL.Path, "/openid-configuration"):
		body = recordedConfig
	case strings.HasSuffix(req.URL.Path, "/oauth2/v2.0/token"):
		r.tokens++
		status, body = r.status, r.body
	default:
		status, body = http.StatusNotFound, `{}`
	}
	body = strings.ReplaceAll(body, "TENANT", recordedTenant)
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: recordedHeaders.Clone(), Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

func recordedCredential(t *testing.T, r *replay) *graphauth.ClientSecretCredential {
	t.Helper()
	cred, err := graphauth.NewClientSecretCredential(recordedTenant, "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
		graphauth.Secret("Xy7~8Q_some.secret-value.that-is-long-enough"),
		&graphauth.Options{HTTPClient: &http.Client{Transport: r}, Retry: graphauth.RetryOptions{MaxRetries: -1}})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	return cred
}

func TestARecordedTokenAnswerServesAndIsCached(t *testing.T) {
	t.Parallel()
	r := &replay{status: 200, body: `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"redacted"}`}
	cred := recordedCredential(t, r)
	before := time.Now()
	tok, err := cred.Token(t.Context(), graphauth.TokenRequest{})
	require.NoError(t, err, "an access token need not be a JWT to the client: the recordings redact it")
	assert.Equal(t, "redacted", tok.AccessToken)
	assert.WithinDuration(t, before.Add(3599*time.Second), tok.ExpiresOn, 5*time.Second)
	assert.True(t, tok.RefreshOn.Before(tok.ExpiresOn))
	again, err := cred.Token(t.Context(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, again.AccessToken)
	assert.Equal(t, 1, r.tokens, "the second call is a cache hit")
}

func TestARecordedInvalidSecretAnswerIsTyped(t *testing.T) {
	t.Parallel()
	r := &replay{status: 401, body: `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret is provided.\r\nTrace ID: 6bb6aa70-c6cb-4705-a554-de618c90b600\r\nCorrelation ID: 9945f236-c0ab-4bb8-8a38-d8cb584cea28\r\nTimestamp: 2021-11-17 23:25:07Z","error_codes":[7000215],"timestamp":"2021-11-17 23:25:07Z","trace_id":"6bb6aa70-c6cb-4705-a554-de618c90b600","correlation_id":"9945f236-c0ab-4bb8-8a38-d8cb584cea28","error_uri":"https://login.microsoftonline.com/error?code=7000215"}`}
	cred := recordedCredential(t, r)
	_, err := cred.Token(t.Context(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.ErrorAs(t, err, &aerr)
	assert.Equal(t, 401, aerr.StatusCode)
	assert.Equal(t, "invalid_client", aerr.Code)
	assert.True(t, aerr.HasCode(7000215))
	assert.Equal(t, "6bb6aa70-c6cb-4705-a554-de618c90b600", aerr.TraceID)
	assert.Equal(t, "9945f236-c0ab-4bb8-8a38-d8cb584cea28", aerr.CorrelationID)
	assert.False(t, aerr.Retryable())
	assert.True(t, aerr.CredentialRejected())
	assert.NotContains(t, err.Error(), "\r", "the platform's line breaks do not reach a log line")
	assert.Equal(t, 1, r.tokens, "a refusal is not retried")
}

// TestARecordedIMDSAnswerServes replays IMDS's recorded answer
// (TestManagedIdentityCredential_IMDSLive): every number a string, and an
// expires_on from the day it was recorded, which expires_in outranks.
func TestARecordedIMDSAnswerServes(t *testing.T) {
	t.Parallel()
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Server", "IMDS/150.870.65.523")
		_, _ = io.WriteString(w, `{"access_token":"redacted","client_id":"615e6319-bf4f-4279-937c-b9eb198e511f","expires_in":"84473","expires_on":"1639265125","ext_expires_in":"86399","not_before":"1639178425","resource":"https://management.core.windows.net/","token_type":"Bearer"}`)
	}))
	t.Cleanup(imds.Close)
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{
		Options:      graphauth.Options{Retry: graphauth.RetryOptions{MaxRetries: -1}},
		IMDSEndpoint: imds.URL + "/metadata/identity/oauth2/token",
	})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	before := time.Now()
	tok, err := cred.Token(t.Context(), graphauth.TokenRequest{Scopes: []string{"https://management.core.windows.net//.default"}})
	require.NoError(t, err)
	assert.Equal(t, "redacted", tok.AccessToken)
	assert.WithinDuration(t, before.Add(84473*time.Second), tok.ExpiresOn, 10*time.Second)
}
