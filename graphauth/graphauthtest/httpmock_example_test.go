package graphauthtest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/jarcoal/httpmock"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A test suite built on httpmock serves the fake platform from its mock
// transport, under the real authority's name: no listener, no TLS. Here
// MSAL Go gets an app-only token from it.
func ExampleServer_Responder() {
	srv := graphauthtest.NewUnstartedServer(nil) // never started
	defer srv.Close()
	mock := httpmock.NewMockTransport()
	srv.RegisterResponders(mock, "https://login.microsoftonline.com")

	cred, err := confidential.NewCredFromSecret(srv.Secret)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	client, err := confidential.New("https://login.microsoftonline.com/"+srv.TenantID, srv.ClientID, cred,
		confidential.WithHTTPClient(&http.Client{Transport: mock}))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	res, err := client.AcquireTokenByCredential(context.Background(), []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(strings.Count(res.AccessToken, ".") == 2)
	fmt.Println("token requests:", srv.Count(graphauthtest.EndpointToken))
	// Output:
	// true
	// token requests: 1
}
