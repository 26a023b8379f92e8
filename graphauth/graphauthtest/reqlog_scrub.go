package graphauthtest

import (
	"strings"

	"github.com/entrakit/entrakit/internal/ids"
)

// logRedacted stands in the request log for a client ID, tenant or grant type
// that was not shaped like one. A secret pasted into the wrong field (the
// client secret as client_id, a common mix-up) or the wrong place of the
// URL would otherwise be kept in the log and printed by whatever prints it.
const logRedacted = "REDACTED"

// scrubbed returns r with every value that may be a misplaced secret
// replaced by logRedacted: a client ID that is not a GUID, a tenant segment
// that is not a GUID, a domain or one of the aliases (in Path too), and a
// grant type that is not lower-case letters, "_", "-", "." and ":".
func scrubbed(r Request) Request {
	if r.ClientID != "" && !ids.IsGUID(r.ClientID) {
		r.ClientID = logRedacted
	}
	if r.Tenant != "" && !plainTenant(r.Tenant) {
		r.Path = strings.Replace(r.Path, "/"+r.Tenant+"/", "/"+logRedacted+"/", 1)
		r.Tenant = logRedacted
	}
	if r.GrantType != "" && !plainGrantType(r.GrantType) {
		r.GrantType = logRedacted
	}
	return r
}

func plainTenant(t string) bool {
	switch strings.ToLower(t) {
	case "common", "organizations", "consumers":
		return true
	}
	return ids.IsGUID(t) || ids.IsDomain(t)
}

func plainGrantType(g string) bool {
	if len(g) > 100 {
		return false
	}
	for i := 0; i < len(g); i++ {
		c := g[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
