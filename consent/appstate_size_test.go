package consent_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// maxCookie is what browsers keep of one cookie (RFC 6265 §6.1's
// minimum, and Chrome's and Firefox's limit on name plus value): a larger
// one is dropped without a word, and the round trip's next leg finds no
// state.
const maxCookie = 4096

// Whatever MaxAppState bytes a product carries, characters that JSON
// escapes included, each leg's cookie fits in a browser and the state comes
// back as it went.
func TestTheLargestAppStateFitsEachLegsCookie(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	web, browser, done, h := onboarding(t, srv, app, nil)
	state := strings.Repeat(`<&>"`, consent.MaxAppState/4)
	var mu sync.Mutex
	var sizes []int
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			mu.Lock()
			defer mu.Unlock()
			for _, c := range w.Header().Values("Set-Cookie") {
				name, value, _ := strings.Cut(strings.SplitN(c, ";", 2)[0], "=")
				sizes = append(sizes, len(name)+len(value))
			}
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/authorise", record(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.Redirect(w, r, "", state); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})))
	mux.Handle("/consent/callback", record(h.Callback()))
	web.Config.Handler = mux

	srv.SignIn("it@customer.onmicrosoft.com")
	status, body := get(t, browser, web.URL+"/authorise")
	require.Equal(t, 200, status, body)
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, state, out.rec.AppState)
	require.NotEmpty(t, sizes)
	for _, n := range sizes {
		assert.LessOrEqual(t, n, maxCookie, "a browser would drop this cookie")
	}
}

// State that would overflow the sign-in leg's cookie (escaped characters
// next to a long pinned domain) is refused by Redirect, before the
// administrator consents, instead of being dropped by the browser after.
func TestAppStateThatWouldOverflowTheCookieIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	web, _, _, h := onboarding(t, srv, app, nil)
	domain := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + ".onmicrosoft.com"
	rec := httptestRecorder()
	err := h.Redirect(rec, httpRequest(t, web.URL+"/x"), domain, strings.Repeat("\x01", consent.MaxAppState))
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "a browser keeps in a cookie")
	assert.Empty(t, rec.Header().Get("Set-Cookie"))
	assert.Empty(t, rec.Header().Get("Location"))

	rec = httptestRecorder()
	require.NoError(t, h.Redirect(rec, httpRequest(t, web.URL+"/x"), domain, "client-record:42"))
}
