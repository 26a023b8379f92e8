package verify_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
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
