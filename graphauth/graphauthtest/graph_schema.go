package graphauthtest

import "strings"

// support says whether Graph accepts a query feature on a property: not at
// all, by default, or only in an advanced query (ConsistencyLevel: eventual
// and $count=true).
type support int

const (
	never support = iota
	byDefault
	advanced
)

// edm types of the properties the fake filters on.
const (
	edmString   = "Edm.String"
	edmBool     = "Edm.Boolean"
	edmDateTime = "Edm.DateTimeOffset"
	edmStrings  = "Collection(Edm.String)"
)

// propSpec is one property of a Graph resource type and the query features
// it supports.
type propSpec struct {
	name    string
	edm     string
	ops     map[string]support // eq, ne, not, in, startsWith, endsWith, ge, le, null
	orderBy support
	dflt    bool // returned without $select
	search  bool // usable in $search
}

// resourceType is a Graph entity type the fake renders and queries.
type resourceType struct {
	name     string // "user": microsoft.graph.user, resource 'User' in messages
	props    map[string]*propSpec
	order    []string // every property, in the order Graph lists them
	fallback bool     // properties Graph has but the fake does not model render as null
}

func (rt *resourceType) prop(name string) *propSpec { return rt.props[strings.ToLower(name)] }

// resourceName is how Graph names the type in its query errors: 'User'.
func (rt *resourceType) resourceName() string {
	return strings.ToUpper(rt.name[:1]) + rt.name[1:]
}

// defaultSelect lists the properties returned without $select.
func (rt *resourceType) defaultSelect() []string {
	var out []string
	for _, n := range rt.order {
		if rt.props[strings.ToLower(n)].dflt {
			out = append(out, n)
		}
	}
	return out
}

// ops builds an operator table from "op=D" (default) and "op=A" (advanced)
// pairs.
func ops(spec string) map[string]support {
	out := map[string]support{}
	for _, f := range strings.Fields(spec) {
		op, level, _ := strings.Cut(f, "=")
		out[op] = map[string]support{"D": byDefault, "A": advanced}[level]
	}
	return out
}

func newResourceType(name string, fallback bool, specs ...*propSpec) *resourceType {
	rt := &resourceType{name: name, props: map[string]*propSpec{}, fallback: fallback}
	for _, p := range specs {
		rt.props[strings.ToLower(p.name)] = p
		rt.order = append(rt.order, p.name)
	}
	return rt
}

// userType follows the user resource page and the advanced queries page's
// table of $filter support for user properties (operators marked default or
// advanced; properties the fake does not model are served as null).
func userType() *resourceType {
	return newResourceType("user", false,
		&propSpec{name: "businessPhones", edm: edmStrings, dflt: true},
		&propSpec{name: "displayName", edm: edmString, dflt: true, search: true, orderBy: byDefault,
			ops: ops("eq=D ne=A not=A in=D startsWith=D null=A")},
		&propSpec{name: "givenName", edm: edmString, dflt: true, search: true, ops: ops("eq=D ne=A in=D startsWith=D ge=D le=D null=A")},
		&propSpec{name: "jobTitle", edm: edmString, dflt: true, ops: ops("eq=D ne=A in=D ge=D le=D null=A")},
		&propSpec{name: "mail", edm: edmString, dflt: true, search: true, ops: ops("eq=D ne=A in=D startsWith=D endsWith=A ge=D le=D")},
		&propSpec{name: "mobilePhone", edm: edmString, dflt: true, ops: ops("eq=A ne=A in=A startsWith=A null=A")},
		&propSpec{name: "officeLocation", edm: edmString, dflt: true, ops: ops("eq=A ne=A in=A startsWith=A null=A")},
		&propSpec{name: "preferredLanguage", edm: edmString, dflt: true, ops: ops("eq=A ne=A in=A startsWith=A null=A")},
		&propSpec{name: "surname", edm: edmString, dflt: true, search: true, ops: ops("eq=D ne=A in=D startsWith=D ge=D le=D null=A")},
		&propSpec{name: "userPrincipalName", edm: edmString, dflt: true, search: true, orderBy: byDefault,
			ops: ops("eq=D ne=A in=D startsWith=D endsWith=A le=D")},
		&propSpec{name: "id", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "accountEnabled", edm: edmBool, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "createdDateTime", edm: edmDateTime, orderBy: advanced, ops: ops("eq=D ne=A not=A ge=D le=D in=A")},
		&propSpec{name: "department", edm: edmString, ops: ops("eq=D ne=A not=A in=D startsWith=D ge=D le=D null=A")},
		&propSpec{name: "mailNickname", edm: edmString, search: true, ops: ops("eq=D ne=A in=D startsWith=D ge=D le=D null=A")},
		&propSpec{name: "userType", edm: edmString, ops: ops("eq=D ne=A not=A in=D null=A")},
		&propSpec{name: "assignedLicenses", edm: "Collection(microsoft.graph.assignedLicense)"},
		&propSpec{name: "lastPasswordChangeDateTime", edm: edmDateTime},
		&propSpec{name: "city", edm: edmString, ops: ops("eq=D ne=A not=A in=D startsWith=D ge=D null=A")},
		&propSpec{name: "companyName", edm: edmString, ops: ops("eq=A ne=A not=A in=A startsWith=A ge=A le=A null=A")},
		&propSpec{name: "country", edm: edmString, ops: ops("eq=D ne=A not=A in=D startsWith=D ge=D le=D null=A")},
		&propSpec{name: "employeeId", edm: edmString, ops: ops("eq=D ne=A startsWith=D null=A")},
		&propSpec{name: "otherMails", edm: edmStrings},
		&propSpec{name: "proxyAddresses", edm: edmStrings},
		&propSpec{name: "usageLocation", edm: edmString, ops: ops("eq=D ne=A in=D startsWith=D ge=D le=D")},
		&propSpec{name: "onPremisesSyncEnabled", edm: edmBool, ops: ops("eq=D ne=A in=D")},
		&propSpec{name: "onPremisesImmutableId", edm: edmString, ops: ops("eq=A ne=A in=A")},
		&propSpec{name: "creationType", edm: edmString, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "externalUserState", edm: edmString},
		&propSpec{name: "identities", edm: "Collection(microsoft.graph.objectIdentity)"},
	)
}

// groupType follows the group resource page. createdDateTime cannot be
// filtered even in an advanced query, as the advanced queries page shows.
func groupType() *resourceType {
	return newResourceType("group", false,
		&propSpec{name: "id", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "createdDateTime", edm: edmDateTime, dflt: true},
		&propSpec{name: "description", edm: edmString, dflt: true, search: true, ops: ops("eq=A ne=A not=A in=A startsWith=A null=A")},
		&propSpec{name: "displayName", edm: edmString, dflt: true, search: true, orderBy: byDefault,
			ops: ops("eq=D ne=A not=A in=D startsWith=D null=A")},
		&propSpec{name: "groupTypes", edm: edmStrings, dflt: true},
		&propSpec{name: "mail", edm: edmString, dflt: true, search: true, ops: ops("eq=D ne=A not=A in=D startsWith=D endsWith=A null=A")},
		&propSpec{name: "mailEnabled", edm: edmBool, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "mailNickname", edm: edmString, dflt: true, search: true, ops: ops("eq=D ne=A not=A in=D startsWith=D null=A")},
		&propSpec{name: "securityEnabled", edm: edmBool, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "visibility", edm: edmString, dflt: true},
		&propSpec{name: "deletedDateTime", edm: edmDateTime, dflt: true},
		&propSpec{name: "classification", edm: edmString, dflt: true},
		&propSpec{name: "renewedDateTime", edm: edmDateTime, dflt: true},
		&propSpec{name: "securityIdentifier", edm: edmString, dflt: true},
	)
}

// The resource types, built once per server: they are read-only after.
type schemas struct {
	user, group, directoryObject, application, servicePrincipal, grant *resourceType
}

func newSchemas() schemas {
	u, g := userType(), groupType()
	// A directoryObject collection (members, memberOf) holds users and
	// groups: $select may name properties of either.
	d := newResourceType("directoryObject", true)
	for _, rt := range []*resourceType{u, g} {
		for _, n := range rt.order {
			if d.prop(n) == nil {
				p := *rt.prop(n)
				p.ops, p.orderBy, p.dflt = nil, never, false
				d.props[strings.ToLower(n)] = &p
				d.order = append(d.order, n)
			}
		}
	}
	return schemas{user: u, group: g, directoryObject: d, application: applicationType(), servicePrincipal: servicePrincipalType(), grant: oauth2PermissionGrantType()}
}
