package graphauth_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// throttleRun is how long the callers of BenchmarkThrottled keep asking.
const throttleRun = 3 * time.Second

// BenchmarkThrottled: 1,000 callers ask for a first token for 3 s while the
// token endpoint answers every request with 429 and Retry-After: 120.
// requests is what the platform saw; calls how many Token calls returned.
// Run it with -benchtime=1x: one op is the whole 3 s.
func BenchmarkThrottled(b *testing.B) {
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 429, RetryAfter: "120", Times: -1})
			var requests, calls int64
			for b.Loop() {
				srv.ResetLog()
				get := p.make(b, direct(srv))
				ctx, cancel := context.WithTimeout(context.Background(), throttleRun)
				var n atomic.Int64
				var wg sync.WaitGroup
				for range 1000 {
					wg.Go(func() {
						for ctx.Err() == nil {
							_ = get(ctx, srv.TenantID, nil)
							n.Add(1)
						}
					})
				}
				wg.Wait()
				cancel()
				requests += int64(srv.Count(graphauthtest.EndpointToken))
				calls += n.Load()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		})
	}
}
