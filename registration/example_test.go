package registration_test

import (
	"context"
	"fmt"

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
