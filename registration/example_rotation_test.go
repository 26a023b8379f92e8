package registration_test

import (
	"context"
	"fmt"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// A service account that renews its own secret before it expires.
func ExampleRotator() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)

	slot, err := graphauth.NewSecretSlot(graphauth.Secret(srv.Secret))
	if err != nil {
		fmt.Println(err)
		return
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.RotatedSecret("live", slot)},
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	client, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a fleet: Store is tokenstore.Encrypted(redisstore.New(rdb, "app"), key) and
	// Lease the redisstore.Store, so that one replica rotates.
	rot, err := registration.NewRotator(client, slot, registration.RotatorOptions{
		ObjectID: app.ObjectID, Store: graphauth.NewMemoryStore(),
		Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, // the fake's secret is due at once
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In production: go rot.Run(ctx), which checks every minute.
	done, err := rot.Check(context.Background())
	fmt.Println(done, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	fmt.Println("token with the new secret:", err == nil, slot.Secret() != graphauth.Secret(srv.Secret))
	// Output:
	// rotated <nil>
	// token with the new secret: true true
}

func ExampleClient_AddFederatedCredential() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	client, _ := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})

	// Trust the managed identity: in production the authority host is
	// https://login.microsoftonline.com.
	f := registration.ManagedIdentityFederation("msp-daemon", srv.URL, mi.Tenant, mi.ObjectID,
		graphauth.TokenExchangeAudience(graphauth.AzurePublic))
	added, err := client.AddFederatedCredential(context.Background(), app.ObjectID, f)
	fmt.Println(err, added.Name, added.Audiences)
	// Output: <nil> msp-daemon [api://AzureADTokenExchange]
}
