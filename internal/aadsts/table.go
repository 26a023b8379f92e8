package aadsts

// Where in the Microsoft Entra admin center (entra.microsoft.com).
const (
	PortalCreds   = "Microsoft Entra admin center > App registrations > (your app) > Certificates & secrets"
	PortalAPI     = "Microsoft Entra admin center > App registrations > (your app) > API permissions"
	PortalAuth    = "Microsoft Entra admin center > App registrations > (your app) > Authentication"
	PortalOver    = "Microsoft Entra admin center > App registrations > (your app) > Overview"
	PortalFed     = "Microsoft Entra admin center > App registrations > (your app) > Certificates & secrets > Federated credentials"
	PortalEntApps = "Microsoft Entra admin center > Enterprise applications > (the app)"
	PortalCA      = "Microsoft Entra admin center > Protection > Conditional Access, and Monitoring > Sign-in logs"
	PortalUsers   = "Microsoft Entra admin center > Users > (the user)"
	PortalConsent = "Microsoft Entra admin center > Enterprise applications > Consent and permissions"
	PortalRequest = "Microsoft Entra admin center > Enterprise applications > Admin consent requests"
	PortalHybrid  = "Microsoft Entra admin center > Hybrid management > Microsoft Entra Connect"
)

// Commands that fix a code.
const (
	cmdAddPassword  = "POST https://graph.microsoft.com/v1.0/applications(appId='{client-id}')/addPassword {\"passwordCredential\": {\"displayName\": \"entrakit\"}}"
	cmdAdminConsent = "open https://login.microsoftonline.com/{tenant}/v2.0/adminconsent?client_id={client-id}&scope=https://graph.microsoft.com/.default&redirect_uri={redirect-uri}"
	cmdCreateSP     = "POST https://graph.microsoft.com/v1.0/servicePrincipals {\"appId\": \"{resource-app-id}\"}"
	cmdEnableSP     = "PATCH https://graph.microsoft.com/v1.0/servicePrincipals(appId='{client-id}') {\"accountEnabled\": true}"
	cmdUploadCert   = "az ad app credential reset --id {client-id} --cert @cert.pem --append"
	cmdFedCred      = "POST https://graph.microsoft.com/v1.0/applications(appId='{client-id}')/federatedIdentityCredentials {\"name\": \"...\", \"issuer\": \"{iss}\", \"subject\": \"{sub}\", \"audiences\": [\"api://AzureADTokenExchange\"]}"
	cmdRevokeUser   = "POST https://graph.microsoft.com/v1.0/users/{id}/revokeSignInSessions"
)

// Remedies that several codes share.
const (
	actTransient  = "Retry with exponential backoff; if it keeps failing for more than a few minutes, check https://status.azure.com and open a support request with the trace ID."
	actSignIn     = "Send the user through the interactive sign-in again; a silent or refresh-token request cannot get past this."
	actPKCE       = "Send the code_verifier that produced this sign-in's code_challenge (kept with its state), S256, 43 to 128 characters."
	actOnPrem     = "Check the on-premises authentication agents (pass-through authentication) are running and reach the domain controllers, then retry."
	actGetConsent = "Have a Global Administrator or Privileged Role Administrator of the tenant grant admin consent for the app, then ask for a new token."
)

// table lists the AADSTS codes the kit explains, from Microsoft's error
// code reference (https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
// and the codes the platform is seen to send; every remedy names what to
// change. Keep one entry per code.
var table = []Entry{
	// The app's credential.
	{7000215, Credential, "The client secret is wrong; most often the secret's ID was pasted instead of its value.", "Copy the secret's Value (shown once, when it is created) into the configuration, or add a new secret and use its value.", PortalCreds, cmdAddPassword},
	{7000222, Credential, "The client secret has expired.", "Add a new client secret (or, better, a certificate), put it in the configuration, then delete the expired one.", PortalCreds, cmdAddPassword},
	{7000218, Credential, "The request carried no client credential: the app is confidential, but no secret or certificate assertion was sent.", "Configure the app's client secret or certificate; turn on 'Allow public client flows' only for an app that truly is a public client.", PortalAuth, ""},
	{700027, Credential, "The client assertion was signed with a key the app does not have: the certificate's thumbprint is not among the app's certificates, or, with subject name and issuer (SNI) authentication, the x5c chain was not sent or its issuer is not trusted for the app.", "Upload the certificate's public part (.cer or .pem) to the app and use the key that matches its thumbprint; for subject name and issuer authentication, set CertificateOptions.SendCertificateChain so that the assertion carries the x5c chain.", PortalCreds, cmdUploadCert},
	{700024, Credential, "The client assertion is outside its valid time range: the machine's clock is off, or an assertion was reused after it expired.", "Synchronise the machine's clock (NTP) and build a new assertion for every token request, with nbf and exp in UTC; sending the same assertion again fails the same way.", "", ""},
	{1000502, Credential, "The certificate that signed the client assertion is outside its validity window: it has expired or is not yet valid.", "Create a new certificate, upload its public part to the app and configure its key; keep the next one uploaded before this one expires (or let a rotator do it).", PortalCreds, cmdUploadCert},
	{7000214, Credential, "The certificate that signed the client assertion has been revoked.", "Create a new certificate, upload its public part to the app, configure its key, and remove the revoked one from the app.", PortalCreds, cmdUploadCert},
	{7000277, Credential, "The certificate that signed the client assertion has been revoked by its issuer.", "Have the issuing CA issue a new certificate (or create a self-signed one), upload its public part to the app and configure its key.", PortalCreds, cmdUploadCert},
	{7000274, Credential, "The client assertion's signature does not verify with the key the app holds for its thumbprint.", "Sign with the private key that belongs to the uploaded certificate (a renewed certificate keeps its subject but not its key), or upload the certificate whose key signs.", PortalCreds, cmdUploadCert},
	{50012, Credential, "The client assertion is not valid: its audience, signature or certificate chain is wrong.", "Sign the assertion with the registered certificate's key, with aud set to the token endpoint you post to.", PortalCreds, ""},
	{700021, Credential, "The client assertion was issued for another client ID.", "Set the assertion's iss and sub to the app's client ID.", "", ""},
	{50048, Credential, "The client assertion's subject does not match its issuer.", "Set both iss and sub of the assertion to the app's client ID.", "", ""},
	{50027, Credential, "The client assertion is not a valid JWT.", "Send a signed compact JWT as client_assertion; for workload identity, check that the token file holds the token itself, not JSON around it.", "", ""},
	{500133, Credential, "The assertion is not within its valid time range.", "Synchronise the clock, and get a new assertion (or user token) before it expires.", "", ""},
	{70021, Credential, "No federated identity credential of the app matches the presented token: its issuer, subject or audience differ.", "Add a federated credential with the workload token's exact issuer and subject, and audience api://AzureADTokenExchange.", PortalFed, cmdFedCred},
	{700211, Credential, "No federated identity credential of the app has the presented token's issuer.", "Add a federated credential whose issuer is exactly the token's iss (scheme, host and path, no trailing slash unless the token has one).", PortalFed, cmdFedCred},
	{700212, Credential, "No federated identity credential of the app has the presented token's audience.", "Request the workload token for audience api://AzureADTokenExchange, or add its audience to the federated credential.", PortalFed, cmdFedCred},
	{700213, Credential, "No federated identity credential of the app has the presented token's subject.", "Add a federated credential whose subject is exactly the token's sub (for Kubernetes: system:serviceaccount:{namespace}:{name}).", PortalFed, cmdFedCred},
	{70025, Credential, "The app has no federated identity credentials, yet a federated token was presented as its assertion.", "Add a federated credential for the workload's issuer and subject.", PortalFed, cmdFedCred},
	{700025, Credential, "A public client sent a secret or an assertion.", "Stop sending a credential from the public client, or register the app as a web (confidential) app.", PortalAuth, ""},
	{50032, Credential, "The certificate's RSA key is too weak.", "Create a certificate with an RSA key of at least 2048 bits and upload it to the app.", PortalCreds, cmdUploadCert},
	{700030, Credential, "The certificate's subject name is not authorised for the app (subject name and issuer authentication).", "Use a certificate whose subject the app's trustedCertificateSubjects lists, or upload this certificate to the app.", PortalCreds, ""},
	{50017, Credential, "The certificate could not be validated: its chain is incomplete or its issuer is not trusted.", "Send the full chain (CertificateOptions.SendCertificateChain) issued by a trusted CA, or upload the certificate to the app.", PortalCreds, ""},

	// The app, the tenant, the cloud.
	{700016, NotMultiTenant, "The application was not found in the tenant: the client ID or tenant ID is wrong, or the app has no service principal there (no one consented yet, or it was removed).", "Check the Application (client) ID and Directory (tenant) ID on the app's Overview page; for a multi-tenant app, have an administrator of that tenant grant admin consent; right after creating the app, wait a minute for replication.", PortalOver, cmdAdminConsent},
	{700011, 0, "The client application was not found in the tenant of the organization.", "Check the client ID and tenant ID; for a multi-tenant app, have an administrator of that tenant grant admin consent.", PortalOver, cmdAdminConsent},
	{7000112, 0, "The app's service principal is disabled in the tenant.", "Set 'Enabled for users to sign in' to Yes on the enterprise application.", PortalEntApps, cmdEnableSP},
	{70001, 0, "The application is disabled or deleted in the tenant.", "Re-enable the app's service principal in that tenant, or restore the deleted app from Deleted applications within 30 days.", PortalEntApps, cmdEnableSP},
	{7000114, 0, "The app is not allowed to make application on-behalf-of calls.", "Use the on-behalf-of flow with a user token, or client credentials for app-only access.", "", ""},
	{90002, 0, "The tenant was not found: a typo in the tenant ID or domain, the tenant was deleted, or it lives in another cloud.", "Use the Directory (tenant) ID GUID from the app's Overview page, with the authority host of the tenant's cloud.", PortalOver, ""},
	{900023, 0, "The tenant identifier is neither a GUID nor a domain name.", "Use the Directory (tenant) ID GUID from the app's Overview page, or the tenant's verified domain.", PortalOver, ""},
	{90038, 0, "The tenant belongs to another national cloud.", "Use that cloud's authority host (such as login.microsoftonline.us or login.chinacloudapi.cn) and its Graph endpoint.", "", ""},
	{90051, 0, "The national cloud identifier in the request is not valid.", "Use the authority host of the tenant's cloud instead of naming the cloud in the request.", "", ""},
	{50128, 0, "The domain name carries no tenant: no tenant information was found in the request or the user name.", "Use the tenant ID or a verified domain of the tenant in the authority.", "", ""},
	{50059, 0, "No tenant was found in the request, and the user name named none.", "Put the tenant ID or domain in the authority instead of /common.", "", ""},
	{90019, 0, "No tenant information was found in the request.", "Use the tenant-specific authority (https://login.microsoftonline.com/{tenant-id}).", "", ""},
	{50194, NotMultiTenant, "The app is single-tenant, but was used through /common or /organizations, or by another tenant.", "Use the tenant-specific authority, or make the app multi-tenant under Supported account types.", PortalAuth, ""},
	{9001023, 0, "App-only tokens cannot be had from /common or /consumers.", "Put the tenant's ID (or domain) in the authority for client credentials.", "", ""},
	{90130, 0, "The app is not supported over the /common or /consumers endpoint.", "Use /organizations or the tenant's ID in the authority.", "", ""},
	{90124, 0, "The resource is not supported over the /common or /consumers endpoint.", "Use /organizations or the tenant's ID in the authority.", "", ""},
	{90010, 0, "The grant type is not supported over the /common or /consumers endpoint.", "Use the tenant-specific or /organizations authority.", "", ""},
	{65002, 0, "Consent between first-party Microsoft applications must be preauthorised: the app is reusing a Microsoft app ID.", "Register an application of your own and use its client ID.", "", ""},

	// Consent and permissions.
	{65001, 0, "Consent is missing: no administrator or user has consented to the permissions asked for.", actGetConsent, PortalAPI, cmdAdminConsent},
	{65004, Cancelled, "The user or administrator declined to consent.", "Ask the administrator again, explaining why the app needs each permission.", "", ""},
	{65005, MissingServiceSetup, "The app asks for a resource that its required permissions do not list, or that the tenant has not subscribed to.", "Add the resource's permission to the app under API permissions, and make sure the tenant has the service; then consent again.", PortalAPI, ""},
	{90094, NotAdministrator, "The permissions need an administrator's consent, and the signed-in user is not an administrator.", "Have a Global Administrator or Privileged Role Administrator grant admin consent.", PortalAPI, cmdAdminConsent},
	{90095, NotAdministrator, "An administrator must approve the request (the admin consent workflow is on).", "Have an administrator approve the pending request.", PortalRequest, ""},
	{90099, NotAdministrator, "The application has not been authorised in the tenant.", actGetConsent, PortalAPI, cmdAdminConsent},
	{90008, 0, "The user's sign-in to the app needs the app to hold the sign-in permission, which was not consented.", "Add Microsoft Graph User.Read to the app and consent to it.", PortalAPI, ""},
	{650052, MissingServiceSetup, "The tenant lacks the service principal of a resource the app needs: the service (such as Teams) has never been used there, or is not subscribed.", "Create the resource's service principal in the tenant, wait a few minutes for it to replicate, then consent again.", PortalEntApps, cmdCreateSP},
	{650051, MissingServiceSetup, "The app needs a service that the tenant has not subscribed to.", "Subscribe to the service in the tenant (or create its service principal), then consent again.", PortalEntApps, cmdCreateSP},
	{500011, MissingServiceSetup, "The resource's service principal was not found in the tenant (the API is not provisioned there), or the resource URI is wrong.", "Create the resource's service principal, or have an administrator consent to the app in that tenant; check the resource URI in the scope.", PortalEntApps, cmdCreateSP},
	{500014, 0, "The service principal of the resource is disabled in the tenant.", "Re-enable the resource's enterprise application in the tenant.", PortalEntApps, ""},
	{50001, 0, "The resource is disabled or does not exist.", "Check the resource URI in the scope (such as https://graph.microsoft.com/.default), and that the resource app is enabled.", "", ""},
	{650056, 0, "The app is misconfigured: the resource is not among its required permissions, or they were not consented.", "Add the API permission to the app under API permissions and grant admin consent.", PortalAPI, cmdAdminConsent},
	{650057, 0, "The resource is not among the app's required permissions.", "Add the API permission to the app under API permissions and grant admin consent.", PortalAPI, cmdAdminConsent},
	{650053, 0, "The app asked for a scope that the resource does not have.", "Ask only for scopes that the resource publishes; for Microsoft Graph, use the exact permission names.", PortalAPI, ""},
	{70011, 0, "The scope is not valid.", "Ask for scopes of one resource, such as https://graph.microsoft.com/User.Read, or the resource's /.default.", "", ""},
	{1002012, 0, "App-only (client credentials) scopes must be the resource followed by /.default.", "Ask for https://graph.microsoft.com/.default; the permissions come from the app's consented application permissions.", "", ""},
	{700022, 0, "The scope names more than one resource.", "Ask for one resource's scopes per token request.", "", ""},
	{700023, 0, "The scope is not valid for this kind of request.", "Ask for the resource's /.default for app-only tokens, and named scopes for delegated ones.", "", ""},
	{28002, 0, "The scope of the token request is not valid.", "Ask for scopes of one resource, such as https://graph.microsoft.com/.default.", "", ""},
	{28003, 0, "The scope of the token request is empty.", "Send a scope, such as https://graph.microsoft.com/.default.", "", ""},
	{901002, 0, "The v1 'resource' parameter was sent to the v2 endpoint.", "Send scope={resource}/.default to /oauth2/v2.0/token, or resource= to the v1 /oauth2/token.", "", ""},

	// Redirects, codes and refresh tokens.
	{50011, RedirectNotRegistered, "The redirect URI does not match any registered for the app.", "Add the exact redirect URI (scheme, host, port, path and trailing slash) under Authentication, on the Web platform.", PortalAuth, ""},
	{500113, RedirectNotRegistered, "The app has no redirect URI registered.", "Add the redirect URI under Authentication, on the Web platform.", PortalAuth, ""},
	{900971, 0, "No redirect URI was sent.", "Send redirect_uri, the same in the authorize request and the code redemption.", "", ""},
	{70004, RedirectNotRegistered, "The redirect URI is not valid for the app.", "Register the exact redirect URI under Authentication and send that one.", PortalAuth, ""},
	{70008, 0, "The authorization code or refresh token has expired.", actSignIn, "", ""},
	{700082, 0, "The refresh token expired after going unused for too long.", actSignIn, "", ""},
	{700081, 0, "The refresh token reached its maximum lifetime.", actSignIn, "", ""},
	{700084, 0, "The refresh token was issued to a single-page app and has a fixed 24-hour lifetime.", actSignIn, "", ""},
	{54005, 0, "The authorization code was already redeemed (a double callback or a retry).", "Redeem each code once; get a new code by signing the user in again.", "", ""},
	{700005, 0, "The authorization code was redeemed on another tenant's endpoint than the one that issued it.", "Redeem the code on the same tenant path as the /authorize request.", "", ""},
	{70000, 0, "The grant is not valid: the code or refresh token was revoked, or issued for another client or scope.", actSignIn, "", ""},
	{70002, Credential, "The platform could not validate the client's credentials.", "Check the client ID and the configured secret or certificate against Certificates & secrets.", PortalCreds, ""},
	{70018, 0, "The device code's verification code is not valid.", "Have the user type the code shown, or start a new device code sign-in.", "", ""},
	{70019, 0, "The device code expired before the user signed in.", "Start a new device code sign-in and have the user finish it within 15 minutes.", "", ""},
	{70016, Retryable, "The device code sign-in is still waiting for the user.", "Keep polling the token endpoint at the interval the device code response gave.", "", ""},
	{50148, 0, "The PKCE code_verifier does not match the code_challenge.", actPKCE, "", ""},
	{501481, 0, "The PKCE code_verifier does not match the code_challenge.", actPKCE, "", ""},
	{501491, 0, "The PKCE code_challenge has an invalid size.", actPKCE, "", ""},
	{50149, 0, "The PKCE code_challenge_method is not valid.", actPKCE, "", ""},
	{50173, 0, "The grant was revoked: the user changed the password, or an administrator revoked the sessions.", actSignIn, PortalUsers, ""},
	{50132, 0, "The session is no longer valid: the password changed or the session expired.", actSignIn, "", ""},
	{50133, 0, "The session was revoked (password change, or an administrator's revocation).", actSignIn, PortalUsers, cmdRevokeUser},
	{70043, 0, "The refresh token is too old for a Conditional Access sign-in frequency policy.", actSignIn, PortalCA, ""},
	{700054, 0, "The app asked for an id_token, which is not enabled for it.", "Turn on ID tokens under Authentication (implicit grant and hybrid flows), or use the authorization code flow.", PortalAuth, ""},
	{70005, 0, "The response_type is not supported for the app.", "Use response_type=code (with PKCE); enable ID tokens under Authentication only if the app needs them.", PortalAuth, ""},
	{70007, 0, "The response_mode is not supported for this response type.", "Use response_mode=query or form_post with response_type=code.", "", ""},

	// The user.
	{50020, 0, "The user is not a member of the tenant, or a personal account was used where only work accounts are allowed.", "Invite the user as a guest, or have the user sign in to their own tenant.", PortalUsers, ""},
	{50034, 0, "The user account does not exist in the directory.", "Check the user name and tenant; create or invite the user.", PortalUsers, ""},
	{50057, 0, "The user account is disabled.", "Enable the account (Account enabled = Yes).", PortalUsers, ""},
	{50053, 0, "The account is locked: too many failed sign-ins, or sign-ins from a malicious IP address.", "Wait for the lockout to end (smart lockout lasts a minute or more), then sign in; reset the password if the attempts were not the user's.", PortalUsers, ""},
	{50055, 0, "The user's password has expired.", "Have the user change the password, or an administrator reset it.", PortalUsers, ""},
	{50144, 0, "The user's on-premises Active Directory password has expired.", "Have the user change the password on-premises, then let it synchronise.", PortalUsers, ""},
	{50126, 0, "The user name or password is wrong.", "Check the credentials; reset the password if needed.", PortalUsers, ""},
	{50056, 0, "The password is missing or not valid.", "Have the user enter the password again, or reset it.", PortalUsers, ""},
	{50105, 0, "The user is not assigned to the app, and assignment is required.", "Assign the user or one of their groups to the app under Users and groups.", PortalEntApps, ""},
	{50058, 0, "A silent sign-in was asked for, but no user is signed in.", actSignIn, "", ""},
	{16000, 0, "The account in the request is not in the tenant, or several accounts are signed in.", actSignIn, "", ""},
	{16001, 0, "The account selected is not valid for this request.", actSignIn, "", ""},
	{50014, 0, "The guest user's invitation has not been redeemed yet.", "Have the guest redeem the invitation (or resend it).", PortalUsers, ""},
	{51004, 0, "The user account is not in the directory.", "Check the user name and tenant; invite the user.", PortalUsers, ""},
	{500208, 0, "The domain is not valid for this type of account.", "Sign in with an account of the tenant's domain.", "", ""},
	{90072, 0, "The external account is not in the tenant.", "Invite the user as a guest of the tenant, or use the user's home tenant.", PortalUsers, ""},
	{54000, 0, "The user is a minor, and the tenant's legal age group rules block the sign-in.", "Obtain the parental consent the tenant requires.", PortalUsers, ""},

	{50064, 0, "The user name or password could not be validated.", "Have the user sign in again with the right password; reset it if it is unknown.", PortalUsers, ""},
	{50089, 0, "The sign-in took too long and its flow token expired.", "Have the user start the sign-in again and finish it without a long pause.", "", ""},
	{50125, 0, "The sign-in was interrupted: the user must register for self-service password reset.", "Have the user register at https://aka.ms/ssprsetup, then sign in again.", "", ""},
	{50127, 0, "A broker app (such as Microsoft Authenticator or Company Portal) must be installed for this sign-in.", "Install the broker app on the device, then sign in again.", "", ""},
	{50129, 0, "The device is not workplace-joined, which this sign-in requires.", "Register (workplace-join) the device, then sign in again.", PortalCA, ""},
	{50135, 0, "The user must change the password: the account is at risk.", "Have the user change the password through the sign-in page.", PortalUsers, ""},
	{50140, 0, "The sign-in was interrupted by the 'Stay signed in?' prompt.", actSignIn, "", ""},
	{50143, 0, "The session does not match the user or tenant the request named.", actSignIn, "", ""},
	{50155, 0, "Device authentication failed for the user.", "Re-register the device, then sign in again.", PortalCA, ""},
	{50169, 0, "The realm is not a configured realm of the tenant.", "Use a domain the tenant has verified in the authority or the user name.", "", ""},
	{50199, 0, "The platform asks the user to confirm the sign-in, for the app's security.", actSignIn, "", ""},
	{51006, 0, "The session's authentication is not strong enough (Windows Integrated Authentication is required).", actSignIn, "", ""},
	{700020, 0, "The access grant requires the user's interaction.", actSignIn, "", ""},
	{700003, 0, "The device object was not found in the tenant's directory.", "Register the device again, then sign in.", PortalCA, ""},
	{140000, 0, "The request's nonce is not valid.", "Start the sign-in again with a fresh nonce.", "", ""},
	{90123, 0, "The identity provider denied the access.", "Check the federated identity provider's sign-in logs for why.", "", ""},

	// MFA, Conditional Access and policy.
	{50076, 0, "Multi-factor authentication is required.", "Have the user complete MFA interactively; for automation use app-only credentials, or exclude the workload from the policy.", PortalCA, ""},
	{50074, 0, "Strong authentication (MFA) is required.", "Have the user complete MFA interactively.", PortalCA, ""},
	{50079, 0, "The user must register for multi-factor authentication.", "Have the user register security info at https://aka.ms/mysecurityinfo.", "", ""},
	{50072, 0, "The user must enrol for multi-factor authentication.", "Have the user register security info at https://aka.ms/mysecurityinfo.", "", ""},
	{50078, 0, "The multi-factor authentication presented has expired.", actSignIn, "", ""},
	{50158, 0, "An external security challenge (such as a third-party MFA) was not satisfied.", actSignIn, PortalCA, ""},
	{53000, 0, "Conditional Access requires a compliant device.", "Enrol the device in Intune and make it compliant, or sign in from a compliant device.", PortalCA, ""},
	{53001, 0, "Conditional Access requires a domain-joined device.", "Sign in from a hybrid-joined device.", PortalCA, ""},
	{53002, 0, "Conditional Access requires an approved client app.", "Sign in with an approved client app.", PortalCA, ""},
	{53003, BlockedByPolicy, "Conditional Access blocked the sign-in (policies for workload identities included).", "Find the policy that applied in the sign-in logs, and exclude or allow this app, user or location.", PortalCA, ""},
	{53004, 0, "The user must complete MFA registration, which is blocked by risk.", "Have an administrator remediate the user's risk, then register security info.", PortalCA, ""},
	{53011, BlockedByPolicy, "The user is blocked because of risk in their home tenant.", "Have the home tenant's administrator remediate the user's risk.", PortalCA, ""},
	{530032, BlockedByPolicy, "A security policy of the tenant blocks this request.", "Review the tenant's security defaults, user consent settings and Conditional Access policies.", PortalCA, ""},
	{530035, BlockedByPolicy, "Security defaults block this request.", "Review the tenant's security defaults (Properties > Manage security defaults).", "", ""},
	{530002, 0, "Conditional Access requires a compliant device.", "Enrol the device and make it compliant.", PortalCA, ""},
	{530003, 0, "Conditional Access requires a managed device.", "Sign in from a device the organisation manages.", PortalCA, ""},
	{500021, BlockedByPolicy, "Tenant restrictions block access to this tenant.", "Allow the tenant in the organisation's tenant restrictions policy.", "", ""},
	{50097, 0, "Device authentication is required.", "Sign in from a registered or joined device.", PortalCA, ""},
	{50131, BlockedByPolicy, "Conditional Access refused the request.", "Find the policy that applied in the sign-in logs and satisfy or adjust it.", PortalCA, ""},

	// Requests the platform rejects.
	{9002313, 0, "The request was malformed, or the code or refresh token in it is not valid.", "Check the request's parameters and their URL encoding; sign in again if a code or refresh token was sent.", "", ""},
	{900144, 0, "A required parameter is missing from the request.", "Add the parameter that the platform's message names (such as client_id, grant_type or scope).", "", ""},
	{900561, 0, "The token endpoint was called with GET.", "POST the request to the token endpoint, form-encoded.", "", ""},
	{90056, 0, "The token request must be a POST.", "POST the request to the token endpoint, form-encoded.", "", ""},
	{70003, 0, "The grant type is not supported.", "Use client_credentials, authorization_code or refresh_token.", "", ""},
	{90014, 0, "A required field is missing from the request.", "Add the field that the platform's message names.", "", ""},
	{90015, 0, "The query string is too long.", "Ask for fewer scopes, or shorten the state parameter.", "", ""},
	{90023, 0, "The request is not valid.", "Check the request against the endpoint's documented parameters.", "", ""},
	{90100, 0, "A parameter of the request is empty or not valid.", "Check the parameter the platform's message names.", "", ""},
	{90117, 0, "The request's input is not valid.", "Check the request against the endpoint's documented parameters.", "", ""},
	{50029, 0, "The URI is not valid: the domain name holds characters it may not.", "Fix the URI the platform's message names.", "", ""},
	{90016, 0, "A claim the platform requires is missing from the token presented.", "Present a token with the required claims (for on-behalf-of: a user's access token for this app).", "", ""},

	{90004, 0, "The request is not properly formatted.", "Form-encode the request body and send each parameter once.", "", ""},
	{90009, 0, "The app asks for a token for itself by an identifier that is not its app ID GUID.", "Ask for the token with the app's client ID GUID as the resource (api://{client-id}/.default).", "", ""},
	{90013, 0, "The user's input is not valid.", "Have the user correct the value the sign-in page names.", "", ""},
	{90027, 0, "Tokens cannot be issued from this API version for personal Microsoft accounts.", "Use the v2.0 endpoint (/oauth2/v2.0/token) for personal accounts.", "", ""},
	{90043, 0, "An authorization code from a national cloud was redeemed in another cloud.", "Redeem the code at the authority host of the cloud that issued it.", "", ""},
	{90120, 0, "The device code request is not valid.", "Start a new device code flow with the app's client ID and scopes.", "", ""},
	{900382, 0, "A confidential client cannot make cross-cloud requests.", "Use an app registered in the tenant's own cloud.", "", ""},
	{50013, 0, "The assertion (an on-behalf-of user token) is not valid: wrong issuer, audience or signature, or expired.", "Send a current access token issued for this app (its aud is the app's client ID or App ID URI).", "", ""},
	{90093, 0, "Microsoft Graph refused the directory lookup the sign-in needed (the user is not authorised for it).", "Have an administrator grant the permission the sign-in needs, or check the user's access.", PortalAPI, ""},

	// Throttling and transient failures.
	{50196, 0, "The platform detected a loop: the same token request many times in a short time.", "Cache tokens and reuse them until shortly before they expire, instead of asking for one per call.", "", ""},
	{90055, Retryable, "The tenant is being throttled.", "Lower the request rate; retry after a pause.", "", ""},
	{50166, Retryable, "An external claims provider is throttling.", "Retry after a pause.", "", ""},
	{50033, Retryable, "A transient error of the platform (a retry was needed).", actTransient, "", ""},
	{90006, Retryable, "A transient error of the platform.", actTransient, "", ""},
	{90024, Retryable, "A transient error of the platform.", actTransient, "", ""},
	{90033, Retryable, "A transient error of the platform.", actTransient, "", ""},
	{90090, Retryable, "A transient error of the platform.", actTransient, "", ""},
	{50087, Retryable, "A transient error of the platform.", actTransient, "", ""},
	{50000, Retryable, "The sign-in service had a problem issuing the token.", actTransient, "", ""},
	{70012, Retryable, "A server error while authenticating a personal Microsoft account.", actTransient, "", ""},
	{90036, 0, "An unrecoverable error in the directory service.", "Open a support request with the trace ID; retrying does not help.", "", ""},
	{90092, 0, "An unrecoverable error reading the directory.", "Open a support request with the trace ID.", "", ""},
	{40010, Retryable, "The federated identity provider had a transient server error.", actTransient, "", ""},
	{40008, 0, "The federated identity provider failed with an error that retrying does not fix.", "Check the federated identity provider's configuration and logs.", "", ""},

	// Hybrid (pass-through authentication, federation).
	{80001, Retryable, "The on-premises authentication agent could not be reached.", actOnPrem, PortalHybrid, ""},
	{80002, Retryable, "The on-premises password validation timed out.", actOnPrem, PortalHybrid, ""},
	{80005, Retryable, "The on-premises authentication agent hit an unexpected network error.", actOnPrem, PortalHybrid, ""},
	{80007, 0, "The on-premises authentication agent could not validate the password.", "Check the agent's logs and that it reaches the domain controllers.", PortalHybrid, ""},
	{80012, 0, "The user may not sign in at this time of day (on-premises logon hours).", "Change the user's logon hours in Active Directory, or sign in within them.", "", ""},
	{80013, 0, "The on-premises password validation failed because of clock skew.", "Synchronise the clocks of the authentication agent and the domain controllers.", PortalHybrid, ""},
	{80014, Retryable, "The on-premises validation took longer than allowed.", actOnPrem, PortalHybrid, ""},
	{50107, 0, "The federation realm object was not created for the domain.", "Configure the domain's federation settings (Set-MgDomainFederationConfiguration).", PortalHybrid, ""},

	// Seen in public issue threads; not in the table before.
	{5000224, 0, "The tenant is not available: it was deleted, or is being deleted or moved.", "Check with the customer that the tenant still exists; a deleted tenant cannot be onboarded again, remove it from the product's records.", "", ""},
	{50146, 0, "The app must be configured with an application-specific signing key: a claims-mapping policy customises its tokens.", "Set acceptMappedClaims to true in the app's manifest, or give the app a custom signing key, or remove the claims-mapping policy.", PortalEntApps, ""},
	{7000110, 0, "The request is ambiguous: several applications share the identifier (App ID URI) the request names.", "Make the App ID URI unique across the tenant's app registrations, or ask for the resource by its app ID.", PortalOver, ""},
	{9002326, 0, "A token was redeemed from a browser (cross-origin) for a redirect URI that is not a single-page application's.", "Register the redirect URI under the Single-page application platform, or redeem the code from the server.", PortalAuth, ""},
	{9002331, 0, "The app accepts personal Microsoft accounts only, and a work or school account signed in.", "Change the app's supported account types (signInAudience) to include organisational accounts, or sign in with a personal account.", PortalAuth, ""},
	{135011, 0, "The device the user signed in from is disabled in the directory.", "An administrator enables the device under Devices > All devices, or the user signs in from another device.", "Microsoft Entra admin center > Devices > All devices", ""},
	{500571, 0, "The guest user's account is disabled.", "An administrator enables the guest account (accountEnabled), or invites the user again.", PortalUsers, ""},
	{50005, 0, "Conditional Access blocks the device platform the user signed in from.", "Sign in from a platform the policy allows, or review the policy's device platform condition.", PortalCA, ""},
}
