package registration

import (
	"fmt"
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// Scheme is how an app calls Microsoft Graph, in the terms of Microsoft's
// permission map: as itself (application permissions), or for a signed-in
// work or school user or personal account (delegated permissions).
type Scheme uint8

// The schemes.
const (
	SchemeApplication       Scheme = Scheme(graphperm.SchemeApplication)       // app-only: app roles, "Role"
	SchemeDelegatedWork     Scheme = Scheme(graphperm.SchemeDelegatedWork)     // a work or school user: scopes, "Scope"
	SchemeDelegatedPersonal Scheme = Scheme(graphperm.SchemeDelegatedPersonal) // a personal Microsoft account: scopes
)

// String returns the map's name: "Application", "DelegatedWork" or
// "DelegatedPersonal".
func (s Scheme) String() string { return graphperm.Scheme(s).String() }

// Kind is the kind of permission the scheme grants.
func (s Scheme) Kind() Kind { return Kind(graphperm.Scheme(s).Kind()) }

// Basis says why a call's Least permission is the one to request.
type Basis uint8

// String is the basis as a short phrase for a report.
func (b Basis) String() string { return graphperm.Basis(b).String() }

// The bases, from Microsoft's own answer to the kit's reading of the map
// where the map has none that can be used.
const (
	// BasisMarked: the map marks it least privileged for the call.
	BasisMarked = Basis(graphperm.BasisMarked)
	// BasisReadOnly: for a GET, the map marks a permission that writes;
	// this one only reads and allows the call too.
	BasisReadOnly = Basis(graphperm.BasisReadOnly)
	// BasisRanked: the map marks none for the call in this scheme; this
	// one ranks first among those that allow it: lowest privilege level,
	// read-only, then allowing the fewest calls.
	BasisRanked = Basis(graphperm.BasisRanked)
	// BasisUnoffered: the map marks only permissions that Graph's service
	// principal does not offer (Group.ReadBasic.All, which no app can be
	// granted); this one ranks first among those it does offer.
	BasisUnoffered = Basis(graphperm.BasisUnoffered)
	// BasisOwnResource: the map marks an Intune permission
	// (DeviceManagementServiceConfig.Read.All for GET /organization, from
	// Intune's pages for the same call) outside Intune's resources; this
	// one is named after the call's resource (Organization.Read.All), at no
	// higher privilege level.
	BasisOwnResource = Basis(graphperm.BasisOwnResource)
)

// Alternative is one permission that allows a call, with the permissions
// of which it needs one as well.
type Alternative struct {
	// Permission allows the call.
	Permission Permission
	// Also lists permissions of which the call needs one as well, when
	// Permission is the one held (the map's AlsoRequires); usually none.
	Also []Permission
}

// CallPermissions is what Microsoft's permission map says one Graph call
// needs in one scheme.
type CallPermissions struct {
	Method string // upper case
	Scheme Scheme
	// Least is the least privileged permission that allows the call.
	Least Permission
	// Basis says why Least is the one: Microsoft marks it least privileged
	// (BasisMarked), or the map's marks cannot be used as they are.
	Basis Basis
	// AlsoRequires lists permissions of which the call needs one besides
	// Least, least privileged first (the map's AlsoRequires); usually nil.
	AlsoRequires []Permission

	rule graphperm.Rule
}

// Template is the map's path template the call matched, as in Microsoft's
// documentation but lower case: "/users/{id}/memberof".
func (c CallPermissions) Template() string { return c.rule.Template() }

// String is "GET /users/{id}: User.ReadBasic.All".
func (c CallPermissions) String() string {
	s := c.Method + " " + c.Template() + ": " + c.Least.Value
	if len(c.AlsoRequires) > 0 {
		s += " and " + c.AlsoRequires[0].Value
	}
	return s
}

// Alternatives lists every permission Graph offers that allows the call in
// its scheme: Least first, then the others from least to most privileged.
func (c CallPermissions) Alternatives() []Alternative {
	grants := c.rule.Allowed()
	out := make([]Alternative, len(grants))
	for i, g := range grants {
		out[i] = Alternative{Permission: permissionOf(g.Permission), Also: permissionsOf(g.Also)}
	}
	return out
}

// AllowedBy reports whether holding the permissions named (ignoring case)
// allows the call: one that allows it, and one of those it also requires.
func (c CallPermissions) AllowedBy(names []string) bool {
	_, ok := c.allowedBy(names)
	return ok
}

// allowedBy returns the first of names that allows the call.
func (c CallPermissions) allowedBy(names []string) (string, bool) {
	for _, a := range c.Alternatives() {
		if !containsFold(names, a.Permission.Value) {
			continue
		}
		if len(a.Also) == 0 {
			return a.Permission.Value, true
		}
		for _, also := range a.Also {
			if containsFold(names, also.Value) {
				return a.Permission.Value, true
			}
		}
	}
	return "", false
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// MapMiss says why Microsoft's permission map has no answer for a call.
type MapMiss uint8

// The reasons.
const (
	MissPath      MapMiss = iota + 1 // no path template of the map matches (or the URL has over 24 segments)
	MissMethod                       // the path is in the map, not with this method
	MissScheme                       // the call is in the map, not in this scheme
	MissUnoffered                    // the map allows the call only with permissions Graph does not offer
)

// UnknownCallError reports a call for which Microsoft's permission map
// gives no permission that can be requested. The kit never guesses one.
type UnknownCallError struct {
	Method string
	Path   string // the URL's path as given, without its query
	Scheme Scheme
	Miss   MapMiss
}

// Error says which call, and why the map has no answer.
func (e *UnknownCallError) Error() string {
	path := e.Path
	if len(path) > 200 { // a URL can be long: the message stays a line
		path = strings.ToValidUTF8(path[:200], "") + "..."
	}
	call := e.Method + " " + path
	switch e.Miss {
	case MissMethod:
		return fmt.Sprintf("registration: %s is not in Microsoft's permission map (the path is, with other methods)", call)
	case MissScheme:
		return fmt.Sprintf("registration: %s is not in Microsoft's permission map for %s permissions", call, e.Scheme)
	case MissUnoffered:
		return fmt.Sprintf("registration: Microsoft's permission map allows %s only with permissions that Microsoft Graph does not offer", call)
	}
	return fmt.Sprintf("registration: %s is not in Microsoft's permission map", call)
}

// LeastPrivilege returns the least privileged Microsoft Graph permission
// for one call, from Microsoft's own permission map: method (any case) and
// url, an absolute URL or a path, with or without /v1.0 or /beta. IDs in
// the path are matched by the map's placeholders (/users/{id}), OData
// functions by name and parameter names (getOffice365ActiveUserDetail(period='D7')),
// OData casts and $ref, $value, $count segments are dropped when the map has
// no template with them, and the query string is ignored: the map knows
// calls, not the properties in $select or in a PATCH body. A call the map
// does not have is an *UnknownCallError, never a guess.
//
// LeastPrivilege is safe for concurrent use, reads only generated tables,
// and allocates nothing for a call the map has (except AlsoRequires, when
// the map lists some). See Basis for where the map's own marks are not
// taken as they are.
func LeastPrivilege(method, url string, scheme Scheme) (CallPermissions, error) {
	r, miss := graphperm.Lookup(method, url, graphperm.Scheme(scheme))
	if miss != graphperm.Hit {
		return CallPermissions{}, unknownCall(method, url, scheme, miss)
	}
	return CallPermissions{Method: r.Method, Scheme: scheme, Least: permissionOf(r.Least()), Basis: Basis(r.Basis()),
		AlsoRequires: permissionsOf(r.LeastAlso()), rule: r}, nil
}

func unknownCall(method, url string, scheme Scheme, miss graphperm.Miss) *UnknownCallError {
	e := &UnknownCallError{Method: oneLine(strings.ToUpper(method)), Path: pathOf(url), Scheme: scheme, Miss: MissPath}
	switch miss {
	case graphperm.NoMethod:
		e.Miss = MissMethod
	case graphperm.NoScheme:
		e.Miss = MissScheme
	case graphperm.NotRequestable:
		e.Miss = MissUnoffered
	}
	return e
}

// pathOf is url without scheme, host, query and fragment, on one line.
func pathOf(url string) string { return oneLine(bareURL(url)) }

// oneLine replaces control characters, so that an error stays on its line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

func bareURL(url string) string {
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i]
	}
	if i := strings.Index(url, "://"); i >= 0 && !strings.Contains(url[:i], "/") {
		rest := url[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "/"
		}
		url = rest[j:]
	}
	return url
}
