package verify_test

import (
	"context"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
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
	// Copy the secret's Value (shown once, when it is created) into the configuration, or add a new secret and use its value.
}

// What a data-sync guide asks the administrator to grant, against what
// the sync's calls need.
func ExampleComparePermissions() {
	need, err := registration.LeastPrivilegeSet([]registration.Call{
		{Method: "GET", URL: "/v1.0/users/delta"}, {Method: "GET", URL: "/v1.0/groups"},
	}, registration.SchemeApplication)
	if err != nil {
		fmt.Println(err)
		return
	}
	guide := []string{"Directory.ReadWrite.All", "Group.ReadWrite.All"}
	for _, w := range verify.ComparePermissions(need, guide).Warnings() {
		fmt.Println(w)
	}
	// Output:
	// has Directory.ReadWrite.All; the calls made need only User.Read.All and GroupMember.Read.All
	// has Group.ReadWrite.All; the calls made need only GroupMember.Read.All
}
