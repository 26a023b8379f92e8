// Package graphauthtest is a fake Microsoft identity platform (Microsoft Entra
// ID) and the slice of Microsoft Graph that entrakit calls, for tests. It has
// the shape of net/http/httptest: NewServer starts it on 127.0.0.1 over TLS,
// URL is its authority host, Client trusts its certificate, Close stops it.
//
//	srv := graphauthtest.NewServer(nil) // one tenant, one app with a secret and a certificate
//	defer srv.Close()
//	app, _ := confidential.New(srv.URL+"/"+srv.TenantID, srv.ClientID, cred,
//		confidential.WithHTTPClient(srv.Client()), confidential.WithInstanceDiscovery(false))
//
// The fake serves what clients need from the real platform: OpenID
// configuration, JWKS and instance discovery; the v2 token endpoint with
// client_credentials (client_secret, HTTP Basic, or a client assertion signed
// RS256 or PS256 and named by x5t or x5t#S256, or a federated token),
// authorization_code with PKCE, and refresh_token; the v1 token endpoint with
// resource; /authorize, which signs a user in without a browser or, with
// Options.Interactive, serves a sign-in and consent page; and
// /{tenant}/v2.0/adminconsent. Tokens are JWTs signed RS256 with the key in
// the JWKS, with the claims the platform sets: roles for app-only tokens are
// exactly the app roles granted in that tenant.
//
// Refusals are the platform's: the same HTTP status, OAuth error and AADSTS
// number (7000215 for a wrong secret, 700016 for an app unknown in the
// tenant, 1002012 for a client-credentials scope without /.default, …) with
// trace and correlation IDs. Tests steer the fake with Advance (its clock),
// GrantAppRoles, RemoveServicePrincipal, SignIn, and InjectFault (a status, an
// AADSTS error, Retry-After, latency or a broken body for the next requests),
// and check what clients did with Requests and Count.
//
// The Graph endpoints (/v1.0/organization, users, groups, me,
// servicePrincipals, applications, appRoleAssignedTo, oauth2PermissionGrants)
// check the bearer token and its roles or scp, answering 401 and 403 with
// Graph's error JSON.
//
// The command fakeentra in the directory below serves the same fake as a
// standalone process, for tests in other languages.
package graphauthtest
