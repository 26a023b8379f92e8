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
// exactly the app roles granted in that tenant. App-only tokens are issued
// for Microsoft Graph, for the apps registered on the fake (api://{appId}),
// and, without roles, for the Microsoft APIs an Azure SDK client asks for:
// Azure Resource Manager, the Office 365 Management APIs and the Key Vault,
// Storage, Service Bus, Event Hubs and SQL data planes.
//
// Delegated tokens are issued for Microsoft Graph, Azure Service Management
// (scope "https://management.core.windows.net//user_impersonation") and the
// Office 365 Management APIs ("https://manage.office.com/ActivityFeed.Read",
// ...), each with its own aud and scp; /authorize consents to scopes of
// several of them at once, a token request names one (two is AADSTS28000),
// and a refresh token serves any resource consented. Token responses name
// the scopes as the platform writes them: Graph's by short name followed by
// "profile openid" ("User.Read profile openid"; offline_access never),
// another resource's in full and without OpenID Connect scopes, .default
// repeated as asked; app-only responses name none. The default tenant has
// the service principals of both other resources, as an Azure and Microsoft
// 365 customer does; a tenant from AddTenant has them only when
// Tenant.ServicePrincipals lists them, and consent there fails with
// AADSTS650052 until then.
//
// Refusals are the platform's: the same HTTP status, OAuth error and AADSTS
// number (7000215 for a wrong secret, 700016 for an app unknown in the
// tenant, 1002012 for a client-credentials scope without /.default, …) with
// trace and correlation IDs. Tests steer the fake with Advance (its clock),
// GrantAppRoles, RemoveServicePrincipal, SignIn, and InjectFault (a status, an
// AADSTS error, Retry-After, latency or a broken body for the next requests),
// and check what clients did with Requests and Count.
//
// # On the wire
//
// Answers carry the headers Entra sends: x-ms-request-id (on a refusal,
// the body's trace_id), client-request-id echoed, Cache-Control
// "no-store, no-cache" with Pragma and Expires on tokens, refusals and
// pages, "max-age=86400, private" on discovery documents, HSTS, nosniff
// and x-ms-ests-server. JSON bodies end without a newline. Error
// descriptions end in " Trace ID: … Correlation ID: … Timestamp: …" on the
// same line, and error_uri points to the fake's /error page (54005 has
// none, as on the platform). JWKS keys carry x5c, with kid and x5t the
// certificate's SHA-1 thumbprint. Every endpoint the OpenID configuration
// names answers, /oidc/userinfo included; the device authorization and
// Kerberos endpoints, which the fake does not serve, are not advertised.
//
// Each Server has its own certificate authority, made with it and never
// written anywhere; [Server.CA] is the certificate for clients to trust,
// and the server's TLS certificate is issued by it for 127.0.0.1, ::1 and
// localhost. Sign-in sessions are per browser, in a session cookie: what
// one client signs in never decides who another is; a client without
// cookies signs in as the user set with SignIn, or the default user.
//
// [Server.Clock] is the server's clock: pass it as graphauth.Options.Clock
// and Advance moves time for the code under test too. For suites built on
// github.com/jarcoal/httpmock, [Server.RegisterResponders] serves the fake
// from a mock transport under the real authority's name, with no listener
// and no TLS:
//
//	srv := graphauthtest.NewUnstartedServer(nil) // never started
//	mock := httpmock.NewMockTransport()
//	srv.RegisterResponders(mock, "https://login.microsoftonline.com")
//	// then HTTPClient: &http.Client{Transport: mock}, Clock: srv.Clock()
//
// # Microsoft Graph
//
// The fake serves this slice of Graph v1.0 under /v1.0, each operation
// checking the bearer token (401 InvalidAuthenticationToken) and the app
// role (app-only) or scope (delegated) that its Graph reference page lists
// (403 Authorization_RequestDenied):
//
//   - users: GET /users, /users/$count, /users/{id | userPrincipalName},
//     /me, /users/{id}/memberOf, /users/{id}/transitiveMemberOf; POST
//     /users; PATCH and DELETE /users/{id}; GET /users/delta.
//   - groups: GET /groups, /groups/$count, /groups/{id},
//     /groups/{id}/members (and /$count), /groups/{id}/transitiveMembers;
//     POST /groups (with members@odata.bind); PATCH and DELETE
//     /groups/{id}; POST /groups/{id}/members/$ref; DELETE
//     /groups/{id}/members/{id}/$ref; GET /groups/delta.
//   - the tenant: GET /organization, /domains, /domains/{name},
//     /subscribedSkus, /reports/getOffice365ActiveUserDetail(period='D7') (or (date=YYYY-MM-DD)),
//     a 302 to a CSV download, as Graph answers.
//   - password reset: POST
//     /users/{id}/authentication/methods/{id}/resetPassword (delegated, by
//     an administrator); GET /users/{id}/authentication/passwordMethods.
//   - apps: servicePrincipals (list with $filter, $select, $orderby, $top and $count; by id or appId, create, delete, appRoleAssignedTo (grant and list),
//     appRoleAssignments, and deleting an assignment), applications (list with $filter, $select, $orderby, $top and $count; create, get, patch, delete, addPassword,
//     removePassword, addKey and removeKey with their proof,
//     federatedIdentityCredentials), oauth2PermissionGrants (create, one per
//     client, resource and principal; patch its scope; delete; list with
//     $filter on clientId, resourceId, principalId or consentType; get; and
//     per client service principal).
//   - directoryObjects: GET /directoryObjects/{id} and POST
//     /directoryObjects/getByIds, for users, groups and service principals.
//   - POST /$batch: up to 20 requests, dependsOn, 424 for a failed
//     dependency, each request through the whole fake (its own status,
//     throttling and faults); answers in the reverse of the requests'
//     order (Graph's may come in any order: match them by id), each body
//     as JSON, text, or base64 for other content.
//
// Managed identity: AddManagedIdentity registers one, and the server
// answers as IMDS at IMDSPath (Metadata: true, api-version) and as App
// Service at IdentityEndpointPath (X-IDENTITY-HEADER: IdentityHeader(),
// api-version 2019-08-01), each with its own response and error shapes.
// TrustManagedIdentity adds the federated identity credential that lets an
// app accept the identity's token as its client assertion; the token
// endpoint checks a federated assertion's issuer, subject, audience and
// signature against the app's federated identity credentials.
//
// Query options on users and groups follow Graph's documented behaviour
// for directory objects: $filter (eq, ne, not, in, startswith, endswith,
// ge, le, and, or), $orderby, $search, $count and /$count, $select, $top,
// paging by @odata.nextLink, and OData casts on memberOf, members and
// their transitive forms (/me/memberOf/microsoft.graph.group, or
// graph.group as msgraph-sdk-go writes it). Operators and properties that Graph allows
// only in advanced queries need ConsistencyLevel: eventual and $count=true,
// and are refused without them (400 Request_UnsupportedQuery) as Graph
// refuses them; so are properties that cannot be filtered or sorted, and
// syntax and type errors (400 BadRequest, "Invalid filter clause: …").
// $count=true without ConsistencyLevel is ignored, as Graph ignores it. An
// option the fake does not implement ($expand, lambda operators such as
// any, $filter on members) is refused with 400 saying so, never ignored.
// Unknown paths answer Graph's "Resource not found for the segment".
//
// Delta queries return every object, then what changed since the delta
// link (deleted objects as @removed, group membership as members@delta);
// a link older than Options.DeltaRetention (seven days) is answered 410
// with syncStateNotFound. [Server.Throttle] makes Graph answer 429 with
// Retry-After per app and tenant, app, tenant or mailbox, and throttles
// again a client that retries before Retry-After has passed;
// [Server.EarlyRetries] counts those. Fault.Path injects faults on Graph
// paths. Users, groups and grants are one directory model that the token
// issuer and Graph both read: a user deleted or disabled through Graph
// cannot sign in, a password reset revokes refresh tokens, a revoked role
// is missing from the next token.
//
// The command fakeentra in the directory below serves the same fake as a
// standalone process, for tests in other languages, which steer it over an
// HTTP control API on a port of its own (Tenants, Apps, AddSecret and
// AddCertificate exist for it, beside the setup methods above).
package graphauthtest
