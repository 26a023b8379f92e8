package registration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

func ExampleGraphPermission() {
	_, err := registration.GraphPermission(registration.ApplicationPermission, "Group.ReadAll")
	fmt.Println(err)
	p, _ := registration.GraphPermission(registration.ApplicationPermission, "Group.Read.All")
	fmt.Println(p.ID)
	// Output:
	// registration: "Group.ReadAll" is not a Microsoft Graph application permission; did you mean "Group.Read.All"?
	// 5b567255-7703-4780-807c-7be8301ae99b
}

func ExampleCheckSecret() {
	fmt.Println(registration.CheckSecret("1e2d3c4b-5a69-4788-9796-a5b4c3d2e1f0"))
	// Output: registration: ClientSecret looks like a GUID, which is the secret's ID: copy its Value instead (the portal shows it only once, when the secret is created)
}

func ExampleClient_CreateApp() {
	srv := graphauthtest.NewServer(nil) // a fake tenant; its app may manage the apps it creates
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	client, _ := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	ctx := context.Background()

	perms, err := registration.ResolveGraphPermissions([]string{"User.Read.All"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	app, err := client.CreateApp(ctx, registration.App{DisplayName: "user sync", Permissions: perms})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := client.GrantAppRoles(ctx, app.AppID, registration.MicrosoftGraphAppID, "User.Read.All"); err != nil {
		fmt.Println(err)
		return
	}
	granted, _ := client.AppRoleAssignments(ctx, app.AppID)
	fmt.Println(app.DisplayName, len(granted), "role granted")
	// Output: user sync 1 role granted
}

// The least privileged permission for one call, from Microsoft's map; a
// call the map does not have is an error, never a guess.
func ExampleLeastPrivilege() {
	call, err := registration.LeastPrivilege("GET", "https://graph.microsoft.com/v1.0/groups/0a1b2c3d/members?$top=999",
		registration.SchemeApplication)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(call.Template(), "needs", call.Least.Value)
	_, err = registration.LeastPrivilege("POST", "/v1.0/groups/0a1b2c3d/members/$ref", registration.SchemeApplication)
	fmt.Println(err)
	// Output:
	// /groups/{id}/members needs GroupMember.Read.All
	// registration: POST /v1.0/groups/0a1b2c3d/members/$ref is not in Microsoft's permission map (the path is, with other methods)
}

// A product's calls, recorded under the kit's Transport while it runs
// against the fake platform, give the manifest it needs.
func ExampleRecorder() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	defer cred.Close()

	rec := &registration.Recorder{Base: srv.Client().Transport}
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: rec, AllowedHosts: []string{srv.URL}}}
	for _, path := range []string{"/v1.0/users?$select=id,displayName", "/v1.0/groups?$top=100"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}

	set, err := rec.Permissions(registration.SchemeApplication)
	if err != nil {
		fmt.Println(err)
		return
	}
	manifest, _ := json.Marshal(set.RequiredResourceAccess())
	fmt.Println(set.Names())
	fmt.Println(string(manifest))
	// Output:
	// [GroupMember.Read.All User.ReadBasic.All]
	// [{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"98830695-27a2-44f7-8c18-0c3ebc9698f6","type":"Role"},{"id":"97235f07-e226-4f63-ace3-39588e11d3a1","type":"Role"}]}]
}

// The derived set goes straight into the app registration, the grant and
// the admin-consent URL.
func ExamplePermissionSet() {
	set, err := registration.LeastPrivilegeSet([]registration.Call{
		{Method: "GET", URL: "/v1.0/users/delta"}, {Method: "GET", URL: "/v1.0/users"}, {Method: "GET", URL: "/v1.0/groups"},
	}, registration.SchemeApplication)
	if err != nil {
		fmt.Println(err)
		return
	}
	app := registration.App{DisplayName: "user sync", Permissions: set.Permissions}
	fmt.Println(set.Names(), len(app.RequiredResourceAccess()[0].ResourceAccess))
	for _, p := range set.Permissions {
		fmt.Println(p.Value, "for", set.Needing(p))
	}
	consentURL, _ := consent.URL(consent.Config{ClientID: "11111111-2222-3333-4444-555555555555",
		RedirectURI: "https://sync.example.com/consent", Scope: set.Scope(graphauth.AzurePublic)}, "organizations", "an-unguessable-state-value")
	fmt.Println(strings.Contains(consentURL, "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
	// Output:
	// [GroupMember.Read.All User.Read.All] 2
	// GroupMember.Read.All for [GET /groups: GroupMember.Read.All]
	// User.Read.All for [GET /users/delta: User.Read.All GET /users: User.ReadBasic.All]
	// true
}

// A new customer tenant refused admin consent with AADSTS650052: it has
// never used Teams. Its administrator's tool creates the missing service
// principal.
func ExampleClient_CreateMissingServicePrincipal() {
	srv := graphauthtest.NewServer(nil) // a new tenant: no Teams service principal
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.All")
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	client, _ := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})

	// The consent's redirect, as the platform sends it.
	_, refusal := consent.ParseCallback(map[string][]string{"state": {"a-fresh-unguessable-state"}, "error": {"invalid_client"},
		"error_description": {"AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Skype and Teams Tenant Admin API) " +
			"that your organization '" + srv.TenantID + "' lacks a service principal for. Contact your IT Admin to review the configuration of your service " +
			"subscriptions or consent to the application in order to create the required service principal.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333"}},
		"a-fresh-unguessable-state")
	sp, created, err := client.CreateMissingServicePrincipal(context.Background(), refusal)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sp.DisplayName, created)
	// Output:
	// Skype and Teams Tenant Admin API true
}
