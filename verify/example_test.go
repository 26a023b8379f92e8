package verify_test

import (
	"context"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/verify"
)

func ExampleRun() {
	srv := graphauthtest.NewServer(nil) // the app holds User.Read.All, Group.Read.All, Organization.Read.All
	defer srv.Close()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(srv.Secret)}
	cred, _ := graphauth.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})

	report := verify.Run(context.Background(), cred, verify.Requirements{Roles: []string{"User.Read.All", "Group.Read.All"}},
		&verify.Options{Config: &cfg, GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	check, _ := report.Check("token.permissions")
	fmt.Println(report.Status, check.Status, check.Diagnosis.Missing)
	// Output: failed failed [Group.Read.All]
}

func ExampleDiagnose() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "an-expired~or-wrong-secret",
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})

	d := verify.Diagnose(err)
	fmt.Println(d.Code, d.Retryable)
	fmt.Println(d.Action)
	// Output:
	// AADSTS7000215 false
	// Copy the secret's Value (shown only when it is created), or add a new secret and use its value.
}
