package consent_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A product that carries its own state through the round trip: which of
// its client records the administrator is authorising.
func TestAppStateTravelsSealedToDone(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	web, browser, done, h := onboarding(t, srv, app, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/clients/{id}/authorise", func(w http.ResponseWriter, r *http.Request) {
		if err := h.Redirect(w, r, r.URL.Query().Get("tenant"), "client-record:"+r.PathValue("id")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.Handle("/consent/callback", h.Callback())
	web.Config.Handler = mux

	srv.SignIn("it@customer.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/clients/42/authorise")
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, "client-record:42", out.rec.AppState)
	stored, ok, err := h.Registry().Get(context.Background(), customerID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "client-record:42", stored.AppState, "the registry keeps which client record the tenant belongs to")

	t.Run("a failed round trip still hands the state back", func(t *testing.T) {
		srv.SignIn("boss@victim.onmicrosoft.com")
		status, _ := get(t, newBrowser(srv), web.URL+"/clients/7/authorise?tenant="+customerID)
		assert.Equal(t, http.StatusBadRequest, status)
		out := <-done
		require.Error(t, out.err)
		assert.Equal(t, "client-record:7", out.rec.AppState)
		assert.Empty(t, out.rec.TenantID)
	})
	t.Run("state larger than the cookie can hold is refused before anything is written", func(t *testing.T) {
		rec := httptestRecorder()
		err := h.Redirect(rec, httpRequest(t, web.URL+"/x"), "", strings.Repeat("x", consent.MaxAppState+1))
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Empty(t, rec.Header().Get("Set-Cookie"))
		assert.Empty(t, rec.Header().Get("Location"))
	})
	t.Run("the state cannot be read or changed in the cookie", func(t *testing.T) {
		rec := httptestRecorder()
		require.NoError(t, h.Redirect(rec, httpRequest(t, web.URL+"/x"), "", "client-record:secret-ish-99"))
		cookie := rec.Header().Get("Set-Cookie")
		require.NotEmpty(t, cookie)
		assert.NotContains(t, cookie, "client-record")
		assert.NotContains(t, cookie, "secret-ish-99")
	})
}

// With Background the callback answers once the tenant is proven; the
// confirmation runs on and moves the record from pending to confirmed.
func TestBackgroundConfirmationMovesPendingToConfirmed(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{PropagationDelay: 300 * time.Millisecond})
	final := make(chan consent.Record, 1)
	web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background = true
		o.Confirmed = func(rec consent.Record, err error) {
			assert.NoError(t, err)
			final <- rec
		}
	})
	defer h.Close()
	srv.SignIn("it@customer.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/onboard")
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, consent.StatusPending, out.rec.Status, "Done runs before the grant is confirmed")
	assert.Equal(t, "it@customer.onmicrosoft.com", out.rec.ConsentedBy)

	rec := <-final
	assert.Equal(t, consent.StatusConfirmed, rec.Status)
	assert.Equal(t, []string{"Organization.Read.All", "User.Read.All"}, rec.Roles)
	stored, _, err := h.Registry().Get(context.Background(), customerID)
	require.NoError(t, err)
	assert.Equal(t, consent.StatusConfirmed, stored.Status)
}

func TestBackgroundConfirmationThatFindsNoRolesFails(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	final := make(chan error, 1)
	web, _, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background = true
		o.Confirm = &consent.ConfirmOptions{Timeout: 300 * time.Millisecond, FirstWait: 50 * time.Millisecond}
		o.Confirmed = func(_ consent.Record, err error) { final <- err }
	})
	defer h.Close()
	// A member who is not an administrator skips the consent page and
	// forges its redirect: the sign-in proves the tenant, but nothing was
	// granted, so the pending record ends failed.
	srv.SignIn("staff@customer.onmicrosoft.com")
	browser := newBrowser(srv)
	browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(r.URL.Path, "/adminconsent") {
			u, _ := url.Parse(web.URL + "/consent/callback")
			u.RawQuery = url.Values{"admin_consent": {"True"}, "tenant": {customerID}, "state": {r.URL.Query().Get("state")}}.Encode()
			*r.URL = *u
			r.Host = u.Host
		}
		return nil
	}
	status, body := get(t, browser, web.URL+"/onboard")
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, consent.StatusPending, out.rec.Status, "pending is not authorised: the product waits for confirmed")
	err := <-final
	var ge *consent.GrantError
	require.ErrorAs(t, err, &ge)
	stored, _, _ := h.Registry().Get(context.Background(), customerID)
	assert.Equal(t, consent.StatusFailed, stored.Status)
	assert.NotEmpty(t, stored.Error)
	assert.ElementsMatch(t, app.RequiredRoles, stored.Missing)
}

func TestCloseStopsBackgroundConfirmationsAndLeavesThemPending(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{PropagationDelay: time.Hour})
	var called atomic.Int32
	web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background = true
		o.Confirm = &consent.ConfirmOptions{Timeout: time.Hour, FirstWait: 20 * time.Millisecond}
		o.Confirmed = func(consent.Record, error) { called.Add(1) }
	})
	srv.SignIn("it@customer.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/onboard")
	require.Equal(t, 200, status, body)
	require.NoError(t, (<-done).err)
	require.NoError(t, h.Close())
	require.NoError(t, h.Close(), "Close twice is fine")
	assert.Zero(t, called.Load(), "a stopped confirmation reports nothing")
	stored, _, _ := h.Registry().Get(context.Background(), customerID)
	assert.Equal(t, consent.StatusPending, stored.Status, "Reverify picks it up later")
}

// A registry file written before Status existed keeps loading.
func TestOldRegistryFilesKeepLoading(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tenants.json")
	old := `[
  {"tenantId": "` + customerID + `", "consentedAt": "2025-01-02T03:04:05Z", "roles": ["User.Read.All"], "missing": null, "lastVerified": "2025-01-02T03:04:05Z", "lastResult": "confirmed"},
  {"tenantId": "` + victimID + `", "consentedAt": "2025-01-02T03:04:05Z", "roles": null, "missing": ["User.Read.All"], "lastVerified": "2025-01-02T03:04:05Z", "lastResult": "pending: User.Read.All not in effect"},
  {"tenantId": "` + bannedID + `", "consentedAt": "2025-01-02T03:04:05Z", "roles": null, "missing": null, "lastVerified": "2025-01-02T03:04:05Z", "lastResult": "error: graphauth: invalid_client (AADSTS7000222): expired"}
]`
	require.NoError(t, os.WriteFile(path, []byte(old), 0o600))
	recs, err := consent.NewFileRegistry(path).List(context.Background())
	require.NoError(t, err)
	require.Len(t, recs, 3)
	by := map[string]consent.Record{}
	for _, r := range recs {
		by[r.TenantID] = r
	}
	assert.Equal(t, consent.StatusConfirmed, by[customerID].Status)
	assert.Equal(t, consent.StatusPending, by[victimID].Status)
	assert.Equal(t, consent.StatusFailed, by[bannedID].Status)
	assert.Equal(t, "graphauth: invalid_client (AADSTS7000222): expired", by[bannedID].Error)

	b, err := json.Marshal(by[customerID])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status":"confirmed"`)
	assert.NotContains(t, string(b), "lastResult")
}

// Many Done calls at once with background confirmations: no race.
func TestBackgroundConfirmationsRunConcurrently(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	var mu sync.Mutex
	confirmed := map[string]bool{}
	finals := make(chan struct{}, 8)
	web, _, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background = true
		o.Confirmed = func(rec consent.Record, err error) {
			mu.Lock()
			confirmed[rec.TenantID] = err == nil && rec.Status == consent.StatusConfirmed
			mu.Unlock()
			finals <- struct{}{}
		}
	})
	defer h.Close()
	var admins []string
	for i := range 4 {
		name := "c" + string(rune('a'+i))
		ten := srv.AddTenant(graphauthtest.Tenant{DisplayName: name, Users: []graphauthtest.User{{UPN: "admin@" + name + ".onmicrosoft.com", Admin: true}}})
		_ = ten
		admins = append(admins, "admin@"+name+".onmicrosoft.com")
	}
	for _, a := range admins {
		srv.SignIn(a)
		status, body := get(t, newBrowser(srv), web.URL+"/onboard")
		require.Equal(t, 200, status, body)
		require.NoError(t, (<-done).err)
	}
	for range admins {
		<-finals
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, confirmed, 4)
	for id, ok := range confirmed {
		assert.True(t, ok, id)
	}
}

// A cookie whose sealed state was edited (to change the product's state,
// say) opens to nothing: the callback ends with a state mismatch and hands
// Done no state.
func TestEditedAppStateCookieIsRefused(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	web, _, done, h := onboarding(t, srv, app, nil)
	start := httptestRecorder()
	require.NoError(t, h.Redirect(start, httpRequest(t, web.URL+"/x"), "", "client-record:1"))
	cookie := (&http.Response{Header: start.Header()}).Cookies()[0]
	loc, err := url.Parse(start.Header().Get("Location"))
	require.NoError(t, err)
	state := loc.Query().Get("state")
	value := []byte(cookie.Value)
	value[len(value)/2] ^= 0x01
	if value[len(value)/2] == cookie.Value[len(value)/2] {
		value[len(value)/2]++
	}
	cb := httpRequest(t, web.URL+"/consent/callback?"+url.Values{"state": {state}, "admin_consent": {"True"}, "tenant": {customerID}}.Encode())
	cb.AddCookie(&http.Cookie{Name: cookie.Name, Value: string(value)})
	h.Callback().ServeHTTP(httptestRecorder(), cb)
	out := <-done
	assert.ErrorIs(t, out.err, graphauth.ErrStateMismatch)
	assert.Empty(t, out.rec.AppState)
}

// A registry file edited by hand, or truncated, loads or fails with an
// error, never a panic; what loads has a known status.
func FuzzFileRegistryLoad(f *testing.F) {
	f.Add(`[{"tenantId":"a","lastResult":"pending: x"}]`)
	f.Add(`[{"tenantId":"a","status":"removed","appState":"c"}]`)
	f.Add(`[{"tenantId":"a","lastResult":"weird"}]`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, data string) {
		path := filepath.Join(t.TempDir(), "tenants.json")
		require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
		reg := consent.NewFileRegistry(path)
		recs, err := reg.List(context.Background())
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.Status == "" {
				continue // neither a status nor a lastResult in the file
			}
			if r.TenantID != "" {
				require.NoError(t, reg.Put(context.Background(), r), "what loads can be stored again")
			}
		}
	})
}

// Background confirmations that take long do not hold up the callbacks: a
// confirmation beyond MaxConcurrent is left pending for Reverify, and the
// next administrator's callback is answered, not refused with 503.
func TestLongBackgroundConfirmationsDoNotBlockCallbacks(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{PropagationDelay: time.Hour})
	fabrikam := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam", Users: []graphauthtest.User{{UPN: "admin@fabrikam.onmicrosoft.com", Admin: true}}})
	web, _, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
		o.Background, o.MaxConcurrent = true, 1
		o.Confirm = &consent.ConfirmOptions{Timeout: time.Hour, FirstWait: 20 * time.Millisecond}
	})
	defer h.Close()
	for _, admin := range []string{"it@customer.onmicrosoft.com", "admin@fabrikam.onmicrosoft.com"} {
		srv.SignIn(admin)
		status, body := get(t, newBrowser(srv), web.URL+"/onboard")
		require.Equal(t, 200, status, body)
		out := <-done
		require.NoError(t, out.err)
		assert.Equal(t, consent.StatusPending, out.rec.Status)
	}
	for _, id := range []string{customerID, fabrikam.ID} {
		rec, ok, err := h.Registry().Get(context.Background(), id)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, consent.StatusPending, rec.Status)
	}
}
