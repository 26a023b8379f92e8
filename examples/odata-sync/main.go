// Command odata-sync reads Entra ID through Microsoft Graph's OData paging,
// as a data-sync tool does. Its setup guide has the administrator paste the
// app's Token URL (the v1 form,
// https://login.microsoftonline.com/{tenant}/oauth2/token, with the resource
// https://graph.microsoft.com; or the v2 form), the client ID and the
// client secret. The tool reads the cloud, tenant and endpoint version from
// the pasted URL, asks for tokens in that form (resource= on v1, scope= on
// v2), and pages through /users and /groups by @odata.nextLink.
//
//	go run ./examples/odata-sync -page 1
//
// With AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set, and the Token URL in
// -token-url (or a tenant ID in AZURE_TENANT_ID), it reads that tenant (the
// app needs User.Read.All and Group.Read.All); otherwise the fake platform,
// whose v1 Token URL it pastes as an administrator would. A standalone
// fakeentra's Token URL is read when AZURE_AUTHORITY_HOST names its url
// (and SSL_CERT_FILE its caFile).
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

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/msgraph"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

// guide is what the tool's setup guide asks the administrator to grant.
var guide = []string{"User.Read.All", "Group.Read.All"}

// settings are the fields of the tool's connection form.
type settings struct {
	TokenURL     string // pasted from the app's Endpoints page
	ClientID     string
	ClientSecret graphauth.Secret
	Resource     string // for a v1 Token URL; empty means the Token URL's cloud's Graph
}

func main() {
	pageSize := flag.Int("page", 1, "users per page ($top)")
	tokenURL := flag.String("token-url", "", "the app's Token URL, v1 or v2 (default: AZURE_TENANT_ID)")
	flag.Parse()
	if err := run(context.Background(), *pageSize, *tokenURL, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "odata-sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, pageSize int, tokenURL string, out io.Writer) error {
	form := settings{TokenURL: tokenURL, ClientID: os.Getenv("AZURE_CLIENT_ID"), ClientSecret: graphauth.Secret(os.Getenv("AZURE_CLIENT_SECRET"))}
	if form.TokenURL == "" {
		form.TokenURL = os.Getenv("AZURE_TENANT_ID")
	}
	var custom []graphauth.Cloud
	if env := graphauth.FromEnv(); env.GraphEndpoint() != env.Cloud().GraphEndpoint {
		// A standalone fakeentra in AZURE_AUTHORITY_HOST: its Token URLs
		// are read too, and its Graph is at its own address.
		custom = append(custom, graphauth.Cloud{Name: "fakeentra", AuthorityHost: env.AuthorityHost, GraphEndpoint: env.GraphEndpoint()})
	}
	httpClient := &http.Client{}
	if form.ClientID == "" {
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "lee@contoso.onmicrosoft.com", DisplayName: "Lee Gu"})
		// The administrator copies the v1 Token URL from the app's Endpoints page.
		form = settings{TokenURL: srv.URL + "/" + srv.TenantID + "/oauth2/token", ClientID: srv.ClientID,
			ClientSecret: graphauth.Secret(srv.Secret), Resource: graphauth.AzurePublic.GraphEndpoint}
		custom = []graphauth.Cloud{{Name: "fake", AuthorityHost: srv.URL, GraphEndpoint: srv.URL}}
		httpClient = srv.Client()
	}
	return sync(ctx, form, custom, httpClient, pageSize, out)
}

// sync follows the guide: read the pasted URL, get a token in its form,
// page through users and groups.
func sync(ctx context.Context, form settings, custom []graphauth.Cloud, httpClient *http.Client, pageSize int, out io.Writer) error {
	authority, err := graphauth.ParseAuthority(form.TokenURL, custom...)
	if err != nil {
		return err
	}
	cloud := authority.Cloud
	if cloud.AuthorityHost == "" { // a bare tenant ID: the public cloud
		cloud = graphauth.AzurePublic
	}
	// Tokens are for the Graph of the Token URL's cloud (a US Government
	// tenant's are for https://graph.microsoft.us); a custom cloud, such as
	// the fake platform, serves the public Graph's.
	tokenCloud := cloud
	if _, national := graphauth.CloudByName(cloud.Name); !national {
		tokenCloud = graphauth.AzurePublic
	}
	fmt.Fprintf(out, "Token URL: cloud %s, tenant %s, endpoint %s\n", cloud.Name, authority.TenantID, authority.Version)
	cred, err := graphauth.NewClientSecretCredential(authority.TenantID, form.ClientID, form.ClientSecret,
		&graphauth.Options{Cloud: tokenCloud, AuthorityHost: cloud.AuthorityHost, HTTPClient: httpClient})
	if err != nil {
		return err
	}
	defer cred.Close()
	opts := &msgraph.Options{Cloud: tokenCloud, Endpoint: cloud.GraphEndpoint}
	req := graphauth.TokenRequest{}
	if authority.Version == graphauth.EndpointV1 {
		resource := form.Resource
		if resource == "" {
			resource = tokenCloud.GraphEndpoint
		}
		if err := sameCloud(resource, tokenCloud); err != nil {
			return err
		}
		opts.Resource, req.Resource = resource, resource
	}
	tok, err := cred.Token(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s token: roles %s\n", authority.Version, strings.Join(roles(tok.AccessToken), ", "))

	rec := &registration.Recorder{Base: httpClient.Transport}
	opts.HTTPClient = &http.Client{Transport: rec}
	client, err := msgraph.NewClient(cred, opts)
	if err != nil {
		return err
	}
	if err := users(ctx, client, pageSize, out); err != nil {
		return err
	}
	if err := groups(ctx, client, out); err != nil {
		return err
	}
	return permissions(out, rec)
}

// sameCloud refuses a Resource that is another cloud's Graph than the
// Token URL's (the guide's https://graph.microsoft.com pasted next to a US
// Government Token URL): the platform would answer AADSTS500011, whose
// remedy, creating Microsoft Graph's service principal, is not this one.
func sameCloud(resource string, cloud graphauth.Cloud) error {
	r := strings.TrimSuffix(strings.ToLower(resource), "/")
	for _, c := range []graphauth.Cloud{graphauth.AzurePublic, graphauth.AzureGovernment, graphauth.AzureGovernmentDoD, graphauth.AzureChina} {
		if r == c.GraphEndpoint && c.GraphEndpoint != cloud.GraphEndpoint {
			return fmt.Errorf("the Resource %s is the Graph of %s, but the Token URL is %s's: set the Resource to %s (or leave it empty)",
				resource, c.Name, cloud.Name, cloud.GraphEndpoint)
		}
	}
	return nil
}

// users pages through /users, a page at a time, as the tool's sync does.
func users(ctx context.Context, client *msgraph.Client, pageSize int, out io.Writer) error {
	total, n := 0, 0
	for page, err := range client.Pages(ctx, "/users?$select=displayName,userPrincipalName&$top="+strconv.Itoa(pageSize)) {
		if err != nil {
			return err
		}
		n++
		var names []string
		for _, raw := range page.Value {
			var u struct {
				DisplayName string `json:"displayName"`
			}
			if err := json.Unmarshal(raw, &u); err != nil {
				return err
			}
			names = append(names, u.DisplayName)
		}
		total += len(names)
		fmt.Fprintf(out, "page %d: %s\n", n, strings.Join(names, ", "))
	}
	fmt.Fprintf(out, "%d users in all\n", total)
	return nil
}

// groups reads every group, the pages joined.
func groups(ctx context.Context, client *msgraph.Client, out io.Writer) error {
	type group struct {
		DisplayName string `json:"displayName"`
	}
	var names []string
	for g, err := range msgraph.All[group](ctx, client, "/groups?$select=id,displayName&$top=2") {
		if err != nil {
			return err
		}
		names = append(names, g.DisplayName)
	}
	fmt.Fprintf(out, "%d groups: %s\n", len(names), strings.Join(names, ", "))
	return nil
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
