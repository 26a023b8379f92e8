package verify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/verify"
)

// Refusals as public issue threads quote them get the table's own
// diagnosis, not the fallback that repeats the platform's text.
func TestRealRefusalsFromIssueThreadsAreDiagnosed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ code, description, says string }{
		{"invalid_grant", "AADSTS50005: User tried to log in to a device from a platform (Unknown) that's currently not supported through Conditional Access policy. Supported device platforms are: iOS, Android, Mac, Windows flavors.", "device platform"},
		{"invalid_request", "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'http://localhost:3000'.", "Single-page application"},
		{"invalid_grant", "AADSTS135011: Device used during the authentication is disabled.", "Devices > All devices"},
		{"invalid_grant", "AADSTS500571: The guest user account is disabled.", "guest"},
		{"invalid_request", "AADSTS7000110: Request is ambiguous, multiple application identifiers found.", "App ID URI"},
		{"invalid_client", "AADSTS50146: This application is required to be configured with an application-specific signing key. It is either not configured with one, or the key has expired or isn't yet valid.", "acceptMappedClaims"},
	} {
		d := verify.Diagnose(graphauth.ParseCallbackError(c.code, c.description+"\r\nTrace ID: 0ed58a4c-d2e1-4a3e-9d39-4c0e8d2b1a00\r\nCorrelation ID: 9a8b0000-0000-0000-0000-000000000000"))
		assert.NotContains(t, d.Summary, "The platform said", c.description)
		assert.Contains(t, d.Summary+" "+d.Action+" "+d.Portal, c.says, c.description)
		assert.Equal(t, "0ed58a4c-d2e1-4a3e-9d39-4c0e8d2b1a00", d.TraceID)
	}
}
