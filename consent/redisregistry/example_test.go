package redisregistry_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/consent/redisregistry"
)

// Two replicas of a console record tenants in one Redis (here a
// redis-server the example starts).
func ExampleNew() {
	addr, stop, err := startRedisServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()
	replica1 := redisregistry.New(redis.NewClient(&redis.Options{Addr: addr}), "console")
	replica2 := redisregistry.New(redis.NewClient(&redis.Options{Addr: addr}), "console")
	if err := replica1.Put(ctx, consent.Record{TenantID: "aaaaaaaa-0000-4000-8000-000000000001", Status: consent.StatusConfirmed, AppState: "client-42"}); err != nil {
		fmt.Println(err)
		return
	}
	recs, err := replica2.List(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		fmt.Println(r.TenantID, r.Status, r.AppState)
	}
	// Output:
	// aaaaaaaa-0000-4000-8000-000000000001 confirmed client-42
}

func startRedisServer() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "redis")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command("redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("redis-server: %w (scripts/test installs it)", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); os.RemoveAll(dir) }
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for range 200 {
		if rdb.Ping(context.Background()).Err() == nil {
			return addr, stop, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("redis-server did not start")
}
