package graphauthtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A test starts the fake, points its client at it and gets an app-only token
// carrying the app roles granted in the tenant.
func ExampleNewServer() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()

	cfg := clientcredentials.Config{
		ClientID:     srv.ClientID,
		ClientSecret: srv.Secret,
		TokenURL:     srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token",
		Scopes:       []string{"https://graph.microsoft.com/.default"},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	tok, err := cfg.Token(ctx)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(tok.TokenType, tok.Valid())
	fmt.Println("token requests:", srv.Count(graphauthtest.EndpointToken))
	// Output:
	// Bearer true
	// token requests: 1
}

// A wrong secret is refused as Microsoft Entra ID refuses it.
func ExampleServer_refusal() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()

	cfg := clientcredentials.Config{
		ClientID:     srv.ClientID,
		ClientSecret: "the secret's ID, pasted by mistake",
		TokenURL:     srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token",
		Scopes:       []string{"https://graph.microsoft.com/.default"},
	}
	_, err := cfg.Token(context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client()))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		fmt.Println(re.Response.StatusCode, re.ErrorCode, strings.SplitN(re.ErrorDescription, ":", 2)[0])
	}
	// Output:
	// 401 invalid_client AADSTS7000215
}

// Faults make the next requests fail the way the platform does under load.
func ExampleServer_InjectFault() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 429, RetryAfter: "2"})

	cfg := clientcredentials.Config{
		ClientID: srv.ClientID, ClientSecret: srv.Secret,
		AuthStyle: oauth2.AuthStyleInParams, // one request per Token call
		TokenURL:  srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token",
		Scopes:    []string{"https://graph.microsoft.com/.default"},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	_, err := cfg.Token(ctx)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		fmt.Println(re.Response.StatusCode, re.Response.Header.Get("Retry-After"))
	}
	_, err = cfg.Token(ctx)
	fmt.Println("second try:", err == nil)
	// Output:
	// 429 2
	// second try: true
}
