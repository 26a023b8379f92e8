package graphauth_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func FuzzParseAuthError(f *testing.F) {
	f.Add(400, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2026-01-01 00:00:00Z","error_codes":[7000215],"timestamp":"2026-01-01 00:00:00Z","trace_id":"t","correlation_id":"c"}`, "application/json", "60")
	f.Add(502, `<html><body>Bad gateway</body></html>`, "text/html", "")
	f.Add(200, `{"token_type":"Bearer","access_token":"ey`, "application/json", "Wed, 21 Oct 2026 07:28:00 GMT")
	f.Add(400, `{"error":"x","error_codes":"not-a-list"}`, "", "-1")
	f.Fuzz(func(t *testing.T, status int, body, contentType, retryAfter string) {
		h := http.Header{"Content-Type": {contentType}, "Retry-After": {retryAfter}}
		e := graphauth.ParseAuthError(status, h, []byte(body))
		msg := e.Error()
		assert.True(t, strings.HasPrefix(msg, "graphauth: "))
		assert.GreaterOrEqual(t, e.RetryAfter, time.Duration(0))
		_ = e.Retryable()
	})
}

func FuzzParseCertificate(f *testing.F) {
	key, cert := graphauthtest.NewCertificate("CN=fuzz", time.Now())
	f.Add(append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...), "")
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "pw")
	f.Add([]byte{0x30, 0x82, 0x01, 0x00}, "pw")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		chain, signer, err := graphauth.ParseCertificate(data, graphauth.Secret(password))
		if err == nil {
			assert.NotEmpty(t, chain)
			assert.NotNil(t, signer)
		} else {
			assert.NotContains(t, err.Error(), password+"\x00", "no password in errors")
		}
	})
}

// Configuration from the environment: whatever the variables hold, building
// a credential returns a credential or an error, and never panics or sends
// anything (no authority is reachable here).
func FuzzNewCredential(f *testing.F) {
	f.Add("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "s~x", "", "", "https://login.example")
	f.Add("common", "app", "1e2d3c4b-5a69-4788-9796-a5b4c3d2e1f0", "secret", "/no/such", "http://x")
	f.Add("", "", "", "kerberos", "", "")
	f.Fuzz(func(t *testing.T, tenant, client, secret, flow, fedFile, authority string) {
		cfg := graphauth.Config{TenantID: tenant, ClientID: client, ClientSecret: graphauth.Secret(secret), Flow: flow,
			FederatedTokenFile: fedFile, AuthorityHost: authority}
		cred, err := graphauth.NewCredential(cfg, nil)
		if err != nil {
			assert.Nil(t, cred)
			if len(secret) > 3 {
				assert.NotContains(t, err.Error(), secret)
			}
		}
	})
}
