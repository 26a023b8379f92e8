package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A round trip for a tenant that is confirmed already (an administrator
// onboards it again, or any member signs in through the onboarding link)
// does not set it back to pending while the background confirmation runs,
// or for good when none can run: the product keeps serving the customer.
func TestABackgroundRoundTripKeepsAConfirmedTenantConfirmed(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	reg := &consent.MemoryRegistry{}
	confirmedAt := srv.Now().Add(-24 * time.Hour)
	require.NoError(t, reg.Put(context.Background(), consent.Record{TenantID: victimID, Status: consent.StatusConfirmed,
		Roles: app.RequiredRoles, ConsentedAt: confirmedAt, LastVerified: confirmedAt, AppState: "client-7"}))
	web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background = true
		o.Registry = reg
	})
	require.NoError(t, h.Close()) // no background confirmation will run
	srv.SignIn("boss@victim.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/onboard?tenant="+victimID)
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, consent.StatusConfirmed, out.rec.Status)
	stored, _, err := reg.Get(context.Background(), victimID)
	require.NoError(t, err)
	assert.Equal(t, consent.StatusConfirmed, stored.Status, "not pending until a Reverify")
	assert.Equal(t, app.RequiredRoles, stored.Roles)
	assert.Equal(t, "boss@victim.onmicrosoft.com", stored.ConsentedBy)
	assert.True(t, stored.ConsentedAt.Equal(confirmedAt))
}

// A tenant the product deletes while its background confirmation runs is
// not written back when the confirmation ends.
func TestABackgroundConfirmationDoesNotResurrectADeletedTenant(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{PropagationDelay: 200 * time.Millisecond})
	final := make(chan consent.Record, 1)
	web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background = true
		o.Confirmed = func(rec consent.Record, _ error) { final <- rec }
	})
	defer h.Close()
	srv.SignIn("it@customer.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/onboard")
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	require.NoError(t, h.Registry().Delete(context.Background(), customerID)) // offboarded at once
	<-final
	_, ok, err := h.Registry().Get(context.Background(), customerID)
	require.NoError(t, err)
	assert.False(t, ok, "the deleted tenant stays deleted")
}
