// Package consent onboards customer tenants into a multi-tenant product
// through admin consent — the "Authorise" button — and keeps track of them —
// the "Authorised" tile.
//
//	h, err := consent.NewHandler(consent.Config{ClientID: id, RedirectURI: "https://console.example/consent/callback"},
//		consent.HandlerOptions{Key: key, ClientAuth: graphauth.ClientAuth{Secret: secret}, Credential: cred,
//			Required: []string{"User.Read.All"}, Done: done})
//	mux.Handle("/onboard", h.Start())              // ?tenant=contoso.onmicrosoft.com pins the tenant; or any tenant
//	mux.Handle("/consent/callback", h.Callback())  // both legs: consent, then the sign-in that proves it
//
// URL builds the /{tenant}/v2.0/adminconsent URL; ParseCallback reads its
// redirect, checking the state first and letting an error win over
// admin_consent=True, into a Result or an *Error whose Reason says what the
// administrator should do (cancelled, not an administrator, app not
// multi-tenant, blocked by policy).
//
// The redirect carries no token: its tenant is a claim that anyone can
// type, and Confirm, which gets an app-only token there, shows that the app
// has a grant in the tenant, not that this browser's administrator gave it.
// So the Handler proves the tenant before it records it: after the consent
// it sends the browser to sign in at the claimed tenant (OpenID Connect with
// PKCE and a nonce) and accepts only an ID token whose tid is that tenant,
// and the one Start pinned if it pinned one. Then it confirms the grant
// with an app-only token there, and records the tenant and calls Done with
// a nil error only when that token carries the required roles (or, with
// none required, at least one): any user's own consent at sign-in gives
// the app a service principal in the tenant, and with it role-less tokens,
// so a user who is not an administrator and skips the consent page ends
// with a *GrantError, as does a grant that has not reached tokens yet (try
// again in a few minutes). Each leg's state is checked, from a sealed
// single-use cookie, before any network request; the proving leg runs a
// few at a time, within a time bound and at a bounded rate (30 code
// redemptions a minute, 10 at once, by default; 503 with Retry-After
// beyond), so that forged callbacks cost the app nothing but a few refused
// code redemptions a minute.
//
// Handler.Redirect begins a round trip carrying the product's own state
// (which of its client records is being authorised), sealed with the rest
// and handed back in the Record. With HandlerOptions.Background the
// callback answers as soon as the tenant is proven, recording it
// StatusPending, and the confirmation moves it to StatusConfirmed or
// StatusFailed afterwards.
//
// A Registry (MemoryRegistry, FileRegistry, and redisregistry for a fleet
// of replicas) records which tenants consented, who proved it, when, to
// which roles, with which Status; Reverify checks them all again, several
// at a time, and marks a tenant that removed the app StatusRemoved.
// Incremental asks a signed-in user for more delegated scopes later.
package consent
