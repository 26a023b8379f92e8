package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
	"github.com/entrakit/entrakit/tokenstore/redisstore"
)

// Two replicas share tokens through Redis (here a redis-server the example
// starts on a free loopback port; scripts/test installs it).
func ExampleNew() {
	addr, stop, err := startRedisServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()

	store, _ := tokenstore.Encrypted(redisstore.New(rdb, "billing-sync"), tokenstore.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)})
	for range 2 {
		cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
			// StoreTimeout: a Redis across a slow link may need more than
			// the default 300 ms a token request waits for it.
			&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store, StoreTimeout: time.Second})
		if _, err := cred.Token(context.Background(), graphauth.TokenRequest{}); err != nil {
			fmt.Println(err)
			return
		}
		cred.Close() // as the replica stops: waits for the token to reach Redis
	}
	fmt.Println("token requests:", srv.Count(graphauthtest.EndpointToken))
	// Output: token requests: 1
}

func startRedisServer() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, _ := os.MkdirTemp("", "redis")
	cmd := exec.Command("redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("redis-server: %w (scripts/test installs it)", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); os.RemoveAll(dir) }
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
