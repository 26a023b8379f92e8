package msgraph_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/msgraph"
)

// Page through a tenant's users, two to a page, following Graph's
// nextLinks.
func ExampleAll() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	c, err := msgraph.NewClient(cred, &msgraph.Options{Endpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	type user struct {
		UserPrincipalName string `json:"userPrincipalName"`
	}
	n := 0
	for _, err := range msgraph.All[user](context.Background(), c, "/users?$top=2&$select=userPrincipalName") {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	fmt.Println(n > 0)
	// Output: true
}

// A 403 names the permissions the call needs.
func ExampleGraphError() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	c, err := msgraph.NewClient(cred, &msgraph.Options{Endpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = c.Get(context.Background(), "/groups?$select=id", nil)
	var ge *msgraph.GraphError
	if errors.As(err, &ge) {
		fmt.Println(ge.StatusCode, ge.Code, ge.Required[0])
	}
	// Output: 403 Authorization_RequestDenied GroupMember.Read.All
}
