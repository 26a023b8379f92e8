package registration

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/graphperm"
)

// Call is one Microsoft Graph call: a method and an absolute URL or a path.
type Call struct {
	Method string
	URL    string
}

// PermissionSet is the least privileged set of Microsoft Graph permissions
// that allows a list of calls in one scheme, from Microsoft's permission
// map. Permissions go straight into App.Permissions; RequiredResourceAccess
// is the manifest's entry; Names go to Client.GrantAppRoles and to
// consent.HandlerOptions.Required; Scope to consent.Config.Scope.
type PermissionSet struct {
	Scheme      Scheme
	Permissions []Permission      // ordered by name
	Calls       []CallPermissions // one per method and template, in the order first made
}

// LeastPrivilegeSet derives the permission set that allows every call in
// the scheme: each call's Least (and the first of its AlsoRequires), then,
// from the most privileged down, any permission whose calls the others
// allow as well is dropped (GET /users needs User.ReadBasic.All, GET
// /users/delta User.Read.All, which allows both: the set is User.Read.All).
//
// Calls the map does not have are left out of the set and returned as the
// error, an errors.Join of *UnknownCallError, one per method and path; the
// set still covers every other call.
func LeastPrivilegeSet(calls []Call, scheme Scheme) (PermissionSet, error) {
	set := PermissionSet{Scheme: scheme}
	var errs []error
	seen := map[[2]string]bool{}
	for _, c := range calls {
		cp, err := LeastPrivilege(c.Method, c.URL, scheme)
		k := [2]string{strings.ToUpper(c.Method), ""}
		if err != nil {
			if k[1] = "?" + pathOf(c.URL); !seen[k] {
				errs = append(errs, err)
			}
		} else if k[1] = cp.Template(); !seen[k] {
			set.Calls = append(set.Calls, cp)
		}
		seen[k] = true
	}
	var names []string
	for _, c := range set.Calls {
		if _, ok := c.allowedBy(names); ok {
			continue
		}
		names = append(names, c.Least.Value)
		if len(c.AlsoRequires) > 0 && !containsFold(names, c.AlsoRequires[0].Value) {
			names = append(names, c.AlsoRequires[0].Value)
		}
	}
	set.Permissions = minimal(scheme, names, set.Calls)
	return set, errors.Join(errs...)
}

// minimal drops, from the most privileged down, each permission without
// which every call is still allowed.
func minimal(scheme Scheme, names []string, calls []CallPermissions) []Permission {
	perms := make([]Permission, 0, len(names))
	for _, n := range names {
		if p, ok := graphperm.ByValue(graphperm.Kind(scheme.Kind()), n); ok {
			perms = append(perms, permissionOf(p))
		}
	}
	slices.SortFunc(perms, func(a, b Permission) int { return -ComparePrivilege(scheme, a, b) })
	for i := 0; i < len(perms); {
		rest := make([]string, 0, len(perms)-1)
		for j, p := range perms {
			if j != i {
				rest = append(rest, p.Value)
			}
		}
		if allAllowed(calls, rest) {
			perms = append(perms[:i], perms[i+1:]...)
			continue
		}
		i++
	}
	slices.SortFunc(perms, func(a, b Permission) int { return cmp.Compare(strings.ToLower(a.Value), strings.ToLower(b.Value)) })
	return perms
}

func allAllowed(calls []CallPermissions, names []string) bool {
	for _, c := range calls {
		if !c.AllowedBy(names) {
			return false
		}
	}
	return true
}

// ComparePrivilege orders two permissions as Microsoft's map ranks them in
// a scheme: by privilege level (1 lowest to 5), then read-only (Read,
// ReadBasic) before writing, then by how many calls they allow (the
// narrower first). It returns a negative number when a is less privileged
// than b, zero when the map does not tell them apart, positive otherwise.
// A permission the map does not know in the scheme ranks last.
func ComparePrivilege(scheme Scheme, a, b Permission) int {
	sa, oka := graphperm.Stats(graphperm.Scheme(scheme), a.catalog())
	sb, okb := graphperm.Stats(graphperm.Scheme(scheme), b.catalog())
	level := func(s graphperm.Stat, ok bool) int {
		if !ok || s.Level == 0 {
			return 9
		}
		return s.Level
	}
	if c := cmp.Compare(level(sa, oka), level(sb, okb)); c != 0 {
		return c
	}
	if sa.ReadOnly != sb.ReadOnly {
		if sa.ReadOnly {
			return -1
		}
		return 1
	}
	return cmp.Compare(sa.Breadth, sb.Breadth)
}

// Names are the permissions' names, for Client.GrantAppRoles,
// Client.GrantDelegated and consent.HandlerOptions.Required.
func (s PermissionSet) Names() []string {
	out := make([]string, len(s.Permissions))
	for i, p := range s.Permissions {
		out[i] = p.Value
	}
	return out
}

// RequiredResourceAccess is the set as the app manifest's
// requiredResourceAccess holds it: one entry for Microsoft Graph.
func (s PermissionSet) RequiredResourceAccess() []RequiredResourceAccess {
	return App{Permissions: s.Permissions}.RequiredResourceAccess()
}

// Scope is the scope parameter of a consent URL (consent.Config.Scope) for
// the set in cloud (the zero Cloud is the public cloud). Delegated
// permissions are listed one by one ("https://graph.microsoft.com/User.Read
// …"). Application permissions can only be consented all at once, through
// "/.default", which grants what the app declares: declare the set first
// (RequiredResourceAccess, or App.Permissions).
func (s PermissionSet) Scope(cloud graphauth.Cloud) string {
	if cloud.GraphEndpoint == "" {
		cloud = graphauth.AzurePublic
	}
	if s.Scheme == SchemeApplication {
		return cloud.DefaultScope()
	}
	scopes := make([]string, len(s.Permissions))
	for i, p := range s.Permissions {
		scopes[i] = cloud.GraphEndpoint + "/" + p.Value
	}
	return strings.Join(scopes, " ")
}

// Needing returns the calls of the set that would not be allowed without
// p, in the order made: why the set holds p.
func (s PermissionSet) Needing(p Permission) []CallPermissions {
	var rest []string
	for _, q := range s.Permissions {
		if !strings.EqualFold(q.Value, p.Value) {
			rest = append(rest, q.Value)
		}
	}
	var out []CallPermissions
	for _, c := range s.Calls {
		if !c.AllowedBy(rest) {
			out = append(out, c)
		}
	}
	return out
}
