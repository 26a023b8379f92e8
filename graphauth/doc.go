// Package graphauth gets access tokens for Microsoft Graph from Microsoft
// Entra ID, for services that call Graph as themselves (app-only) with a
// client secret, a certificate or a federated assertion.
//
//	cred, err := graphauth.NewClientSecretCredential(tenantID, clientID, graphauth.Secret(secret), nil)
//	if err != nil { ... } // a *ConfigError names the setting at fault
//	tok, err := cred.Token(ctx, graphauth.TokenRequest{}) // Graph's /.default in the app's tenant
//	client := &http.Client{Transport: &graphauth.Transport{Credential: cred}}
//
// Every credential implements [TokenCredential]. It validates its inputs in
// the constructor, so a credential that exists can work: a secret shaped
// like a GUID (the secret's ID, pasted instead of its value) is refused
// there, not by the platform later.
//
// Tokens are cached per (tenant, scopes). A cached Token call takes no lock
// and allocates nothing; concurrent misses for one key make one request; a
// token is refreshed in the background once due (the platform's refresh_in,
// or half its lifetime less jitter) while callers keep the valid one, and an
// expired token is never returned. MSAL Go does the protocol underneath,
// with its own cache turned off. Options.Store shares tokens between the
// replicas of a service (see package tokenstore).
//
// A 429 or 503 with Retry-After blocks its tenant and scopes until the wait
// is over: callers get the valid cached token, or at once an *AuthError that
// wraps [ErrThrottled], and nothing is sent. An answer no platform would send
// (an expires_in of zero or beyond two days, HTML from a proxy) is an
// *AuthError wrapping [ErrUnexpectedResponse], never a panic. Close a
// credential when done with it: Close stops its background work and forgets
// its tokens.
//
// [FromEnv] and [NewCredential] pick the flow from the AZURE_* variables
// azidentity users already set; [Flows] adds an application's own. Adapters
// make a credential an azcore.TokenCredential ([AzCore]), an
// oauth2.TokenSource ([OAuth2]) or an http.RoundTripper ([Transport]) that
// answers continuous access evaluation challenges and sends the token only
// to the hosts it is meant for (Graph's, by default), never across a
// redirect to another host.
//
// [NewFallbackCredential] takes an ordered list of client credentials and
// moves to the next one when the platform refuses the one in use (an
// expired secret, an unknown certificate); [SecretFile] and
// [CertificateFile] are read again when their files change, and
// [SecretSlot] and [CertificateSlot] are switched by a rotator (package
// registration's Rotator) without a restart. [NewManagedIdentityCredential]
// gets tokens for an Azure resource's managed identity on MSAL Go's managed
// identity client, and [ManagedIdentityAssertion] makes that identity the
// client assertion of a multi-tenant app: no secret at all.
//
// [SignIn] signs users in with the authorization code and PKCE (state,
// nonce and the S256 challenge that MSAL's confidential AuthCodeURL leaves
// out), validates the ID token against the platform's keys, and keeps the
// user's tokens for later calls without a prompt; [SignIn.Handler] is the
// login and callback pair a web app mounts, with the per-sign-in state in an
// encrypted, single-use cookie bound to the browser that started the
// sign-in (a __Host- cookie over https). A sign-in may ask for scopes of
// several resources (Graph, Azure Service Management, the Office 365
// Management APIs) or for offline_access alone; [SignIn.Token] then gets
// each resource's token with the refresh token, [SignIn.Credential] serves
// them as a [TokenCredential] to the adapters, [SignIn.Accounts] lists who
// is signed in, and a refused scope is a *[ScopeError] saying which and
// what to do.
//
// Refusals are *[AuthError] values carrying the OAuth error, the AADSTS
// codes, trace and correlation IDs, and whether retrying can help. No error,
// log record or printed value holds a secret, an assertion or a token.
//
// Tests run against the fake platform in package graphauthtest: set
// Options.AuthorityHost to its URL and Options.HTTPClient to its Client.
package graphauth
