package retry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// script answers with the given statuses in turn (the last one repeats),
// recording bodies.
func script(t *testing.T, statuses []int, header http.Header) (*httptest.Server, *atomic.Int32, *[]string) {
	var n atomic.Int32
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(statuses[min(i, len(statuses)-1)])
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &bodies
}

var fast = Policy{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}

func TestRetriesTransientAnswersAndReplaysTheBody(t *testing.T) {
	t.Parallel()
	srv, n, bodies := script(t, []int{503, 502, 200}, nil)
	resp, err := Client(srv.Client(), fast).Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader("grant_type=client_credentials"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.EqualValues(t, 3, n.Load())
	assert.Equal(t, []string{"grant_type=client_credentials", "grant_type=client_credentials", "grant_type=client_credentials"}, *bodies)
}

func TestGivesUpAfterMaxRetriesWithTheLastAnswer(t *testing.T) {
	t.Parallel()
	srv, n, _ := script(t, []int{500}, nil)
	resp, err := Client(srv.Client(), Policy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	assert.EqualValues(t, 3, n.Load())
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	srv, n, _ := script(t, []int{429, 200}, http.Header{"Retry-After": {"0"}})
	resp, err := Client(srv.Client(), fast).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.EqualValues(t, 2, n.Load())
	assert.Equal(t, 7*time.Second, backoff(time.Millisecond, time.Second, 0, &http.Response{Header: http.Header{"Retry-After": {"7"}}}),
		"Retry-After wins over the backoff schedule")
	for attempt := range 20 {
		w := backoff(100*time.Millisecond, time.Second, attempt, nil)
		assert.True(t, w > 0 && w <= time.Second, "jittered, capped: %s", w)
	}

	long, n2, _ := script(t, []int{429, 200}, http.Header{"Retry-After": {"120"}})
	resp, err = Client(long.Client(), fast).Get(long.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode, "a wait beyond MaxRetryAfter goes back to the caller")
	assert.EqualValues(t, 1, n2.Load())

	d, ok := RetryAfter(http.Header{"Retry-After": {"Wed, 21 Oct 2026 07:28:00 GMT"}}, time.Date(2026, 10, 21, 7, 27, 0, 0, time.UTC))
	assert.True(t, ok)
	assert.Equal(t, time.Minute, d)
	_, ok = RetryAfter(http.Header{"Retry-After": {"soon"}}, time.Now())
	assert.False(t, ok)
}

func TestWhatIsNotRetried(t *testing.T) {
	t.Parallel()
	srv, n, _ := script(t, []int{400, 200}, nil)
	resp, err := Client(srv.Client(), fast).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode, "a client error is final")
	assert.EqualValues(t, 1, n.Load())

	srv, n, _ = script(t, []int{503, 200}, nil)
	req, _ := http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader("{}"))
	resp, err = Client(srv.Client(), fast).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode, "a PATCH may have been applied: not repeated after a 5xx")
	assert.EqualValues(t, 1, n.Load())

	srv, n, _ = script(t, []int{429, 200}, nil)
	req, _ = http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader("{}"))
	resp, err = Client(srv.Client(), fast).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "but after a 429 it was not processed")
	assert.EqualValues(t, 2, n.Load())

	srv, n, _ = script(t, []int{503, 200}, nil)
	skip := fast
	skip.Skip = func(r *http.Request) bool { return true }
	resp, err = Client(srv.Client(), skip).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.EqualValues(t, 1, n.Load(), "skipped requests go out once")

	never := Policy{MaxRetries: -1}
	srv, n, _ = script(t, []int{503, 200}, nil)
	resp, err = Client(srv.Client(), never).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 1, n.Load())
}

func TestTheContextDeadlineCutsTheBackoffShort(t *testing.T) {
	t.Parallel()
	srv, _, _ := script(t, []int{503}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := Client(srv.Client(), Policy{MinWait: 10 * time.Second, MaxWait: 10 * time.Second}).Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the 10 s backoff ends with the context")
}
