package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const eventual = "ConsistencyLevel: eventual"

// queryServer is a tenant with enough users to tell filters apart.
func queryServer(t *testing.T) (*graphauthtest.Server, string) {
	t.Helper()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	for _, u := range []graphauthtest.User{
		{UPN: "alex@contoso.onmicrosoft.com", DisplayName: "Alex Wilber", GivenName: "Alex", Department: "Marketing", JobTitle: "Marketing Assistant"},
		{UPN: "allan@contoso.onmicrosoft.com", DisplayName: "Allan Deyoung", GivenName: "Allan", Department: "IT"},
		{UPN: "room.42@contoso.onmicrosoft.com", DisplayName: "Conf Room 42", Disabled: true},
	} {
		srv.AddUser(srv.TenantID, u)
	}
	return srv, appToken(t, srv)
}

func TestFilterIsHonoured(t *testing.T) {
	t.Parallel()
	srv, tok := queryServer(t)
	for _, tc := range []struct {
		name, filter string
		want         []string
	}{
		{"eq on a string, ignoring case", "department eq 'it'", []string{"Megan Admin", "Allan Deyoung"}},
		{"eq on a boolean", "accountEnabled eq false", []string{"Conf Room 42"}},
		{"startswith", "startswith(displayName,'Al')", []string{"Alex Wilber", "Allan Deyoung"}},
		{"in", "givenName in ('Adele', 'Alex')", []string{"Adele Vance", "Alex Wilber"}},
		{"and", "startswith(displayName,'Al') and department eq 'IT'", []string{"Allan Deyoung"}},
		{"or with parentheses", "(department eq 'Sales') or (jobTitle eq 'Marketing Assistant')", []string{"Adele Vance", "Alex Wilber"}},
		{"userPrincipalName eq", "userPrincipalName eq 'adele@contoso.onmicrosoft.com'", []string{"Adele Vance"}},
		{"nothing matches", "displayName eq 'Nobody'", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, tok, "/v1.0/users?$filter="+tc.filter+"&$select=displayName")
			require.Equal(t, 200, r.Status, r.Raw)
			assert.Equal(t, tc.want, r.names("displayName"))
		})
	}
}

func TestAdvancedQueriesNeedTheirParameters(t *testing.T) {
	t.Parallel()
	srv, tok := queryServer(t)
	for _, tc := range []struct {
		name, path string
		headers    []string
		status     int
		code, msg  string
	}{
		{"ne without the advanced parameters is refused", "/v1.0/users?$filter=accountEnabled ne true", nil, 400, "Request_UnsupportedQuery", "Operator 'ne' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"},
		{"ne with ConsistencyLevel but no $count is refused", "/v1.0/users?$filter=accountEnabled ne true", []string{eventual}, 400, "Request_UnsupportedQuery", ""},
		{"endsWith without the advanced parameters is refused", "/v1.0/users?$filter=endswith(mail,'@contoso.onmicrosoft.com')", nil, 400, "Request_UnsupportedQuery", "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"},
		{"not without the advanced parameters is refused", "/v1.0/users?$filter=not startswith(displayName,'Conf')", nil, 400, "Request_UnsupportedQuery", ""},
		{"a property that cannot be filtered", "/v1.0/users?$filter=lastPasswordChangeDateTime ge 2020-01-01T00:00:00Z", nil, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'lastPasswordChangeDateTime' of resource 'User'."},
		{"an operator a property does not support", "/v1.0/users?$filter=startswith(jobTitle,'IT')", nil, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'jobTitle' of resource 'User'."},
		{"a group's createdDateTime, even in an advanced query", "/v1.0/groups?$filter=createdDateTime ge 2021-11-01&$count=true", []string{eventual}, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'createdDateTime' of resource 'Group'."},
		{"an unknown property", "/v1.0/users?$filter=shoeSize eq '42'", nil, 400, "BadRequest", "Invalid filter clause: Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."},
		{"a syntax error", "/v1.0/users?$filter=displayName eq", nil, 400, "BadRequest", ""},
		{"an unterminated string", "/v1.0/users?$filter=displayName eq 'Adele", nil, 400, "BadRequest", ""},
		{"incompatible types", "/v1.0/users?$filter=accountEnabled eq 'yes'", nil, 400, "BadRequest", "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'."},
		{"$filter and $orderby together need an advanced query", "/v1.0/users?$filter=startswith(displayName,'Al')&$orderby=displayName", nil, 400, "Request_UnsupportedQuery", "Sorting not supported for current query."},
		{"$orderby on an advanced-only property", "/v1.0/users?$orderby=createdDateTime", nil, 400, "Request_UnsupportedQuery", "Sorting not supported for current query."},
		{"$orderby on an unknown property", "/v1.0/users?$orderby=shoeSize", nil, 400, "BadRequest", "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."},
		{"$search without ConsistencyLevel", "/v1.0/users?$search=\"displayName:al\"", nil, 400, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"},
		{"$search without quotes", "/v1.0/users?$search=displayName:al", []string{eventual}, 400, "BadRequest", "Syntax error: character ':' is not valid at position 11 in 'displayName:al'."},
		{"/$count without ConsistencyLevel", "/v1.0/users/$count", nil, 400, "Request_UnsupportedQuery", "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information"},
		{"$select of an unknown property", "/v1.0/users?$select=id,shoeSize", nil, 400, "BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'shoeSize' on type 'microsoft.graph.user'."},
		{"$top out of range", "/v1.0/users?$top=1000", nil, 400, "Request_BadRequest", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"$skip on directory objects", "/v1.0/users?$skip=1", nil, 400, "BadRequest", "Query option 'Skip' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."},
		{"$expand, which the fake does not implement, is refused, not ignored", "/v1.0/groups?$expand=members", nil, 400, "BadRequest", "Query option '$expand' is not supported by graphauthtest's fake Microsoft Graph."},
		{"an unknown system query option", "/v1.0/users?$shoeSize=42", nil, 400, "BadRequest", "The query parameter '$shoeSize' is not supported."},
		{"a lambda operator the fake does not implement", "/v1.0/groups?$filter=groupTypes/any(c:c eq 'Unified')", nil, 400, "BadRequest", ""},
		{"$filter on a single user", "/v1.0/users/adele@contoso.onmicrosoft.com?$filter=displayName eq 'x'", nil, 400, "BadRequest", "Query option 'Filter' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."},
		{"$filter on organization", "/v1.0/organization?$filter=id eq 'x'", nil, 400, "BadRequest", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, tok, tc.path, tc.headers...)
			assert.Equal(t, tc.status, r.Status, r.Raw)
			assert.Equal(t, tc.code, r.code(), r.Raw)
			if tc.msg != "" {
				assert.Equal(t, tc.msg, r.message())
			}
			assert.NotEmpty(t, r.Header.Get("request-id"))
		})
	}
}

func TestAdvancedQueriesWithTheirParameters(t *testing.T) {
	t.Parallel()
	srv, tok := queryServer(t)
	r := get(t, srv, tok, "/v1.0/users?$filter=accountEnabled ne true&$count=true&$select=displayName", eventual)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, []string{"Conf Room 42"}, r.names("displayName"))
	assert.EqualValues(t, 1, r.Body["@odata.count"])

	r = get(t, srv, tok, "/v1.0/users?$filter=not startswith(displayName,'Conf') and endswith(mail,'contoso.onmicrosoft.com')&$count=true&$orderby=displayName desc&$select=displayName", eventual)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, []string{"Megan Admin", "Allan Deyoung", "Alex Wilber", "Adele Vance"}, r.names("displayName"))

	r = get(t, srv, tok, "/v1.0/users?$search=\"displayName:wil\" OR \"displayName:vance\"&$select=displayName", eventual)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, []string{"Adele Vance", "Alex Wilber"}, r.names("displayName"), "$search matches the start of any word")

	r = get(t, srv, tok, "/v1.0/users/$count?$filter=startswith(displayName,'Al')", eventual)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "2", r.Raw)
	assert.Contains(t, r.Header.Get("Content-Type"), "text/plain")

	r = get(t, srv, tok, "/v1.0/users/$count?$filter=endswith(mail,'.com')", eventual)
	assert.Equal(t, "5", r.Raw, "a /$count segment counts as $count=true for advanced operators")

	r = get(t, srv, tok, "/v1.0/users?$count=true")
	require.Equal(t, 200, r.Status)
	assert.NotContains(t, r.Body, "@odata.count", "Graph ignores $count=true without ConsistencyLevel, as documented")

	r = get(t, srv, tok, "/v1.0/users?$orderby=displayName&$select=displayName")
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, []string{"Adele Vance", "Alex Wilber", "Allan Deyoung", "Conf Room 42", "Megan Admin"}, r.names("displayName"), "$orderby displayName works by default")
}

func TestSelectAndPaging(t *testing.T) {
	t.Parallel()
	srv, tok := queryServer(t)
	r := get(t, srv, tok, "/v1.0/users?$select=id,displayName&$top=2&$filter=startswith(displayName,'A')")
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#users(id,displayName)", r.Body["@odata.context"])
	for _, u := range r.values() {
		assert.Len(t, u, 2, "only the selected properties: %v", u)
	}
	next, _ := r.Body["@odata.nextLink"].(string)
	require.NotEmpty(t, next)
	r2 := graphDo(t, srv, tok, "GET", next, nil)
	require.Equal(t, 200, r2.Status, r2.Raw)
	assert.Equal(t, []string{"Allan Deyoung"}, r2.names("displayName"), "the next link keeps the filter and $select")
	assert.NotContains(t, r2.Body, "@odata.nextLink")

	full := get(t, srv, tok, "/v1.0/users/adele@contoso.onmicrosoft.com")
	require.Equal(t, 200, full.Status, full.Raw)
	for _, p := range []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"} {
		assert.Contains(t, full.Body, p, "the default properties of a user")
	}
	assert.NotContains(t, full.Body, "department", "department needs $select")
	sel := get(t, srv, tok, "/v1.0/users/adele@contoso.onmicrosoft.com?$select=department,accountEnabled")
	assert.Equal(t, "Sales", sel.Body["department"])
	assert.Equal(t, true, sel.Body["accountEnabled"])
}
