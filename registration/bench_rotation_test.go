package registration_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// BenchmarkRotationUnderLoad rotates the app's secret with two replicas
// (one adds the new secret, the other picks it up) and then removes the
// old one, under 1,000 token calls per second split between the replicas,
// every call asking the platform for a new token. It reports the calls
// made and failed.
func BenchmarkRotationUnderLoad(b *testing.B) {
	for b.Loop() {
		srv := graphauthtest.NewServer(nil)
		clock := &testClock{t: srv.Now()}
		fleet := rotationFleet(b, srv, 2, graphauth.NewMemoryStore(), registration.NewLocalLease(), clock, nil)
		var calls, failed atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		start := time.Now()
		for _, r := range fleet {
			jobs := make(chan struct{}, 1000)
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range jobs {
						if _, err := r.cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true}); err != nil {
							failed.Add(1)
						}
						calls.Add(1)
					}
				}()
			}
			go func() {
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				defer close(jobs)
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						for range 5 { // 500 a second per replica
							select {
							case jobs <- struct{}{}:
							default:
							}
						}
					}
				}
			}()
		}
		check := func() {
			var cw sync.WaitGroup
			for _, r := range fleet {
				cw.Add(1)
				go func() {
					defer cw.Done()
					if _, err := r.rotator.Check(context.Background()); err != nil {
						b.Error(err)
					}
				}()
			}
			cw.Wait()
		}
		time.Sleep(time.Second)
		check() // one rotates
		check() // the other picks up
		time.Sleep(time.Second)
		clock.Advance(2 * time.Hour)
		check() // the old secret is removed
		time.Sleep(time.Second)
		close(stop)
		wg.Wait()
		elapsed := time.Since(start)
		if n := secretCount(b, srv); n != 1 {
			b.Fatalf("%d secrets left, want 1", n)
		}
		srv.Close()
		b.ReportMetric(float64(calls.Load())/elapsed.Seconds(), "calls/s")
		b.ReportMetric(float64(failed.Load()), "failed")
	}
}
