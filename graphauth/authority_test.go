package graphauth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

const pastedTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func TestEveryFormAnAdministratorPastesIsRead(t *testing.T) {
	t.Parallel()
	pub, gov, china := graphauth.AzurePublic, graphauth.AzureGovernment, graphauth.AzureChina
	for _, tc := range []struct {
		pasted   string
		cloud    graphauth.Cloud
		tenant   string
		version  graphauth.EndpointVersion
		endpoint string
	}{
		{pastedTenant, graphauth.Cloud{}, pastedTenant, graphauth.EndpointUnspecified, ""},
		{"  Contoso.onmicrosoft.com ", graphauth.Cloud{}, "contoso.onmicrosoft.com", graphauth.EndpointUnspecified, ""},
		{"https://login.microsoftonline.com/" + pastedTenant + "/oauth2/token", pub, pastedTenant, graphauth.EndpointV1, "token"},
		{"https://login.microsoftonline.com/" + pastedTenant + "/oauth2/v2.0/token", pub, pastedTenant, graphauth.EndpointV2, "token"},
		{"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/authorize?client_id=x&resource=y", pub, "contoso.onmicrosoft.com", graphauth.EndpointV1, "authorize"},
		{"https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x", pub, "common", graphauth.EndpointV2, "authorize"},
		{"https://login.microsoftonline.com/" + pastedTenant, pub, pastedTenant, graphauth.EndpointUnspecified, ""},
		{"https://login.microsoftonline.com/" + pastedTenant + "/", pub, pastedTenant, graphauth.EndpointUnspecified, ""},
		{"https://login.microsoftonline.com/" + pastedTenant + "/v2.0", pub, pastedTenant, graphauth.EndpointV2, ""},
		{"https://sts.windows.net/" + pastedTenant + "/", pub, pastedTenant, graphauth.EndpointUnspecified, ""},
		{"https://login.windows.net/" + pastedTenant + "/oauth2/token", pub, pastedTenant, graphauth.EndpointV1, "token"},
		{"login.microsoftonline.com/" + pastedTenant + "/oauth2/v2.0/token", pub, pastedTenant, graphauth.EndpointV2, "token"},
		{"https://login.microsoftonline.com/" + pastedTenant + "/v2.0/.well-known/openid-configuration", pub, pastedTenant, graphauth.EndpointV2, "openid-configuration"},
		{"https://login.microsoftonline.com/" + pastedTenant + "/adminconsent?client_id=x", pub, pastedTenant, graphauth.EndpointV1, "adminconsent"},
		{"https://login.microsoftonline.com/" + pastedTenant + "/v2.0/adminconsent", pub, pastedTenant, graphauth.EndpointV2, "adminconsent"},
		{"https://LOGIN.MICROSOFTONLINE.US/" + pastedTenant + "/OAuth2/Token", gov, pastedTenant, graphauth.EndpointV1, "token"},
		{"https://login.microsoftonline.us/" + pastedTenant + "/oauth2/v2.0/token", gov, pastedTenant, graphauth.EndpointV2, "token"},
		{"https://login.partner.microsoftonline.cn/" + pastedTenant + "/oauth2/token", china, pastedTenant, graphauth.EndpointV1, "token"},
		{"https://login.chinacloudapi.cn/" + pastedTenant + "/oauth2/v2.0/token", china, pastedTenant, graphauth.EndpointV2, "token"},
		// Pasted from chat or a document, with invisible characters around it.
		{"\ufeffhttps://login.microsoftonline.com/" + pastedTenant + "/oauth2/token\u200b", pub, pastedTenant, graphauth.EndpointV1, "token"},
		{"\u200e" + pastedTenant + "\u00a0", graphauth.Cloud{}, pastedTenant, graphauth.EndpointUnspecified, ""},
		// Quoted in a document, or wrapped in <> by a mail client.
		{"<https://login.microsoftonline.com/" + pastedTenant + "/oauth2/token>", pub, pastedTenant, graphauth.EndpointV1, "token"},
		{"\"https://login.microsoftonline.com/" + pastedTenant + "/oauth2/v2.0/token\"", pub, pastedTenant, graphauth.EndpointV2, "token"},
		{"\u201c" + pastedTenant + "\u201d", graphauth.Cloud{}, pastedTenant, graphauth.EndpointUnspecified, ""},
	} {
		t.Run(tc.pasted, func(t *testing.T) {
			a, err := graphauth.ParseAuthority(tc.pasted)
			require.NoError(t, err)
			assert.Equal(t, tc.cloud, a.Cloud)
			assert.Equal(t, tc.tenant, a.TenantID)
			assert.Equal(t, tc.version, a.Version)
			assert.Equal(t, tc.endpoint, a.Endpoint)
		})
	}
}

func TestAnythingElseIsRefusedWithWhatToPaste(t *testing.T) {
	t.Parallel()
	for pasted, says := range map[string]string{
		"":          "is empty",
		"my tenant": "neither a GUID nor a domain",
		"http://login.microsoftonline.com/" + pastedTenant + "/oauth2/token":        "https only",
		"https://login.microsoftonline.de/" + pastedTenant + "/oauth2/token":        "closed in October 2021",
		"https://evil.example/" + pastedTenant + "/oauth2/token":                    "no Microsoft identity platform host",
		"https://login.microsoftonline.com/":                                        "names no tenant",
		"https://login.microsoftonline.com/" + pastedTenant + "/saml2":              "no identity platform endpoint",
		"https://login.microsoftonline.com/not_a_tenant/oauth2/token":               "neither a GUID nor a domain",
		"https://login.microsoftonline.com:8443/" + pastedTenant:                    "port",
		"https://graph.microsoft.com/v1.0/users":                                    "Microsoft Graph's address",
		"graph.microsoft.com":                                                       "Microsoft Graph's address",
		"GRAPH.MICROSOFT.US":                                                        "Microsoft Graph's address",
		"https://portal.azure.com/#view/Microsoft_AAD_RegisteredApps":               "portal's address",
		"https://contoso.ciamlogin.com/contoso.onmicrosoft.com/oauth2/v2.0/token":   "External ID",
		"contoso.ciamlogin.com":                                                     "External ID",
		"https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/v2.0":    "B2C",
		"example.com/" + pastedTenant:                                               "neither a tenant ID",
		"login.microsoftonline.com":                                                 "names no tenant",
		"Login.Windows.Net":                                                         "names no tenant",
		"https://login.microsoftonline.com/" + pastedTenant + "/oauth2/\u200btoken": "/oauth2/?token",
	} {
		_, err := graphauth.ParseAuthority(pasted)
		var ce *graphauth.ConfigError
		require.True(t, errors.As(err, &ce), "%q: %v", pasted, err)
		assert.Contains(t, err.Error(), says, pasted)
		assert.Equal(t, "TenantID", ce.Field)
	}
}

func TestACustomCloudIsAcceptedWhenNamed(t *testing.T) {
	t.Parallel()
	fake := graphauth.Cloud{Name: "fake", AuthorityHost: "https://127.0.0.1:8443", GraphEndpoint: "https://127.0.0.1:8443"}
	a, err := graphauth.ParseAuthority("https://127.0.0.1:8443/"+pastedTenant+"/oauth2/token", fake)
	require.NoError(t, err)
	assert.Equal(t, fake, a.Cloud)
	assert.Equal(t, graphauth.EndpointV1, a.Version)
	_, err = graphauth.ParseAuthority("https://127.0.0.1:8443/" + pastedTenant + "/oauth2/token")
	assert.Error(t, err, "not without naming it")
}

func TestAPastedTokenURLConfiguresTheCredential(t *testing.T) {
	t.Parallel()
	cred, err := graphauth.NewCredential(graphauth.Config{
		TenantID:     "https://login.microsoftonline.us/" + pastedTenant + "/oauth2/token",
		ClientID:     "11111111-2222-3333-4444-555555555555",
		ClientSecret: "a-secret-value",
	}, nil)
	require.NoError(t, err)
	assert.Contains(t, fmtString(cred), pastedTenant)
	closeIf(cred)
	_, err = graphauth.NewCredential(graphauth.Config{
		TenantID:     "https://login.example.com/" + pastedTenant + "/oauth2/token",
		ClientID:     "11111111-2222-3333-4444-555555555555",
		ClientSecret: "a-secret-value",
	}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TenantID (AZURE_TENANT_ID)")
	assert.Contains(t, err.Error(), "no Microsoft identity platform host")
}

func FuzzParseAuthority(f *testing.F) {
	for _, s := range []string{pastedTenant, "contoso.com", "https://login.microsoftonline.com/" + pastedTenant + "/oauth2/token",
		"login.microsoftonline.us/common/v2.0", "https://login.microsoftonline.com/%zz/", "https://[::1]:0/x", "https://login.microsoftonline.com/a.b/oauth2/v2.0/token#x?y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pasted string) {
		a, err := graphauth.ParseAuthority(pasted)
		if err != nil {
			var ce *graphauth.ConfigError
			if !errors.As(err, &ce) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("not a one-line *ConfigError: %v", err)
			}
		} else if a.TenantID == "" || a.Cloud.AuthorityHost != "" && !strings.HasPrefix(a.Cloud.AuthorityHost, "https://") {
			t.Fatalf("accepted %q as %+v", pasted, a)
		}
		// The consumer: a credential built from what was pasted either
		// exists or says what is wrong.
		cred, err := graphauth.NewCredential(graphauth.Config{TenantID: pasted, ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: "a-secret-value"}, nil)
		if err != nil {
			var ce *graphauth.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("not a *ConfigError: %v", err)
			}
			return
		}
		closeIf(cred)
	})
}

func fmtString(v any) string {
	if s, ok := v.(interface{ String() string }); ok {
		return s.String()
	}
	return ""
}

func closeIf(v any) {
	if c, ok := v.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func TestAPastedURLOfAnotherCloudThanConfiguredIsRefused(t *testing.T) {
	t.Parallel()
	_, err := graphauth.NewCredential(graphauth.Config{
		TenantID:     "https://login.microsoftonline.us/" + pastedTenant + "/oauth2/token",
		ClientID:     "11111111-2222-3333-4444-555555555555",
		ClientSecret: "a-secret-value",
	}, &graphauth.Options{Cloud: graphauth.AzureChina})
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "is a URL of https://login.microsoftonline.us, but the credential is configured for https://login.partner.microsoftonline.cn")
}

func TestADoDTenantKeepsItsCloud(t *testing.T) {
	t.Parallel()
	cred, err := graphauth.NewCredential(graphauth.Config{
		TenantID:     "https://login.microsoftonline.us/" + pastedTenant + "/oauth2/v2.0/token",
		ClientID:     "11111111-2222-3333-4444-555555555555",
		ClientSecret: "a-secret-value",
	}, &graphauth.Options{Cloud: graphauth.AzureGovernmentDoD})
	require.NoError(t, err)
	closeIf(cred)
	a, err := graphauth.ParseAuthority("https://login-us.microsoftonline.com/" + pastedTenant + "/oauth2/token")
	require.NoError(t, err)
	assert.Equal(t, graphauth.AzureGovernment, a.Cloud)
}

// Pastes administrators make that the first reading missed: an address
// copied without its scheme still names what it is, a portal address
// names the directory it shows, and the wrapping of chats and the
// registry is taken off.
func TestMorePastesAreReadOrRefusedWithWhatToPaste(t *testing.T) {
	t.Parallel()
	pub := graphauth.AzurePublic
	for pasted, want := range map[string]graphauth.Authority{
		"contoso.onmicrosoft.com/": {TenantID: "contoso.onmicrosoft.com"},
		"`https://login.microsoftonline.com/" + pastedTenant + "/oauth2/v2.0/token`": {Cloud: pub, TenantID: pastedTenant, Version: graphauth.EndpointV2, Endpoint: "token"},
		"\u2018" + pastedTenant + "\u2019":                                           {TenantID: pastedTenant},
		"{" + strings.ToUpper(pastedTenant) + "}":                                    {TenantID: pastedTenant},
		"login.microsoftonline.com:443/" + pastedTenant:                              {Cloud: pub, TenantID: pastedTenant},
		"https://login.microsoftonline.com./" + pastedTenant + "/oauth2/token":       {Cloud: pub, TenantID: pastedTenant, Version: graphauth.EndpointV1, Endpoint: "token"},
	} {
		got, err := graphauth.ParseAuthority(pasted)
		require.NoError(t, err, pasted)
		assert.Equal(t, want, got, pasted)
	}
	for pasted, says := range map[string]string{
		"graph.microsoft.com/v1.0/me":                                           "Microsoft Graph's address",
		"GRAPH.MICROSOFT.COM/v1.0/":                                             "Microsoft Graph's address",
		"https://graph.microsoft.com./v1.0/users":                               "Microsoft Graph's address",
		"portal.azure.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade":     "portal's address",
		"contoso.ciamlogin.com/contoso.onmicrosoft.com":                         "External ID",
		"contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/v2.0":        "B2C",
		"management.azure.com":                                                  "Azure Resource Manager's address",
		"https://ms.portal.azure.com/#home":                                     "portal's address",
		"https://intune.microsoft.com/":                                         "portal's address",
		"https://portal.azure.com/#@Contoso.onmicrosoft.com/resource/overview":  "it shows the directory contoso.onmicrosoft.com",
		"https://portal.azure.com/?feature.x=1#@" + pastedTenant + "/dashboard": "it shows the directory " + pastedTenant,
		"https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Overview/appId/11111111-2222-4333-8444-555555555555": "the GUID after appId in it is the app's Application (client) ID",
		"{tenant}": "names the placeholder",
		"https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token": "names the placeholder",
	} {
		_, err := graphauth.ParseAuthority(pasted)
		var ce *graphauth.ConfigError
		require.True(t, errors.As(err, &ce), "%q: %v", pasted, err)
		assert.Contains(t, err.Error(), says, pasted)
		assert.Regexp(t, "paste|replace it", err.Error(), "says what to paste: %s", pasted)
	}
}

// A Config's TenantID is read as ParseAuthority reads it, URL or not: a
// misplaced host is refused with what to paste, and what a paste carries
// around a tenant ID (quotes an env file kept, a newline, braces) is
// taken off.
func TestAConfigTenantIsReadAsAPaste(t *testing.T) {
	t.Parallel()
	for _, tenant := range []string{`"` + pastedTenant + `"`, " " + pastedTenant + "\n", "{" + pastedTenant + "}", "'contoso.onmicrosoft.com'"} {
		cred, err := graphauth.NewCredential(graphauth.Config{TenantID: tenant, ClientID: "11111111-2222-4333-8444-555555555555", ClientSecret: "x~secretvalue"}, nil)
		require.NoError(t, err, tenant)
		require.NoError(t, cred.(interface{ Close() error }).Close())
	}
	for tenant, says := range map[string]string{
		"graph.microsoft.com":  "Microsoft Graph's address",
		"management.azure.com": "Azure Resource Manager's address",
		"portal.azure.com":     "portal's address",
	} {
		_, err := graphauth.NewCredential(graphauth.Config{TenantID: tenant, ClientID: "11111111-2222-4333-8444-555555555555", ClientSecret: "x~secretvalue"}, nil)
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, tenant)
		assert.Equal(t, "TenantID (AZURE_TENANT_ID)", ce.Field)
		assert.Contains(t, ce.Reason, says)
	}
}

// A Token URL of a standalone fakeentra pasted without its host named as
// the authority host said "it has a user or a port", which names neither
// the cause nor the fix.
func TestALoopbackTokenURLSaysToNameTheAuthorityHost(t *testing.T) {
	t.Parallel()
	for _, pasted := range []string{"https://127.0.0.1:8443/" + pastedTenant + "/oauth2/token", "https://localhost:40169/" + pastedTenant + "/oauth2/v2.0/token"} {
		_, err := graphauth.ParseAuthority(pasted)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "is on a loopback address, such as a fake platform's (fakeentra): name its host as the authority host (AZURE_AUTHORITY_HOST", pasted)
	}
	_, err := graphauth.ParseAuthority("https://user@login.microsoftonline.com:444/" + pastedTenant + "/oauth2/token")
	assert.ErrorContains(t, err, "it has a user or a port")
}
