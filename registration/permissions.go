package registration

import (
	"fmt"
	"sort"
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// Kind says whether a permission is an application role (app-only, always
// admin-consented) or a delegated scope (for a signed-in user).
type Kind uint8

// The kinds of permission.
const (
	// ApplicationPermission is an app role: granted to the app itself,
	// always by an administrator; it appears in app-only tokens' roles
	// claim, and in requiredResourceAccess with type "Role".
	ApplicationPermission Kind = Kind(graphperm.Application)
	// DelegatedPermission is an OAuth2 permission scope: the app acts for a
	// signed-in user; it appears in delegated tokens' scp claim, and in
	// requiredResourceAccess with type "Scope".
	DelegatedPermission Kind = Kind(graphperm.Delegated)
)

// String returns "Application", "Delegated" or "Unknown".
func (k Kind) String() string { return graphperm.Kind(k).String() }

// Permission is one Microsoft Graph permission, as Microsoft Graph's
// service principal publishes it (its appRoles and oauth2PermissionScopes);
// the catalog is generated from that (see internal/graphperm).
type Permission struct {
	// ID is the permission's GUID, lower case: what requiredResourceAccess
	// and app role assignments name. The same name has different IDs as
	// an application role and as a delegated scope.
	ID string
	// Value is the permission's name, e.g. "User.Read.All": what tokens
	// carry in roles or scp, and what the portal lists.
	Value string
	// Kind says whether it is an application role or a delegated scope.
	Kind Kind
	// DisplayName is the administrator-facing name, e.g. "Read all users'
	// full profiles".
	DisplayName string
	// Enabled is false for the few entries Graph has disabled: they can no
	// longer be granted.
	Enabled bool
	// AdminConsent is true when only an administrator may grant it: every
	// application role, and the delegated scopes marked "Admin".
	AdminConsent bool
}

// permissionOf converts a catalog entry.
func permissionOf(p graphperm.Permission) Permission {
	return Permission{ID: p.ID, Value: p.Value, Kind: Kind(p.Kind), DisplayName: p.DisplayName, Enabled: p.Enabled, AdminConsent: p.AdminConsent}
}

func permissionsOf(ps []graphperm.Permission) []Permission {
	if ps == nil {
		return nil
	}
	out := make([]Permission, len(ps))
	for i, p := range ps {
		out[i] = permissionOf(p)
	}
	return out
}

// catalog converts back, for the catalog's look-ups.
func (p Permission) catalog() graphperm.Permission {
	return graphperm.Permission{ID: p.ID, Value: p.Value, Kind: graphperm.Kind(p.Kind), DisplayName: p.DisplayName, Enabled: p.Enabled, AdminConsent: p.AdminConsent}
}

// UnknownPermissionError reports a permission name that is not in the
// catalog, with the closest real names.
type UnknownPermissionError struct {
	Kind        Kind
	Name        string
	Suggestions []string // closest names of the same kind, best first
	OtherKind   bool     // the name exists, but as the other kind
}

// Error says what is wrong and what was probably meant.
func (e *UnknownPermissionError) Error() string {
	kind := strings.ToLower(e.Kind.String())
	if e.OtherKind {
		other := "delegated"
		if e.Kind == DelegatedPermission {
			other = "application"
		}
		return fmt.Sprintf("registration: %q is a Microsoft Graph %s permission, not an %s one", e.Name, other, kind)
	}
	msg := fmt.Sprintf("registration: %q is not a Microsoft Graph %s permission", e.Name, kind)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + quoteList(e.Suggestions) + "?"
	}
	return msg
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// GraphPermission finds a Microsoft Graph permission by kind and name,
// ignoring case. An unknown name is an *UnknownPermissionError suggesting the
// closest names ("Group.ReadAll" → "Group.Read.All"); a disabled permission
// is returned with Enabled false.
func GraphPermission(kind Kind, name string) (Permission, error) {
	if p, ok := graphperm.ByValue(graphperm.Kind(kind), name); ok {
		return permissionOf(p), nil
	}
	other := ApplicationPermission
	if kind == ApplicationPermission {
		other = DelegatedPermission
	}
	if _, ok := graphperm.ByValue(graphperm.Kind(other), name); ok {
		return Permission{}, &UnknownPermissionError{Kind: kind, Name: name, OtherKind: true}
	}
	return Permission{}, &UnknownPermissionError{Kind: kind, Name: name, Suggestions: suggest(kind, name)}
}

// GraphPermissionByID finds a Microsoft Graph permission by kind and ID. The
// same name has different IDs as an application role and a delegated scope.
func GraphPermissionByID(kind Kind, id string) (Permission, bool) {
	p, ok := graphperm.ByID(graphperm.Kind(kind), id)
	return permissionOf(p), ok
}

// GraphPermissions returns every Microsoft Graph permission of a kind,
// ordered by name.
func GraphPermissions(kind Kind) []Permission {
	return permissionsOf(graphperm.All(graphperm.Kind(kind)))
}

// suggest ranks the catalog by edit distance to name, after a first pass
// that ignores case and punctuation (so "Group.ReadAll" and "group_read_all"
// find "Group.Read.All" at once).
func suggest(kind Kind, name string) []string {
	want := squash(name)
	var exact []string
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	limit := max(2, len(name)/4)
	for _, p := range graphperm.All(graphperm.Kind(kind)) {
		if squash(p.Value) == want {
			exact = append(exact, p.Value)
			continue
		}
		if d := distance(strings.ToLower(name), strings.ToLower(p.Value)); d <= limit {
			cands = append(cands, cand{p.Value, d})
		}
	}
	if len(exact) > 0 {
		return exact
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].d < cands[j].d })
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
