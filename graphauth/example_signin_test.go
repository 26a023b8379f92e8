package graphauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// signInForExample plays the browser through one sign-in.
func signInForExample(srv *graphauthtest.Server, s *graphauth.SignIn, upn string) (*graphauth.User, error) {
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: upn})
	if err != nil {
		return nil, err
	}
	resp, err := srv.Client().Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	return s.Complete(context.Background(), pending, back.Query())
}

// An MSP tool asks the customer's administrator for Graph permissions and
// Azure Service Management's user_impersonation in one sign-in; the code
// brings a Graph token, and the refresh token an ARM token without a prompt.
func Example_delegatedScopesOfSeveralResources() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{
			Options:     graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()},
			RedirectURI: "http://localhost/callback",
			Scopes:      []string{"User.Read", "https://management.core.windows.net//user_impersonation"},
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	user, err := signInForExample(srv, s, "admin@contoso.onmicrosoft.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sign-in:", user.Token.Scopes)
	arm, err := s.Token(context.Background(), user.AccountID, []string{"https://management.core.windows.net//user_impersonation"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("later:", arm.Scopes)
	// Output:
	// sign-in: [User.Read profile openid]
	// later: [https://management.core.windows.net//user_impersonation]
}

// A signed-in user's Credential plugs into Transport (and AzCore, OAuth2)
// as an app-only credential does.
func ExampleSignIn_Credential() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{
			Options:     graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()},
			RedirectURI: "http://localhost/callback",
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	user, err := signInForExample(srv, s, "adele@contoso.onmicrosoft.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Transport: &graphauth.Transport{Credential: s.Credential(user.AccountID), Base: srv.Client().Transport,
		Request: graphauth.TokenRequest{Scopes: []string{"User.Read"}}, AllowedHosts: []string{srv.URL}}}
	resp, err := client.Get(srv.URL + "/v1.0/me")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	accounts, _ := s.Accounts(context.Background())
	fmt.Println(resp.Status, len(accounts))
	// Output: 200 OK 1
}
