package consent_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// clientRoundTrips mounts /clients/{id}/authorise, which starts a round
// trip carrying "client-record:{id}" as its AppState.
func clientRoundTrips(t *testing.T, background bool) (*graphauthtest.Server, string, chan outcome, *consent.Handler) {
	t.Helper()
	srv, app := msp(t, graphauthtest.Options{})
	srv.AddUser(victimID, graphauthtest.User{UPN: "intern@victim.onmicrosoft.com"})
	web, _, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) { o.Background = background })
	mux := http.NewServeMux()
	mux.HandleFunc("/clients/{id}/authorise", func(w http.ResponseWriter, r *http.Request) {
		if err := h.Redirect(w, r, r.URL.Query().Get("tenant"), "client-record:"+r.PathValue("id")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.Handle("/onboard", h.Start())
	mux.Handle("/consent/callback", h.Callback())
	web.Config.Handler = mux
	return srv, web.URL, done, h
}

// forgingBrowser turns the platform's refusal of the admin consent (the
// user is no administrator) into admin_consent=True for tenant, as the
// user at the keyboard can.
func forgingBrowser(srv *graphauthtest.Server, tenant string) *http.Client {
	b := newBrowser(srv)
	b.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if u := req.URL; u.Path == "/consent/callback" && u.Query().Has("error") {
			u.RawQuery = url.Values{"state": {u.Query().Get("state")}, "admin_consent": {"True"}, "tenant": {tenant}}.Encode()
		}
		return nil
	}
	return b
}

// The round trip proves that a user of the tenant signed in, and the grant
// that the app holds there: a member (or a guest) of a tenant onboarded
// for one client record who forged the consent's redirect moved the
// tenant to a client record of their own (AppState), with Done reporting
// success. A confirmed tenant keeps its AppState; another is
// ErrTenantClaimed until the product deletes the record.
func TestAMemberCannotMoveAnOnboardedTenantToAnotherClient(t *testing.T) {
	t.Parallel()
	for name, background := range map[string]bool{"synchronous": false, "background": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv, web, done, h := clientRoundTrips(t, background)
			srv.SignIn("boss@victim.onmicrosoft.com")
			get(t, newBrowser(srv), web+"/clients/1/authorise")
			out := <-done
			require.NoError(t, out.err)
			if background {
				require.Eventually(t, func() bool {
					rec, _, _ := h.Registry().Get(ctx, victimID)
					return rec.Status == consent.StatusConfirmed
				}, 10*time.Second, 10*time.Millisecond, "the background confirmation ends") // waits for it; measures nothing
			}

			srv.SignIn("intern@victim.onmicrosoft.com")
			get(t, forgingBrowser(srv, victimID), web+"/clients/666/authorise?tenant="+victimID)
			out = <-done
			require.ErrorIs(t, out.err, consent.ErrTenantClaimed)
			stored, _, err := h.Registry().Get(ctx, victimID)
			require.NoError(t, err)
			assert.Equal(t, "client-record:1", stored.AppState)
			assert.Equal(t, "boss@victim.onmicrosoft.com", stored.ConsentedBy)
			assert.Equal(t, consent.StatusConfirmed, stored.Status)

			get(t, forgingBrowser(srv, victimID), web+"/onboard?tenant="+victimID)
			out = <-done
			require.NoError(t, out.err, "a round trip without an AppState claims no client record")
			assert.Equal(t, "client-record:1", out.rec.AppState, "and keeps the record's")
			stored, _, err = h.Registry().Get(ctx, victimID)
			require.NoError(t, err)
			assert.Equal(t, "client-record:1", stored.AppState)

			srv.SignIn("boss@victim.onmicrosoft.com")
			get(t, newBrowser(srv), web+"/clients/1/authorise")
			require.NoError(t, (<-done).err, "the same client record onboards the tenant again")

			require.NoError(t, h.Registry().Delete(ctx, victimID))
			get(t, newBrowser(srv), web+"/clients/2/authorise")
			out = <-done
			require.NoError(t, out.err, "a deleted record's tenant onboards for another client")
			assert.Equal(t, "client-record:2", out.rec.AppState)
		})
	}
}
