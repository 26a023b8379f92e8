package verify_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/msgraph"
	"github.com/entrakit/entrakit/verify"
)

// graphRefusal is an answer of Graph's, as msgraph reads it off the wire.
func graphRefusal(status int, code, message string) *msgraph.GraphError {
	body := `{"error":{"code":"` + code + `","message":"` + message + `","innerError":{"date":"2026-11-24T09:00:00","request-id":"7d0c6b0e-2f1a-4b8e-9a51-3c2d4e5f6a7b","client-request-id":"7d0c6b0e-2f1a-4b8e-9a51-3c2d4e5f6a7b"}}}`
	req, _ := http.NewRequest("GET", "https://graph.microsoft.com/v1.0/users", nil)
	return msgraph.ParseGraphError(&http.Response{StatusCode: status, Request: req, Body: io.NopCloser(strings.NewReader(body)),
		Header: http.Header{"Content-Type": {"application/json"}, "Request-Id": {"7d0c6b0e-2f1a-4b8e-9a51-3c2d4e5f6a7b"}}})
}

// Graph's 401 Authorization_IdentityNotFound means the app has no service
// principal in the tenant (no consent there, or one not yet replicated);
// it was diagnosed as a token for the wrong resource or cloud, which sent
// administrators to look at scopes instead of consent.
func TestGraphsIdentityNotFoundIsDiagnosedAsMissingConsent(t *testing.T) {
	t.Parallel()
	d := verify.Diagnose(graphRefusal(401, "Authorization_IdentityNotFound", "The identity of the calling application could not be established."))
	assert.Equal(t, "HTTP401", d.Code)
	assert.Contains(t, d.Summary, "no service principal")
	assert.Contains(t, d.Action, "admin consent")
	assert.NotContains(t, d.Summary, "another resource")
	assert.True(t, d.Retryable)
	assert.Positive(t, d.Wait)

	cae := verify.Diagnose(graphRefusal(401, "InvalidAuthenticationToken", "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp"))
	assert.Contains(t, cae.Summary, "continuous access evaluation")
	assert.Contains(t, cae.Action, "Sign the user in again")

	expired := verify.Diagnose(graphRefusal(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."))
	assert.Contains(t, expired.Summary, "has expired", "other 401s keep the token diagnosis")
}

// A 403 for a call the token's permission allows (OwnedBy on an app the
// caller does not own) is diagnosed as about the object, not as a missing
// permission the app already has.
func TestA403ThatThePermissionHeldAllowsIsAboutTheObject(t *testing.T) {
	t.Parallel()
	ge := graphRefusal(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	ge.Required, ge.Granted = []string{"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}, []string{"Application.ReadWrite.OwnedBy"}
	d := verify.Diagnose(ge)
	assert.Contains(t, d.Summary, "although the token carries Application.ReadWrite.OwnedBy")
	assert.Contains(t, d.Action, "owner")
	assert.Empty(t, d.Missing, "nothing to grant")

	ge.Granted = []string{"User.Read.All"}
	assert.Equal(t, []string{"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}, verify.Diagnose(ge).Missing)
}
