// Package entrakit is a kit for Go services that authenticate to Microsoft
// Graph (Microsoft Entra ID): daemons with a client secret or a certificate,
// web apps that sign users in, and multi-tenant products that onboard
// customer tenants through admin consent.
//
// The root package holds no code; the work is done by its packages:
//
//   - graphauth: token acquisition (client secret, certificate, assertion,
//     sign-in), the v2 scopes and the v1 resource form, caching, adapters
//     to azcore, x/oauth2 and http.RoundTripper, and ParseAuthority for the
//     tenant or URL an administrator pastes.
//   - msgraph: the kit's one Microsoft Graph client: GET with paging that
//     follows @odata.nextLink on Graph's host only, typed refusals
//     (ParseGraphError) naming the permissions a 403 needs, Retry-After
//     honoured within the caller's deadline, a span per request.
//     registration and verify call Graph through it.
//   - registration: the Graph permission catalog and app registration.
//   - verify: the checks of a "Verify" button, and Diagnose.
//   - consent: admin consent and its onboarding round trip.
//   - graphauth/graphauthtest: a fake Microsoft identity platform, and the
//     slice of Microsoft Graph the kit calls, shaped like net/http/httptest.
//     MSAL Go, azidentity and golang.org/x/oauth2 get tokens from it
//     unchanged, and it refuses what the real platform refuses, with the same
//     AADSTS codes. The command graphauth/graphauthtest/fakeentra serves it
//     as a standalone process for tests written in other languages.
//
// Start with examples/quickstart: "go run ./examples/quickstart" runs it
// against the fake platform, in-process, with no set-up.
package entrakit
