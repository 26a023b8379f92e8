package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestQueryOptionNamesAnyCase: Graph matches system query option names
// whatever their case, so $FILTER filters; the fake used to accept the
// option and then silently ignore it, which let a user's filter "pass".
func TestQueryOptionNamesAnyCase(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.Read.All", "Group.Read.All")

	filtered := get(t, srv, tok, "/v1.0/users?$FILTER=displayName eq 'Adele Vance'")
	require.Equal(t, 200, filtered.Status, filtered.Raw)
	assert.Equal(t, []string{"Adele Vance"}, filtered.names("displayName"))

	top := get(t, srv, tok, "/v1.0/users?$Top=1")
	require.Equal(t, 200, top.Status, top.Raw)
	assert.Len(t, top.values(), 1)
	assert.NotEmpty(t, top.Body["@odata.nextLink"])

	all := get(t, srv, tok, "/v1.0/users/delta")
	require.Equal(t, 200, all.Status, all.Raw)
	one := get(t, srv, tok, "/v1.0/users/delta?$Filter=id eq '"+all.values()[0]["id"].(string)+"'")
	require.Equal(t, 200, one.Status, one.Raw)
	assert.Len(t, one.values(), 1, "a delta $filter in any case is honoured")
}

// TestQueryOptionGivenTwiceRefused: an option given twice (or in two
// spellings) is refused with OData's error, never resolved by picking one.
func TestQueryOptionGivenTwiceRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.Read.All")
	for _, path := range []string{
		"/v1.0/users?$filter=displayName eq 'Adele Vance'&$Filter=displayName eq 'Nobody'",
		"/v1.0/users?$top=1&$top=2",
		"/v1.0/users/delta?$select=displayName&$select=mail",
	} {
		r := get(t, srv, tok, path)
		assert.Equal(t, 400, r.Status, path)
		assert.Equal(t, "BadRequest", r.code(), path)
		assert.Contains(t, r.message(), "was specified more than once, but it must be specified at most once.", path)
	}
}
