package verify

import "strings"

// fieldFix is where the right value of a configuration field comes from.
var fieldFix = []struct {
	match  []string // substrings of the field name, lower case
	action string
	portal string
}{
	{[]string{"tenant"}, "Copy the Directory (tenant) ID from the app's Overview page into %s.", portalOver},
	{[]string{"clientid", "client_id", "appid"}, "Copy the Application (client) ID from the app's Overview page into %s.", portalOver},
	{[]string{"secret"}, "Copy the client secret's Value (not its Secret ID) from Certificates & secrets into %s, or add a new secret.", portalCreds},
	{[]string{"certificate"}, "Give %s the PFX or PEM file that holds the certificate and its RSA private key; upload the certificate's public part to the app.", portalCreds},
	{[]string{"redirect"}, "Set %s to a redirect URI registered under Authentication, exactly (https, or http on localhost).", portalAuth},
	{[]string{"scope", "permission"}, "Set %s to the exact Microsoft Graph permission names (such as User.Read.All), or https://graph.microsoft.com/.default.", portalAPI},
}

// configuration explains a *graphauth.ConfigError or
// *registration.IDError: what is wrong with which field, and where its
// right value comes from.
func configuration(d *Diagnosis, field, reason string) {
	d.Code, d.Summary = "Configuration", field+" "+reason
	name := strings.ToLower(field)
	for _, f := range fieldFix {
		for _, m := range f.match {
			if strings.Contains(name, m) {
				d.Action, d.Portal = strings.Replace(f.action, "%s", field, 1), f.portal
				return
			}
		}
	}
	d.Action = "Change " + field + " so that it is valid: it " + reason + "."
}
