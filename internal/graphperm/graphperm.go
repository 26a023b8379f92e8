// Package graphperm holds the Microsoft Graph permission catalog, generated
// from the service principal dump in ../shared/data, and the look-ups over it.
// It is shared by the registration package and the fake platform.
//
// It also holds the call catalog, generated from Microsoft's map of the
// permissions each Graph call accepts (msgraph-permissions-paths.json): a
// tree of the map's 7,263 path templates cut by internal/graphpath, and for
// each (template, method, scheme) the permissions Graph's service principal
// offers that allow the call, the one to request first, and why (Basis).
// Lookup walks the tree without allocating.
package graphperm

//go:generate go run ./gen -roles ../../../shared/data/msgraph-app-roles.json -scopes ../../../shared/data/msgraph-delegated-scopes.json -o catalog_gen.go -paths ../../../shared/data/msgraph-permissions-paths.json -calls-o calls_gen.go

import (
	"sort"
	"strings"
)

// GraphAppID is the application ID of Microsoft Graph in every tenant.
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// Kind says whether a permission is an application role or a delegated scope.
type Kind uint8

const (
	// Application is an app role: granted to the app itself, always by an administrator.
	Application Kind = iota + 1
	// Delegated is an OAuth2 permission scope: the app acts for a signed-in user.
	Delegated
)

// String returns "Application" or "Delegated".
func (k Kind) String() string {
	switch k {
	case Application:
		return "Application"
	case Delegated:
		return "Delegated"
	}
	return "Unknown"
}

// Permission is one Microsoft Graph permission.
type Permission struct {
	ID           string // lower-case GUID
	Value        string // e.g. "User.Read.All"
	Kind         Kind
	DisplayName  string // the administrator-facing name
	Enabled      bool   // false for the few disabled entries
	AdminConsent bool   // always true for application roles
}

func table(k Kind) ([]Permission, []uint16) {
	if k == Application {
		return appRoles[:], appRolesByID[:]
	}
	return delegatedScopes[:], delegatedScopesByID[:]
}

// ByValue finds a permission by its name, ignoring case.
func ByValue(k Kind, value string) (Permission, bool) {
	if i, ok := position(k, value); ok {
		t, _ := table(k)
		return t[i], true
	}
	return Permission{}, false
}

// position is the index of a permission in its kind's table.
func position(k Kind, value string) (int, bool) {
	t, _ := table(k)
	v := strings.ToLower(value)
	i := sort.Search(len(t), func(i int) bool { return strings.ToLower(t[i].Value) >= v })
	return i, i < len(t) && strings.EqualFold(t[i].Value, value)
}

// ByID finds a permission by its GUID, ignoring case.
func ByID(k Kind, id string) (Permission, bool) {
	t, idx := table(k)
	id = strings.ToLower(id)
	i := sort.Search(len(idx), func(i int) bool { return t[idx[i]].ID >= id })
	if i < len(idx) && t[idx[i]].ID == id {
		return t[idx[i]], true
	}
	return Permission{}, false
}

// All returns a copy of every permission of kind k, ordered by name.
func All(k Kind) []Permission {
	t, _ := table(k)
	return append([]Permission(nil), t...)
}
