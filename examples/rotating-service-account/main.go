// Command rotating-service-account is the "service account" of a workflow
// product that renews its own client secret: before the secret expires it
// adds a new one through Graph, switches every replica to it without a
// restart, and removes the old one after an overlap. The chore the setup
// guides end with (make a new secret, paste it in, before the old one
// expires) is gone.
//
//	go run ./examples/rotating-service-account
//
// In a real tenant, set AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET, APP_OBJECT_ID (the registration's object ID),
// STATE_DIR (a folder of the service's own user, created if missing,
// where the live secret is kept, sealed, across restarts) and
// STATE_KEY (64 hex digits, the key that seals it); the app needs
// Application.ReadWrite.OwnedBy and must own itself (or have
// Application.ReadWrite.All). It then runs one check and exits. Otherwise
// it plays a fleet of two replicas against the fake platform, moving a
// clock through a whole rotation.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/tokenstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rotating-service-account:", err)
		os.Exit(1)
	}
}

// replica is one process of the service.
type replica struct {
	slot    *graphauth.SecretSlot
	cred    *graphauth.FallbackCredential
	rotator *registration.Rotator
}

// settings say how a replica reaches the platform and Graph.
type settings struct {
	tenantID, clientID string
	secret             graphauth.Secret
	opts               graphauth.Options
	graphURL           string
	http               *http.Client
	rotator            registration.RotatorOptions
}

func newReplica(s settings) (replica, error) {
	slot, err := graphauth.NewSecretSlot(s.secret)
	if err != nil {
		return replica{}, err
	}
	cred, err := graphauth.NewFallbackCredential(s.tenantID, s.clientID, []graphauth.ClientCredential{graphauth.RotatedSecret("live", slot)},
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: s.opts}})
	if err != nil {
		return replica{}, err
	}
	client, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: s.graphURL, HTTPClient: s.http})
	if err == nil {
		var rot *registration.Rotator
		if rot, err = registration.NewRotator(client, slot, s.rotator); err == nil {
			return replica{slot, cred, rot}, nil
		}
	}
	cred.Close()
	return replica{}, err
}

func run(ctx context.Context, out io.Writer) error {
	if os.Getenv("AZURE_CLIENT_SECRET") != "" {
		return runReal(ctx, out)
	}
	return runFake(ctx, out)
}

// runReal runs one check with the secret from the environment, or the one
// a previous rotation left in STATE_DIR.
func runReal(ctx context.Context, out io.Writer) error {
	for _, name := range []string{"APP_OBJECT_ID", "STATE_DIR"} {
		if os.Getenv(name) == "" {
			return fmt.Errorf("set %s too (see go doc ./examples/rotating-service-account)", name)
		}
	}
	key, err := hex.DecodeString(os.Getenv("STATE_KEY"))
	if err != nil || len(key) != 32 {
		return errors.New("STATE_KEY must be 64 hex digits (openssl rand -hex 32 makes one)")
	}
	files, err := tokenstore.NewFileStore(os.Getenv("STATE_DIR"))
	if err != nil {
		return err
	}
	store, err := tokenstore.Encrypted(files, tokenstore.Key{ID: "state", Secret: key})
	if err != nil {
		return err
	}
	cfg := graphauth.FromEnv()
	r, err := newReplica(settings{tenantID: cfg.TenantID, clientID: cfg.ClientID, secret: cfg.ClientSecret,
		opts: graphauth.Options{AuthorityHost: cfg.AuthorityHost}, graphURL: cfg.GraphEndpoint(), rotator: registration.RotatorOptions{ObjectID: os.Getenv("APP_OBJECT_ID"), Store: store}})
	if err != nil {
		return err
	}
	defer r.cred.Close()
	done, err := r.rotator.Check(ctx)
	if errors.Is(err, graphauth.ErrCorruptEntry) {
		return fmt.Errorf("the secret kept in STATE_DIR does not open with STATE_KEY: set the key it was sealed with "+
			"(or, to start again from AZURE_CLIENT_SECRET, empty STATE_DIR): %w", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "check:", done)
	return nil
}

// runFake plays two replicas through a rotation on the fake platform.
func runFake(ctx context.Context, out io.Writer) error {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)
	var mu sync.Mutex
	now := srv.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	shared := settings{tenantID: srv.TenantID, clientID: srv.ClientID, secret: graphauth.Secret(srv.Secret),
		opts: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}, graphURL: srv.URL, http: srv.Client(),
		rotator: registration.RotatorOptions{ObjectID: app.ObjectID, Store: graphauth.NewMemoryStore(), Lease: registration.NewLocalLease(),
			// The fake's secret ends in two years: a lead that long makes it due now.
			Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, Overlap: time.Hour, Now: clock}}
	var fleet []replica
	for range 2 {
		r, err := newReplica(shared)
		if err != nil {
			return err
		}
		defer r.cred.Close()
		fleet = append(fleet, r)
	}
	step := func(when string) error {
		for i, r := range fleet {
			done, err := r.rotator.Check(ctx)
			if err != nil {
				return err
			}
			_, err = r.cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
			fmt.Fprintf(out, "%s, replica %d: %s; token: %v\n", when, i+1, done, err == nil)
		}
		return nil
	}
	if err := step("due"); err != nil {
		return err
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if err := step("after the overlap"); err != nil {
		return err
	}
	old, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &shared.opts)
	if err != nil {
		return err
	}
	defer old.Close()
	_, err = old.Token(ctx, graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	fmt.Fprintln(out, "the old secret is refused:", errors.As(err, &aerr) && aerr.HasCode(7000215))
	return nil
}
