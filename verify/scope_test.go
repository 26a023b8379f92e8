package verify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/verify"
)

// A scope error says which scopes and what to do, whatever the AADSTS
// code, and keeps the platform's code and IDs.
func TestDiagnoseScopeErrors(t *testing.T) {
	t.Parallel()
	unknown := &graphauth.ScopeError{Problem: graphauth.ScopeUnknown, Scopes: []string{"User.Reed"},
		Err: &graphauth.AuthError{Code: "invalid_client", AADSTS: []int{650053}, Description: "AADSTS650053: no such scope", TraceID: "t-1"}}
	d := verify.Diagnose(unknown)
	assert.Equal(t, "AADSTS650053", d.Code)
	assert.Equal(t, "t-1", d.TraceID)
	assert.Contains(t, d.Summary, "User.Reed")
	assert.Contains(t, d.Action, "spelling")
	assert.NotContains(t, d.Action, "proxy")
	assert.False(t, d.Retryable)

	declined := verify.Diagnose(&graphauth.ScopeError{Problem: graphauth.ScopeDeclined, Scopes: []string{"Mail.Read"},
		Err: &graphauth.AuthError{Code: "access_denied", AADSTS: []int{65004}}})
	assert.Equal(t, []string{"Mail.Read"}, declined.Missing)
	assert.Contains(t, declined.Action, "accept the permissions")

	two := verify.Diagnose(&graphauth.ScopeError{Problem: graphauth.ScopeMultipleResources, Scopes: []string{"User.Read", "https://management.core.windows.net//user_impersonation"}})
	assert.Equal(t, "Scope", two.Code)
	assert.Contains(t, two.Action, "one token per resource")
}
