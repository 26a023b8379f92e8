package verify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/verify"
)

// A consent or sign-in callback opened twice, in another browser, forged,
// or crossed with another tenant was diagnosed "Unknown: An error the kit
// does not recognise. Fix: Read the detail", with no detail in the text:
// the administrator of msp-onboarding's console saw nothing to act on.
func TestDiagnoseExplainsTheRoundTripsRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err        error
		code, says string
	}{
		{graphauth.ErrStateMismatch, "StateMismatch", "opened a second time"},
		{fmt.Errorf("%w: the consent named a, the administrator signed in to b", consent.ErrTenantMismatch), "TenantMismatch", "administrator account of that tenant"},
		{consent.ErrTenantNotAllowed, "ConsentTenantNotAllowed", "allowed tenants"},
		{consent.ErrTenantClaimed, "TenantClaimed", "delete its record"},
	} {
		d := verify.Diagnose(tc.err)
		assert.Equal(t, tc.code, d.Code, tc.err.Error())
		assert.Contains(t, d.String(), tc.says)
		assert.False(t, d.Retryable)
	}
	// An error the kit does not know shows its own text, which the Fix
	// points to.
	s := verify.Diagnose(errors.New("open tenants.json: permission denied")).String()
	assert.Contains(t, s, "Read the detail")
	assert.Contains(t, s, "Detail: open tenants.json: permission denied")
}

// Verify fails the client ID check, before any request, when it is the
// tenant's GUID, as it is when both fields get the Overview page's first
// GUID.
func TestVerifyNamesAClientIDThatIsTheTenantID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	defer cred.(io.Closer).Close()
	cfg.ClientID = strings.ToUpper(srv.TenantID)
	report := verify.Run(context.Background(), cred, verify.Requirements{}, runOpts(srv, cfg))
	c, ok := report.Check(verify.CheckClientID)
	require.True(t, ok)
	assert.Equal(t, verify.StatusFailed, c.Status)
	assert.Contains(t, c.Detail, "is the Directory (tenant) ID: the Application (client) ID is the other GUID on the app's Overview page")
	assert.True(t, report.Failed())
}

// A Config whose AuthorityHost names a standalone fake (or a national
// cloud) has Verify's Graph calls go to that Graph with no GraphEndpoint
// given: they went to graph.microsoft.com.
func TestVerifyCallsTheGraphOfTheConfigsAuthorityHost(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.Read.All")
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(srv.Secret), AuthorityHost: srv.URL}
	cred, err := graphauth.NewCredential(cfg, &graphauth.Options{HTTPClient: srv.Client()})
	require.NoError(t, err)
	defer cred.(io.Closer).Close()
	report := verify.Run(context.Background(), cred, verify.Requirements{Roles: []string{"User.Read.All"}, ProbeGraph: true},
		&verify.Options{Config: &cfg, HTTPClient: srv.Client(), Now: srv.Now})
	assert.False(t, report.Failed(), report.Text())
	assert.Positive(t, srv.Count(graphauthtest.EndpointGraph))
}
