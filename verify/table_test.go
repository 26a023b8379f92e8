package verify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/verify"
)

// For every code of the table, on the wire as the platform sends it (a
// 400 or 401), Diagnose and AuthError.Retryable give one answer, and the
// diagnosis is concrete.
func TestDiagnoseAndRetryableAgreeForEveryCode(t *testing.T) {
	t.Parallel()
	codes := verify.CatalogCodes()
	require.GreaterOrEqual(t, len(codes), 100)
	for _, n := range codes {
		for _, status := range []int{400, 401} {
			ae := graphauth.ParseAuthError(status, nil, fmt.Appendf(nil,
				`{"error":"invalid_grant","error_description":"AADSTS%d: text","error_codes":[%d],"trace_id":"t","correlation_id":"c"}`, n, n))
			d := verify.Diagnose(ae)
			assert.Equal(t, ae.Retryable(), d.Retryable, "AADSTS%d", n)
			assert.Equal(t, fmt.Sprintf("AADSTS%d", n), d.Code)
			assert.NotEmpty(t, d.Summary, "AADSTS%d", n)
			assert.NotEmpty(t, d.Action, "AADSTS%d", n)
			assert.NotContains(t, d.Action, "as the message says", "AADSTS%d", n)
		}
	}
}

func TestDiagnoseUnknownCodeFallsBack(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body string
		status     int
		retry      bool
		says       string
	}{
		{"an unknown code with temporarily_unavailable", `{"error":"temporarily_unavailable","error_description":"AADSTS9999999: new","error_codes":[9999999]}`, 400, true, "failed"},
		{"an unknown code with invalid_client", `{"error":"invalid_client","error_description":"AADSTS9999998: new","error_codes":[9999998]}`, 401, false, "credential"},
		{"an unknown code with a suberror", `{"error":"invalid_grant","suberror":"basic_action","error_description":"AADSTS9999997: new","error_codes":[9999997]}`, 400, false, "sign in"},
		{"no code at all", `{"error":"consent_required","error_description":"no code"}`, 400, false, "consented"},
	} {
		ae := graphauth.ParseAuthError(c.status, nil, []byte(c.body))
		d := verify.Diagnose(ae)
		assert.Equal(t, c.retry, d.Retryable, c.name)
		assert.Equal(t, ae.Retryable(), d.Retryable, c.name)
		assert.Contains(t, d.Summary, c.says, c.name)
		assert.NotEmpty(t, d.Action, c.name)
	}
}

func TestDiagnoseSpecificCodes(t *testing.T) {
	t.Parallel()
	t.Run("AADSTS700024 is not retryable with the same assertion, and both say so", func(t *testing.T) {
		ae := graphauth.ParseAuthError(400, nil, []byte(`{"error":"invalid_client","error_description":"AADSTS700024: Client assertion is not within its valid time range.","error_codes":[700024]}`))
		assert.False(t, ae.Retryable())
		assert.False(t, verify.Diagnose(ae).Retryable)
		assert.True(t, ae.CredentialRejected())
		assert.Contains(t, verify.Diagnose(ae).Action, "new assertion")
	})
	t.Run("AADSTS700027 names the x5c cause and the option that fixes it", func(t *testing.T) {
		d := verify.Diagnose(&graphauth.AuthError{Code: "invalid_client", AADSTS: []int{700027}})
		assert.Contains(t, d.Summary, "x5c")
		assert.Contains(t, d.Summary, "thumbprint")
		assert.Contains(t, d.Action, "SendCertificateChain")
	})
	t.Run("AADSTS650052 for Teams names the app and gives the three fixes and the wait", func(t *testing.T) {
		ae := graphauth.ParseCallbackError("invalid_client", "AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Skype and Teams Tenant Admin API) that your organization 'a47d863d-6fb5-4541-b7fa-6e4c03772563' lacks a service principal for. Contact your IT Admin to review the configuration of your service subscriptions or consent to the application in order to create the required service principal.\r\nTrace ID: 5fe59d66-1500-496d-9c6f-731079623300\r\nCorrelation ID: ac06383f-3aab-4ea9-aa49-f303f046838f\r\nTimestamp: 2025-12-10 17:14:23Z")
		d := verify.Diagnose(ae)
		assert.Equal(t, "AADSTS650052", d.Code)
		assert.Equal(t, "48ac35b8-9aa8-4d74-927d-1f4a14a0b239", d.ResourceAppID)
		assert.Equal(t, "Skype and Teams Tenant Admin API", d.ResourceName)
		assert.Contains(t, d.Summary, "Skype and Teams Tenant Admin API")
		assert.Equal(t, `POST https://graph.microsoft.com/v1.0/servicePrincipals {"appId": "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"}`, d.Command)
		assert.Equal(t, "az ad sp create --id 48ac35b8-9aa8-4d74-927d-1f4a14a0b239", d.CLI)
		assert.Contains(t, d.Portal, "Enterprise applications")
		assert.Equal(t, 5*time.Minute, d.Wait)
		assert.Contains(t, d.String(), "Azure CLI: az ad sp create")
		assert.False(t, d.Retryable)
	})
	t.Run("the older AADSTS650052 wording with a URI", func(t *testing.T) {
		ae := graphauth.ParseCallbackError("invalid_client", `AADSTS650052: The app needs access to a service (\"https://manage.office.com\") that your organization \"x\" has not subscribed to or enabled.`)
		d := verify.Diagnose(ae)
		assert.Equal(t, "c5393580-f805-4401-95e8-94b7a6ef2fc2", d.ResourceAppID)
		assert.Equal(t, "az ad sp create --id c5393580-f805-4401-95e8-94b7a6ef2fc2", d.CLI)
	})
	t.Run("a consent.Error keeps its own action", func(t *testing.T) {
		_, err := consent.ParseCallback(map[string][]string{"state": {"0123456789abcdef0123"}, "error": {"access_denied"},
			"error_description": {"AADSTS9999999: a code nobody knows yet"}}, "0123456789abcdef0123")
		var ce *consent.Error
		require.ErrorAs(t, err, &ce)
		d := verify.Diagnose(err)
		assert.Equal(t, ce.Action, d.Action)
		assert.NotContains(t, d.Action, "login.microsoftonline.com/error")
	})
	t.Run("permission_denied is a cancelled consent", func(t *testing.T) {
		_, err := consent.ParseCallback(map[string][]string{"state": {"0123456789abcdef0123"}, "error": {"permission_denied"},
			"error_description": {"The admin canceled the request"}}, "0123456789abcdef0123")
		var ce *consent.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, consent.Cancelled, ce.Reason)
		assert.Equal(t, ce.Action, verify.Diagnose(err).Action)
	})
	t.Run("configuration errors name where the value comes from", func(t *testing.T) {
		d := verify.Diagnose(&graphauth.ConfigError{Field: "AZURE_TENANT_ID", Reason: "is neither a GUID nor a domain name"})
		assert.Contains(t, d.Action, "Directory (tenant) ID")
		assert.NotContains(t, strings.ToLower(d.Action), "as the message says")
	})
}

// Any token error body the platform (or something in between) may send
// is diagnosed without a panic, and Diagnose agrees with Retryable.
func FuzzDiagnoseAuthError(f *testing.F) {
	f.Add(400, `{"error":"invalid_client","error_description":"AADSTS7000215: x","error_codes":[7000215]}`)
	f.Add(400, `{"error":"invalid_client","suberror":"basic_action","error_codes":[123]}`)
	f.Add(400, `{"error":"invalid_resource","error_description":"AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Teams) that your organization 'x' lacks a service principal for.","error_codes":[650052]}`)
	f.Add(503, `<html>`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 599 {
			return
		}
		ae := graphauth.ParseAuthError(status, nil, []byte(body))
		d := verify.Diagnose(ae)
		if d.Retryable != ae.Retryable() {
			t.Fatalf("Diagnose says retryable=%v, Retryable %v", d.Retryable, ae.Retryable())
		}
		if d.Code == "" || d.Action == "" {
			t.Fatalf("an empty diagnosis: %+v", d)
		}
		if d.ResourceAppID != "" && len(d.ResourceAppID) != 36 {
			t.Fatalf("resource app ID %q", d.ResourceAppID)
		}
	})
}

// Each key-file mistake gets the remedy for that mistake.
func TestDiagnoseKeyFileMistakes(t *testing.T) {
	t.Parallel()
	for reason, says := range map[string]string{
		"the private key is an EC (elliptic-curve) key, and Microsoft Entra ID needs an RSA key for client assertions": "rsa:2048",
		"expired on 2025-01-01: create a new certificate and upload it to the app":                                     "delete the expired one",
		"is a certificate alone (a DER .cer file) and holds no private key: give the PFX":                              "the .cer (public part) is what the app holds",
		"holds no certificate": "PFX or PEM file",
	} {
		d := verify.Diagnose(&graphauth.ConfigError{Field: "ClientCertificate", Reason: reason})
		assert.Equal(t, "Configuration", d.Code)
		assert.Contains(t, d.Action, says, reason)
		assert.NotEmpty(t, d.Portal)
	}
}
