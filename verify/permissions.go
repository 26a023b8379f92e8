package verify

import (
	"sort"
	"strings"
)

// Comparison is what a token grants against what the product needs, for
// one kind of permission. Its JSON field names are stable.
type Comparison struct {
	// Kind is "application" (the token's roles) or "delegated" (its scp).
	Kind     string   `json:"kind"`
	Granted  []string `json:"granted"`            // in the token, sorted
	Required []string `json:"required"`           // Requirements.Roles or Scopes
	Optional []string `json:"optional,omitempty"` // Requirements.OptionalRoles or OptionalScopes
	// Missing are required and not granted: the product fails without them.
	Missing []string `json:"missing,omitempty"`
	// OptionalMissing are optional and not granted: features are off.
	OptionalMissing []string `json:"optionalMissing,omitempty"`
	// Unexpected are granted and neither required nor optional.
	Unexpected []string `json:"unexpected,omitempty"`
}

// compare builds a Comparison.
func compare(kind string, granted, required, optional []string) Comparison {
	c := Comparison{Kind: kind, Granted: nonNil(granted), Required: nonNil(required), Optional: optional}
	for _, w := range required {
		if !containsFold(granted, w) {
			c.Missing = append(c.Missing, w)
		}
	}
	for _, w := range optional {
		if !containsFold(granted, w) {
			c.OptionalMissing = append(c.OptionalMissing, w)
		}
	}
	for _, g := range granted {
		if !containsFold(required, g) && !containsFold(optional, g) {
			c.Unexpected = append(c.Unexpected, g)
		}
	}
	return c
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// String is one line: "application: needs User.Read.All, Group.Read.All;
// optional Reports.Read.All; granted User.Read.All; missing Group.Read.All".
func (c Comparison) String() string {
	parts := []string{c.Kind + ": needs " + listOr(c.Required, "nothing")}
	if len(c.Optional) > 0 {
		parts = append(parts, "optional "+strings.Join(c.Optional, ", "))
	}
	parts = append(parts, "granted "+listOr(c.Granted, "none"))
	if len(c.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(c.Missing, ", "))
	}
	if len(c.OptionalMissing) > 0 {
		parts = append(parts, "optional, not granted "+strings.Join(c.OptionalMissing, ", "))
	}
	if len(c.Unexpected) > 0 {
		parts = append(parts, "not required: "+strings.Join(c.Unexpected, ", "))
	}
	return strings.Join(parts, "; ")
}

func listOr(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}

// roles are the token's application permissions, sorted.
func (r *run) roles() []string {
	var out []string
	list, _ := r.token["roles"].([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// scopes are the token's delegated permissions, sorted.
func (r *run) scopes() []string {
	scp, _ := r.token["scp"].(string)
	out := strings.Fields(scp)
	sort.Strings(out)
	return out
}

// delegated reports whether the token acts for a signed-in user.
func (r *run) delegated() bool {
	scp, _ := r.token["scp"].(string)
	return scp != ""
}

// permissionChecks compares the token's roles, and its scopes when scopes
// are asked for, with the requirements.
func (r *run) permissionChecks() {
	asksScopes := len(r.req.Scopes)+len(r.req.OptionalScopes) > 0
	if r.delegated() && len(r.req.Roles)+len(r.req.OptionalRoles) > 0 {
		r.skip(CheckTokenPermissions, "Permissions in the token",
			"the token is delegated (a signed-in user's): application permissions are verified with the app's own credential")
	} else if !r.delegated() {
		r.step(CheckTokenPermissions, "Permissions in the token", r.tokenPermissions)
	}
	if !asksScopes {
		return
	}
	if !r.delegated() {
		r.skip(CheckTokenScopes, "Delegated permissions in the token",
			"the token is app-only: delegated permissions are verified with a signed-in user's credential")
		return
	}
	r.step(CheckTokenScopes, "Delegated permissions in the token", r.tokenScopes)
}

func (r *run) tokenPermissions() outcome {
	c := compare("application", r.roles(), r.req.Roles, r.req.OptionalRoles)
	r.report.Permissions = append(r.report.Permissions, c)
	switch {
	case len(c.Missing) > 0:
		tenant := r.report.TenantID
		if tenant == "" {
			tenant = "{tenant}"
		}
		d := Diagnosis{Code: "PermissionsMissing", Missing: c.Missing,
			Summary: "The token lacks " + strings.Join(c.Missing, ", ") + ": the permissions are not granted (admin consent), or were granted moments ago and have not taken effect.",
			Action:  "Add the permissions to the app and grant admin consent; a grant can take a few minutes to show in new tokens.",
			Portal:  portalAPI,
			Command: "GET https://login.microsoftonline.com/" + tenant + "/v2.0/adminconsent?client_id=" + orDash(r.report.ClientID) + "&scope=https://graph.microsoft.com/.default&redirect_uri={redirect}"}
		return outcome{StatusFailed, c.String(), &d}
	case len(c.OptionalMissing) > 0:
		d := Diagnosis{Code: "OptionalPermissionsMissing", Missing: c.OptionalMissing,
			Summary: "The token lacks the optional " + strings.Join(c.OptionalMissing, ", ") + ": the features that use them stay off.",
			Action:  "Grant them (admin consent) to turn those features on.", Portal: portalAPI}
		return outcome{StatusWarning, c.String(), &d}
	case len(c.Unexpected) > 0 && len(r.req.Roles)+len(r.req.OptionalRoles) > 0:
		d := Diagnosis{Code: "PermissionsUnexpected", Summary: "The app holds permissions it was not required to have: " + strings.Join(c.Unexpected, ", ") + ".",
			Action: "Remove the permissions the product does not use (least privilege).", Portal: portalAPI}
		return outcome{StatusWarning, c.String(), &d}
	}
	return ok("%s", c.String())
}

func (r *run) tokenScopes() outcome {
	c := compare("delegated", r.scopes(), r.req.Scopes, r.req.OptionalScopes)
	// The OpenID scopes are never in scp: offline_access shows as a
	// refresh token, openid and profile as an ID token.
	c.Missing = dropOpenID(c.Missing)
	c.OptionalMissing = dropOpenID(c.OptionalMissing)
	r.report.Permissions = append(r.report.Permissions, c)
	switch {
	case len(c.Missing) > 0:
		d := Diagnosis{Code: "ScopesMissing", Missing: c.Missing,
			Summary: "The signed-in user's token lacks " + strings.Join(c.Missing, ", ") + ": the user (or an administrator, for scopes that need admin consent) has not consented to them.",
			Action:  "Add the delegated permissions to the app, grant admin consent or have the user sign in again and consent; a token issued before the grant does not carry them.",
			Portal:  portalAPI}
		return outcome{StatusFailed, c.String(), &d}
	case len(c.OptionalMissing) > 0:
		d := Diagnosis{Code: "OptionalScopesMissing", Missing: c.OptionalMissing,
			Summary: "The token lacks the optional " + strings.Join(c.OptionalMissing, ", ") + ".",
			Action:  "Grant them to turn the features that use them on.", Portal: portalAPI}
		return outcome{StatusWarning, c.String(), &d}
	}
	return ok("%s", c.String())
}

func dropOpenID(l []string) []string {
	var out []string
	for _, s := range l {
		switch strings.ToLower(s) {
		case "openid", "profile", "email", "offline_access":
			continue
		}
		out = append(out, s)
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}
