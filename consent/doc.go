// Package consent onboards customer tenants into a multi-tenant product
// through admin consent — the "Authorise" button — and keeps track of them —
// the "Authorised" tile.
//
//	h, err := consent.NewHandler(consent.Config{ClientID: id, RedirectURI: "https://console.example/consent/callback"},
//		consent.HandlerOptions{Key: key, Credential: cred, Required: []string{"User.Read.All"}, Done: done})
//	mux.Handle("/onboard", h.Start())              // ?tenant=contoso.onmicrosoft.com, or any tenant
//	mux.Handle("/consent/callback", h.Callback())  // checks, confirms, records, calls done
//
// URL builds the /{tenant}/v2.0/adminconsent URL; ParseCallback reads the
// redirect, checking the state first and letting an error win over
// admin_consent=True, into a Result or an *Error whose Reason says what the
// administrator should do (cancelled, not an administrator, app not
// multi-tenant, blocked by policy). The redirect's tenant is only a claim:
// Confirm proves it by getting an app-only token there and comparing its
// roles with the required ones, retrying while the grant propagates.
//
// A Registry (MemoryRegistry, FileRegistry) records which tenants consented,
// when, to which roles, and the last verification; Reverify refreshes it.
// Incremental asks a signed-in user for more delegated scopes later.
package consent
