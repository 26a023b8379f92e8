// Command msgraph-sdk shows Microsoft's Graph SDK for Go (msgraph-sdk-go)
// working against graphauthtest's fake Microsoft Graph: it gets an app-only
// token with an entrakit credential, lists users with a $filter, follows a
// users delta round, and sends a JSON batch.
//
// It is a module of its own, so that the SDK's size does not burden the
// entrakit module; its go.mod replaces entrakit with the checkout it sits
// in. Run it with "go run ." in this directory.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	azauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func main() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	if err := run(context.Background(), os.Stdout, srv); err != nil {
		fmt.Fprintln(os.Stderr, "msgraph-sdk:", err)
		os.Exit(1)
	}
}

// newClient returns a Graph SDK client for the fake: its requests go to
// srv.URL/v1.0 through the SDK's own middleware (retry, redirect, …) over
// a transport that trusts the fake's certificate, with tokens from an
// entrakit client-secret credential.
func newClient(srv *graphauthtest.Server) (*msgraphsdk.GraphServiceClient, *msgraphsdk.GraphRequestAdapter, error) {
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		return nil, nil, err
	}
	auth, err := azauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(graphauth.AzCore(cred),
		[]string{"https://graph.microsoft.com/.default"}, []string{"127.0.0.1"})
	if err != nil {
		return nil, nil, err
	}
	options := msgraphsdk.GetDefaultClientOptions()
	httpClient := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(srv.Client().Transport, msgraphcore.GetDefaultMiddlewaresWithOptions(&options)...),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, httpClient)
	if err != nil {
		return nil, nil, err
	}
	adapter.SetBaseUrl(srv.URL + "/v1.0")
	return msgraphsdk.NewGraphServiceClient(adapter), adapter, nil
}

func run(ctx context.Context, out io.Writer, srv *graphauthtest.Server) error {
	client, _, err := newClient(srv)
	if err != nil {
		return err
	}
	filter := "startswith(displayName,'Adele')"
	page, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: []string{"displayName", "userPrincipalName"}},
	})
	if err != nil {
		return err
	}
	for _, u := range page.GetValue() {
		fmt.Fprintln(out, *u.GetDisplayName(), *u.GetUserPrincipalName())
	}
	return nil
}
