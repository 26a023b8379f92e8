// Package redistest starts a redis-server of a test's own, for the tests of
// the packages that keep state in Redis (consent/redisregistry,
// tokenstore/redisstore).
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Start starts redis-server on a free loopback port, without persistence,
// and returns a client configured by opts (its Addr is filled in) and a
// function that stops the server early, to test a Redis that went away.
// Server and client end with the test. scripts/test installs Debian's
// redis-server; without it the test fails, unless ENTRAKIT_SKIP_REDIS=1
// says to leave the Redis tests out on purpose.
func Start(t testing.TB, opts redis.Options) (*redis.Client, func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("ENTRAKIT_SKIP_REDIS") == "1" {
			t.Skip("ENTRAKIT_SKIP_REDIS=1: the Redis tests are left out on purpose")
		}
		t.Fatal("redis-server is not installed: run scripts/test, which installs it, or set ENTRAKIT_SKIP_REDIS=1")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	opts.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&opts)
	t.Cleanup(func() { rdb.Close() })
	require.Eventually(t, func() bool { return rdb.Ping(context.Background()).Err() == nil }, 10*time.Second, 20*time.Millisecond, "redis-server started")
	return rdb, stop
}
