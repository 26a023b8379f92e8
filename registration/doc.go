// Package registration makes an app registration typed and checkable: the
// Microsoft Graph permission catalog, the application model and its
// requiredResourceAccess, certificates and thumbprints, ID and secret
// checks, and a Graph client that automates what an administrator would
// otherwise click through in the portal.
//
//	perms, err := registration.ResolveGraphPermissions([]string{"User.Read.All"}, nil) // "Group.ReadAll"? did you mean "Group.Read.All"
//	client, err := registration.NewClient(cred, nil)                                  // any graphauth credential
//	app, err := client.CreateApp(ctx, registration.App{DisplayName: "sync", Permissions: perms})
//	_, _, err = client.EnsureServicePrincipal(ctx, app.AppID)
//	secret, err := client.AddPassword(ctx, app.ObjectID, "ci", time.Time{}) // the value, shown once
//	err = client.GrantAppRoles(ctx, app.AppID, registration.MicrosoftGraphAppID, "User.Read.All")
//
// The catalog is generated from Microsoft Graph's service principal: 716
// application roles and 807 delegated scopes with their IDs, display names
// and admin-consent flags. The same name has different IDs as an application
// role and a delegated scope, so look-ups key on the kind too.
//
// Least privilege: LeastPrivilege answers, for one Graph call and scheme,
// the least privileged permission from Microsoft's own permission map
// (generated into internal/graphperm: 7,263 path templates), and a Recorder
// under graphauth.Transport notes the calls a product's tests make so that
// Permissions derives the set they need, as a ready requiredResourceAccess:
//
//	rec := &registration.Recorder{Base: srv.Client().Transport}
//	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: rec}}
//	// … run the product against the fake platform …
//	set, err := rec.Permissions(registration.SchemeApplication) // err lists calls outside the map
//	app := registration.App{DisplayName: "sync", Permissions: set.Permissions}
//
// A call the map does not have is an *UnknownCallError, never a guess.
//
// Certificates: NewSelfSignedCertificate makes one, PEM and PFX export it
// with its key, CER is the file to upload, Thumbprint is what the portal
// shows, and MatchRegistered tells whether a local certificate is the one
// registered (AADSTS700027 otherwise).
//
// An app may manage its own credentials: RemovePassword, AddKey and
// RemoveKey (proven with a certificate the app already has, see Proof), and
// federated identity credentials (AddFederatedCredential,
// ManagedIdentityFederation for a managed identity). Rotator renews the
// app's secret, and NewCertificateRotator its certificate, before they
// expire: one replica of a fleet (a Lease) adds the new credential,
// switches its graphauth.SecretSlot or CertificateSlot, shares it through
// the Store, and the old one is removed after an overlap.
//
// The Graph client's refusals are *GraphError values with Graph's code,
// message and request ID; a 403 lists the permissions the calling app needs.
package registration
