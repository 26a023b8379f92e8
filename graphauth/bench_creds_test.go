package graphauth_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// BenchmarkManagedIdentityCachedToken is a cached managed identity token:
// the same engine, so the same cost, as the other credentials.
func BenchmarkManagedIdentityCachedToken(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
	if err != nil {
		b.Fatal(err)
	}
	defer cred.Close()
	ctx := context.Background()
	if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}

// reloadTimes is a slog handler that notes when each reload was logged.
type reloadTimes struct {
	mu    sync.Mutex
	times []time.Time
}

func (r *reloadTimes) Enabled(context.Context, slog.Level) bool { return true }
func (r *reloadTimes) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *reloadTimes) WithGroup(string) slog.Handler            { return r }
func (r *reloadTimes) Handle(_ context.Context, rec slog.Record) error {
	if strings.Contains(rec.Message, "credential file reloaded") {
		r.mu.Lock()
		r.times = append(r.times, time.Now())
		r.mu.Unlock()
	}
	return nil
}

func (r *reloadTimes) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.times)
}

// load sends rate token calls per second until stop is closed, one in
// freshEvery asking the platform for a new token (Fresh) and the others
// served from the cache; it counts calls and failures.
func load(cred graphauth.TokenCredential, rate, freshEvery int, stop <-chan struct{}) (calls, failed *atomic.Int64, done *sync.WaitGroup) {
	calls, failed, done = &atomic.Int64{}, &atomic.Int64{}, &sync.WaitGroup{}
	// Ten batches a second would be bursty; a hundred keep the pace even,
	// and a ticker that fires every millisecond drops ticks on a busy host.
	tick := time.NewTicker(10 * time.Millisecond)
	jobs := make(chan struct{}, rate)
	for range 32 {
		done.Add(1)
		go func() {
			defer done.Done()
			for range jobs {
				n := calls.Add(1)
				if _, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: n%int64(freshEvery) == 0}); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	go func() {
		defer tick.Stop()
		defer close(jobs)
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for range rate / 100 {
					select {
					case jobs <- struct{}{}:
					default: // the workers are behind: the call is dropped, not queued
					}
				}
			}
		}
	}()
	return calls, failed, done
}

// BenchmarkFileReplacementUnderLoad replaces a watched secret file (old
// and new secret both valid, as during a rotation) ten times, one every
// 300 ms, under 1,000 token calls per second, with the default
// ReloadInterval (250 ms): every call reaching the platform, or one in
// ten. It reports the calls made and failed, and the time from each
// replacement to the new secret in use.
func BenchmarkFileReplacementUnderLoad(b *testing.B) {
	for _, kind := range []string{"secret", "certificate"} {
		for _, freshEvery := range []int{1, 10} {
			b.Run(fmt.Sprintf("%s/platform-every-%d", kind, freshEvery), func(b *testing.B) { fileReplacement(b, kind, freshEvery) })
		}
	}
}

func fileReplacement(b *testing.B, kind string, freshEvery int) {
	for b.Loop() {
		srv := graphauthtest.NewServer(nil)
		r := newRotatingApp(srv)
		path := filepath.Join(b.TempDir(), "file")
		versions := [2][]byte{[]byte(r.app.Secrets[0].Value), []byte(r.app.Secrets[1].Value)}
		cc := graphauth.SecretFile("s", path)
		if kind == "certificate" {
			versions = [2][]byte{certPEM(r.certificates[0], r.keys[0]), certPEM(r.certificates[1], r.keys[1])}
			cc = graphauth.CertificateFile("c", path, "")
		}
		if err := os.WriteFile(path, versions[0], 0o600); err != nil {
			b.Fatal(err)
		}
		times := &reloadTimes{}
		opts := fallbackOpts(srv)
		opts.Logger = slog.New(times)
		cred, err := graphauth.NewFallbackCredential(srv.TenantID, r.app.ClientID, []graphauth.ClientCredential{cc}, opts)
		if err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		start := time.Now()
		calls, failed, done := load(cred, 1000, freshEvery, stop)
		var lags []time.Duration
		for i := range 10 {
			time.Sleep(300 * time.Millisecond)
			replaced := time.Now()
			replaceFile(b, path, versions[(i+1)%2])
			for times.count() < i+1 {
				time.Sleep(time.Millisecond)
			}
			times.mu.Lock()
			lags = append(lags, times.times[i].Sub(replaced))
			times.mu.Unlock()
		}
		time.Sleep(300 * time.Millisecond)
		close(stop)
		done.Wait()
		elapsed := time.Since(start)
		cred.Close()
		srv.Close()
		slices.Sort(lags)
		b.ReportMetric(float64(calls.Load())/elapsed.Seconds(), "calls/s")
		b.ReportMetric(float64(failed.Load()), "failed")
		b.ReportMetric(float64(lags[len(lags)/2].Milliseconds()), "ms-to-reload-p50")
		b.ReportMetric(float64(lags[len(lags)-1].Milliseconds()), "ms-to-reload-max")
	}
}
