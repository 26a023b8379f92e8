package verify

// The IDs of Run's checks (Check.ID), stable across releases: a product's
// UI may key on them. Checks appear in this order; a check that cannot run
// is reported as skipped, with the reason in its Detail.
const (
	// CheckConfig stands for the configuration checks when no Config was
	// given (skipped).
	CheckConfig = "config"
	// CheckTenantID: the directory (tenant) ID is a GUID or a domain.
	CheckTenantID = "config.tenant_id"
	// CheckClientID: the application (client) ID is a GUID.
	CheckClientID = "config.client_id"
	// CheckSecret: the client secret's shape (not empty, not the secret's
	// ID, no stray white space).
	CheckSecret = "config.secret"
	// CheckCertificate: the certificate (from Config's file or
	// Options.Certificate) is valid now and for ExpiryWarning, and its key
	// matches; the detail shows its SHA-1 thumbprint as the portal does.
	CheckCertificate = "config.certificate"
	// CheckPermissionNames: the required and optional permission names are
	// Microsoft Graph permissions.
	CheckPermissionNames = "config.permissions"
	// CheckAuthentication: a fresh token from the platform (never a cached
	// one), and from which tenant.
	CheckAuthentication = "auth.token"
	// CheckTokenIdentity: the token is for the configured app and tenant.
	CheckTokenIdentity = "token.identity"
	// CheckTokenPermissions: the token's application permissions (roles)
	// against Requirements.Roles and OptionalRoles.
	CheckTokenPermissions = "token.permissions"
	// CheckTokenScopes: the token's delegated permissions (scp) against
	// Requirements.Scopes and OptionalScopes.
	CheckTokenScopes = "token.scopes"
	// CheckLeastPrivilege: the token's permissions against the least
	// privileged set of the product's calls (Requirements.LeastPrivilege).
	CheckLeastPrivilege = "token.least_privilege"
	// CheckGraph: the Graph client could not be set up (failed), or no
	// permission required has a probe (skipped).
	CheckGraph = "graph"
	// CheckProbe is the prefix of the Graph probes' IDs; the family
	// follows: see the ProbeX constants.
	CheckProbe = "graph.probe"
	// CheckRegisteredCredentials: the secrets and certificates registered
	// on the app, their expiry, and whether the local certificate is one.
	CheckRegisteredCredentials = "registration.credentials"
)

// The Graph probes' check IDs, one per permission family: each reports the
// exact call made and Graph's answer.
const (
	ProbeUsers         = CheckProbe + ".user"          // GET /users?$top=1&$select=id
	ProbeGroups        = CheckProbe + ".group"         // GET /groups?$top=1&$select=id
	ProbeDomains       = CheckProbe + ".domain"        // GET /domains
	ProbeOrganization  = CheckProbe + ".organization"  // GET /organization?$select=id
	ProbeReports       = CheckProbe + ".reports"       // GET /reports/getOffice365ActiveUserDetail(period='D7')
	ProbeSubscribedSKU = CheckProbe + ".subscribedsku" // GET /subscribedSkus
	ProbeApplications  = CheckProbe + ".application"   // GET /servicePrincipals(appId='{client}')?$select=id
)
