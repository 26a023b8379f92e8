package aadsts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTableIsWellFormed(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(table), 100, "at least 100 codes")
	seen := map[int]bool{}
	for _, e := range table {
		assert.False(t, seen[e.Code], "AADSTS%d is listed twice", e.Code)
		seen[e.Code] = true
		assert.Greater(t, e.Code, 0)
		assert.True(t, strings.HasSuffix(e.Summary, "."), "AADSTS%d: the cause is a sentence", e.Code)
		assert.True(t, strings.HasSuffix(e.Action, "."), "AADSTS%d: the remedy is a sentence", e.Code)
		assert.NotContains(t, strings.ToLower(e.Action), "as the message says", "AADSTS%d: the remedy is concrete", e.Code)
		assert.LessOrEqual(t, bitsSet(e.ConsentFlag()), 1, "AADSTS%d: at most one consent classification", e.Code)
		assert.False(t, e.Has(Retryable) && e.Has(Credential), "AADSTS%d: a refused credential is refused again", e.Code)
		if e.Portal != "" {
			assert.True(t, strings.HasPrefix(e.Portal, "Microsoft Entra admin center > "), "AADSTS%d: portal path", e.Code)
		}
	}
}

func bitsSet(f Flags) int {
	n := 0
	for ; f != 0; f &= f - 1 {
		n++
	}
	return n
}

func TestLookupAndFirst(t *testing.T) {
	t.Parallel()
	e, ok := Lookup(7000215)
	require.True(t, ok)
	assert.True(t, e.Has(Credential))
	_, ok = Lookup(1)
	assert.False(t, ok)
	e, ok = First([]int{1, 2, 700024, 7000215})
	require.True(t, ok)
	assert.Equal(t, 700024, e.Code, "the first known code wins")
	assert.False(t, e.Has(Retryable), "AADSTS700024 fails again with the same assertion")
	assert.Contains(t, Credentials(), 700027)
	assert.NotContains(t, Credentials(), 65001)
}

func TestFallbackClassifiesUnknownCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name            string
		oauth, sub      string
		status          int
		retry, cred     bool
		cancelled       bool
		summaryContains string
	}{
		{"throttled", "", "", 429, true, false, false, "throttling"},
		{"server error", "server_error", "", 500, true, false, false, "failed"},
		{"temporarily unavailable on a 400", "temporarily_unavailable", "", 400, true, false, false, "failed"},
		{"invalid_client is the credential", "invalid_client", "", 401, false, true, false, "credential"},
		{"access_denied is a cancel", "access_denied", "", 0, false, false, true, "declined"},
		{"permission_denied is a cancel", "permission_denied", "", 0, false, false, true, "declined"},
		{"a suberror asks for a sign-in", "invalid_grant", "basic_action", 400, false, false, false, "sign in"},
		{"invalid_grant", "invalid_grant", "", 400, false, false, false, "no longer valid"},
		{"consent_required as suberror", "invalid_grant", "consent_required", 400, false, false, false, "consented"},
		{"nothing known", "", "", 400, false, false, false, "refused"},
	} {
		e := Fallback(c.oauth, c.sub, c.status)
		assert.Equal(t, c.retry, e.Has(Retryable), c.name)
		assert.Equal(t, c.cred, e.Has(Credential), c.name)
		assert.Equal(t, c.cancelled, e.Has(Cancelled), c.name)
		assert.Contains(t, e.Summary, c.summaryContains, c.name)
		assert.NotEmpty(t, e.Action, c.name)
	}
}

func TestMissingServiceReadsBothWordings(t *testing.T) {
	t.Parallel()
	s, ok := MissingService("AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Skype and Teams Tenant Admin API) that your organization 'a47d863d-6fb5-4541-b7fa-6e4c03772563' lacks a service principal for. Contact your IT Admin.")
	require.True(t, ok)
	assert.Equal(t, Service{AppID: "48ac35b8-9aa8-4d74-927d-1f4a14a0b239", Name: "Skype and Teams Tenant Admin API"}, s)

	s, ok = MissingService(`AADSTS650052: The app needs access to a service (\"https://graph.microsoft.com\") that your organization \"x\" has not subscribed to or enabled.`)
	require.True(t, ok)
	assert.Equal(t, "00000003-0000-0000-c000-000000000000", s.AppID)

	s, ok = MissingService(`AADSTS650052: The app needs access to a service ("https://myapp.example.com") that your organization "x" has not subscribed to or enabled.`)
	require.True(t, ok)
	assert.Equal(t, Service{Name: "https://myapp.example.com"}, s, "an unknown URI gives no app ID")

	s, ok = MissingService("AADSTS500011: The resource principal named https://manage.office.com was not found in the tenant named Contoso.")
	require.True(t, ok)
	assert.Equal(t, "c5393580-f805-4401-95e8-94b7a6ef2fc2", s.AppID)

	_, ok = MissingService("AADSTS650052: something else entirely")
	assert.False(t, ok)
}

func FuzzMissingService(f *testing.F) {
	f.Add("AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Teams) that")
	f.Add(`a service (\"https://graph.microsoft.com\") that`)
	f.Add("resource principal named https://x was not found")
	f.Fuzz(func(t *testing.T, msg string) {
		s, ok := MissingService(msg)
		if !ok {
			return
		}
		if s.AppID != "" && len(s.AppID) != 36 {
			t.Fatalf("app ID %q is not a GUID", s.AppID)
		}
		if s.Name == "" || len(s.Name) > 300 {
			t.Fatalf("name %q", s.Name)
		}
	})
}

func TestMissingServiceReadsTheSanitisedRedirectText(t *testing.T) {
	t.Parallel()
	s, ok := MissingService(`AADSTS650052: The app needs access to a service (/'https://manage.office.com/') that your organization /'x/' has not subscribed to or enabled.`)
	require.True(t, ok)
	assert.Equal(t, "c5393580-f805-4401-95e8-94b7a6ef2fc2", s.AppID)
}

// Teams' own resource URI, as AADSTS650052 and 500011 name it for a tenant
// that never used Teams, gives the app ID to create; a URI the kit does not
// know gives the remedy a way to find it, never a placeholder to guess.
func TestMissingTeamsServiceByURI(t *testing.T) {
	for _, msg := range []string{
		`AADSTS650052: The app needs access to a service (/'https://api.spaces.skype.com/') that your organization /'contoso.onmicrosoft.com/' has not subscribed to or enabled.`,
		"AADSTS500011: The resource principal named https://api.spaces.skype.com was not found in the tenant named Contoso.",
	} {
		s, ok := MissingService(msg)
		if !ok || s.AppID != "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe" || s.Name != "Microsoft Teams Services" {
			t.Errorf("MissingService(%q) = %+v, %v", msg, s, ok)
		}
	}
	fix := FixFor(Service{Name: "https://api.contoso.example"})
	if strings.Contains(fix.Action, "{app ID of") || !strings.Contains(fix.Action, "servicePrincipalNames/any(n:n eq 'https://api.contoso.example')") {
		t.Errorf("an unknown URI's remedy does not say how to find its app ID: %s", fix.Action)
	}
}
