// Command odata-sync reads Entra ID through Microsoft Graph's OData paging,
// as a data-sync tool does: app-only tokens with client credentials, then
// /users page by page through @odata.nextLink. It also gets a token the way
// older integrations do, from the v1 endpoint with a "resource" parameter,
// to show that both forms give a Graph token with the same roles.
//
//	go run ./examples/odata-sync -page 1
//
// With AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set it reads
// that tenant (the app needs User.Read.All); otherwise the fake platform.
//
// The Graph calls go through a registration.Recorder, and the tool ends by
// printing the permissions its calls need, from Microsoft's permission map,
// next to the ones its setup guide asks for.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

// guide is what the tool's setup guide asks the administrator to grant.
var guide = []string{"User.Read.All"}

func main() {
	pageSize := flag.Int("page", 1, "users per page ($top)")
	flag.Parse()
	if err := run(context.Background(), *pageSize, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "odata-sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, pageSize int, out io.Writer) error {
	cfg := graphauth.FromEnv()
	authority, graphURL := graphauth.AzurePublic.AuthorityHost, graphauth.AzurePublic.GraphEndpoint
	httpClient := &http.Client{}
	if cfg.TenantID == "" {
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "lee@contoso.onmicrosoft.com", DisplayName: "Lee Gu"})
		cfg = graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(srv.Secret)}
		authority, graphURL, httpClient = srv.URL, srv.URL, srv.Client()
	}

	// The v2 form, through entrakit: scope={graph}/.default.
	cred, err := graphauth.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
		&graphauth.Options{AuthorityHost: authority, HTTPClient: httpClient})
	if err != nil {
		return err
	}
	tok, err := cred.Token(ctx, graphauth.TokenRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "v2 token (scope): roles %s\n", strings.Join(roles(tok.AccessToken), ", "))

	// The v1 form older tools use: /oauth2/token with resource=.
	v1 := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: string(cfg.ClientSecret), AuthStyle: oauth2.AuthStyleInParams,
		TokenURL:       authority + "/" + cfg.TenantID + "/oauth2/token",
		EndpointParams: map[string][]string{"resource": {graphauth.AzurePublic.GraphEndpoint + "/"}}}
	v1tok, err := v1.Token(context.WithValue(ctx, oauth2.HTTPClient, httpClient))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "v1 token (resource): roles %s\n", strings.Join(roles(v1tok.AccessToken), ", "))

	rec := &registration.Recorder{Base: httpClient.Transport}
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: rec, AllowedHosts: []string{graphURL}}}
	next := graphURL + "/v1.0/users?$select=displayName,userPrincipalName&$top=" + strconv.Itoa(pageSize)
	total := 0
	for page := 1; next != ""; page++ {
		var body struct {
			Value []struct {
				DisplayName string `json:"displayName"`
			} `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err := getJSON(ctx, client, next, &body); err != nil {
			return err
		}
		var names []string
		for _, u := range body.Value {
			names = append(names, u.DisplayName)
		}
		total += len(names)
		fmt.Fprintf(out, "page %d: %s\n", page, strings.Join(names, ", "))
		next = body.NextLink
	}
	fmt.Fprintf(out, "%d users in all\n", total)
	return permissions(out, rec)
}

// permissions prints the least privileged permissions the calls made need,
// next to what the guide asks for.
func permissions(out io.Writer, rec *registration.Recorder) error {
	set, err := rec.Permissions(registration.SchemeApplication)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the guide asks for: %s\n", strings.Join(guide, ", "))
	fmt.Fprintf(out, "the calls made need: %s\n", strings.Join(set.Names(), ", "))
	for _, c := range set.Calls {
		fmt.Fprintf(out, "  %s\n", c)
	}
	for _, w := range verify.ComparePermissions(set, guide).Warnings() {
		fmt.Fprintf(out, "  %s\n", w)
	}
	return nil
}

func getJSON(ctx context.Context, client *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// roles reads the token's roles claim, for display; Graph verifies tokens.
func roles(token string) []string {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil
	}
	var out []string
	list, _ := claims["roles"].([]any)
	for _, r := range list {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
