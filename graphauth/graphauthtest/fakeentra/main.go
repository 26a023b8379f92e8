// Command fakeentra serves the fake Microsoft identity platform of package
// graphauthtest as a standalone process, for tests written in other
// languages. It listens on a loopback port over TLS, writes the server's CA
// certificate to a file, serves a control API on a second loopback port,
// prints one JSON line with both URLs, the files it wrote and every ID it
// created, and stops on SIGINT or SIGTERM.
//
//	go run ./graphauth/graphauthtest/fakeentra -config directory.json -dir /tmp/fakeentra
//
// Without -config it serves the default directory (one tenant, one app) and
// also writes that app's certificate and private key and prints its secret.
// The configuration file's schema and the control API are documented in the
// repository's README ("The fake platform from any language"); openapi.yaml
// beside this file describes the control API, which also serves it at
// /control/openapi.yaml.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/ids"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakeentra:", err)
		os.Exit(2)
	}
}

type flags struct {
	config, addr, controlAddr, ca, dir string
	interactive                        bool
}

func parseFlags(args []string) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("fakeentra", flag.ContinueOnError)
	fs.StringVar(&f.config, "config", "", "JSON file of tenants and apps (default: one tenant, one app)")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "loopback address of the platform (token, authorize, discovery, Graph)")
	fs.StringVar(&f.controlAddr, "control-addr", "127.0.0.1:0", "loopback address of the control API")
	fs.StringVar(&f.dir, "dir", "", "directory for ca.pem and, in default mode, client-cert.pem and client-key.pem (default: a new temporary directory)")
	fs.StringVar(&f.ca, "ca", "", "file to write the CA certificate to (default: ca.pem in -dir)")
	fs.BoolVar(&f.interactive, "interactive", false, "serve sign-in and consent pages instead of approving at once")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	host, _, err := net.SplitHostPort(f.controlAddr)
	if err != nil || !ids.IsLoopbackHost(strings.Trim(host, "[]")) {
		return f, fmt.Errorf("-control-addr %q is not a loopback host:port", f.controlAddr)
	}
	return f, nil
}

// run starts the server, announces it on out, and serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	f, err := parseFlags(args)
	if err != nil {
		return err
	}
	opts, grants, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	opts.Addr = f.addr
	opts.Interactive = opts.Interactive || f.interactive
	srv, err := start(opts, grants)
	if err != nil {
		return err
	}
	defer srv.Close()
	dir, err := outputDir(f.dir)
	if err != nil {
		return err
	}
	if f.ca == "" {
		f.ca = filepath.Join(dir, "ca.pem")
	}
	if err := writeCA(srv.CA(), f.ca); err != nil {
		return err
	}
	ctl, err := serveControl(srv, f.controlAddr)
	if err != nil {
		return err
	}
	defer ctl.Close()
	h, err := announce(srv, "https://"+ctl.Addr+controlPrefix[:len(controlPrefix)-1], f.ca, dir, f.config == "")
	if err != nil {
		return err
	}
	if err := json.NewEncoder(out).Encode(h); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// controlServer is the control API's own TLS listener, presenting the same
// certificate as the platform so that one CA file serves both.
type controlServer struct {
	Addr string
	hs   *http.Server
	done chan error
}

func serveControl(srv *graphauthtest.Server, addr string) (*controlServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &control{srv: srv}
	cs := &controlServer{Addr: l.Addr().String(), done: make(chan error, 1),
		hs: &http.Server{Handler: c.handler(), TLSConfig: srv.TLSConfig().Clone(), ReadHeaderTimeout: 10 * time.Second}}
	go func() { cs.done <- cs.hs.ServeTLS(l, "", "") }()
	return cs, nil
}

// Close stops the control API and waits for it.
func (cs *controlServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = cs.hs.Shutdown(ctx)
	if err := <-cs.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "fakeentra: control API:", err)
	}
}
