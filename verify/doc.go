// Package verify is what a "Verify" button next to the tenant ID and client
// ID fields runs: it checks an app registration and its credential, and
// turns any failure into a Diagnosis that tells the administrator what to
// fix, where.
//
//	report := verify.Run(ctx, cred, verify.Requirements{Roles: []string{"User.Read.All"}, ProbeGraph: true},
//		&verify.Options{Config: &cfg})
//	fmt.Print(report.Text()) // or report.JSON() for a product's UI
//	if report.Failed() { ... }
//
// Run's checks, in order (their IDs are the CheckX and ProbeX constants):
// configuration (IDs, the secret's shape — a GUID is the secret's ID pasted
// by mistake —, the certificate's validity, expiry, key and SHA-1
// thumbprint, from a file or held in memory, the permission names),
// authentication (a token fresh from the platform, never a cached one, so
// that a permission granted a moment ago shows; on AADSTS700027 the
// thumbprint in use), the token's identity, its roles against the required
// and optional application permissions and its scp against the delegated
// ones (missing required ones fail, missing optional ones and extra ones
// warn; Report.Permissions shows granted against needed), an optional
// Graph call per permission family (users, groups, domains, organization,
// subscribed SKUs, reports, applications) reporting the exact call and
// answer, and the credentials registered on the app with their expiry,
// when the app may read its registration.
//
// With Requirements.LeastPrivilege (the set a product's recorded calls
// need, from registration.Recorder) Run also compares the token's
// permissions with Microsoft's permission map: missing ones, with the
// calls that need them, fail; excess ones warn ("has Group.ReadWrite.All;
// the calls made need only GroupMember.Read.All"). ComparePermissions does
// the same for any list of granted names.
//
// Diagnose explains any error from the kit: ~75 AADSTS codes of app-only,
// sign-in and consent flows, Microsoft Graph's 401/403/404/429/5xx (a 403
// names the permissions to grant), configuration and network failures.
package verify
