package verify

import "strings"

// fieldFix is where the right value of a configuration field comes from;
// the first entry whose field and reason match wins.
var fieldFix = []struct {
	match  []string // substrings of the field name, lower case
	reason string   // a substring of the reason, lower case; "" matches any
	action string
	portal string
}{
	{[]string{"certificate"}, "rsa key", "Create an RSA certificate (openssl req -x509 -newkey rsa:2048 -keyout key.pem -out cert.pem -days 365 -nodes -subj /CN=app), upload cert.pem to the app, and give %s the key and certificate.", portalCreds},
	{[]string{"certificate"}, "expired", "Create a new certificate, upload its public part to the app, give it to %s, then delete the expired one from the app.", portalCreds},
	{[]string{"certificate"}, "no private key", "Give %s the PFX, or the PEM holding the private key as well as the certificate; the .cer (public part) is what the app holds.", portalCreds},
	{[]string{"customer tenant"}, "", "Give the customer tenant's ID or primary domain (such as contoso.onmicrosoft.com), as its administrator finds them; or leave it empty, so that their sign-in chooses it.", "Microsoft Entra admin center, signed in to the customer's tenant > Overview (Tenant ID, Primary domain)"},
	{[]string{"tenant"}, "", "Copy the Directory (tenant) ID from the app's Overview page into %s.", portalOver},
	{[]string{"clientid", "client_id", "appid"}, "", "Copy the Application (client) ID from the app's Overview page into %s.", portalOver},
	{[]string{"secret"}, "", "Copy the client secret's Value (not its Secret ID) from Certificates & secrets into %s, or add a new secret.", portalCreds},
	{[]string{"certificate"}, "", "Give %s the PFX or PEM file that holds the certificate and its RSA private key; upload the certificate's public part to the app.", portalCreds},
	{[]string{"redirect"}, "", "Set %s to a redirect URI registered under Authentication, exactly (https, or http on localhost).", portalAuth},
	{[]string{"scope", "permission"}, "", "Set %s to the exact Microsoft Graph permission names (such as User.Read.All), or https://graph.microsoft.com/.default.", portalAPI},
}

// configuration explains a *graphauth.ConfigError or
// *registration.IDError: what is wrong with which field, and where its
// right value comes from.
func configuration(d *Diagnosis, field, reason string) {
	d.Code, d.Summary = "Configuration", field+" "+reason
	name, why := strings.ToLower(field), strings.ToLower(reason)
	for _, f := range fieldFix {
		for _, m := range f.match {
			if strings.Contains(name, m) && strings.Contains(why, f.reason) {
				d.Action, d.Portal = strings.Replace(f.action, "%s", field, 1), f.portal
				return
			}
		}
	}
	d.Action = "Change " + field + " so that it is valid: it " + reason + "."
}
