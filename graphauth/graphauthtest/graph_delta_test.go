package graphauthtest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// deltaRound follows next links from path to the delta link, returning
// every entry and the delta link.
func deltaRound(t *testing.T, srv *graphauthtest.Server, tok, path string, headers ...string) ([]map[string]any, string) {
	t.Helper()
	var all []map[string]any
	for range 20 {
		r := get(t, srv, tok, path, headers...)
		require.Equal(t, 200, r.Status, r.Raw)
		all = append(all, r.values()...)
		if next, ok := r.Body["@odata.nextLink"].(string); ok {
			path = next
			continue
		}
		link, _ := r.Body["@odata.deltaLink"].(string)
		require.NotEmpty(t, link)
		return all, link
	}
	t.Fatal("no delta link after 20 pages")
	return nil, ""
}

func byID(entries []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range entries {
		out[e["id"].(string)] = e
	}
	return out
}

func TestUsersDeltaTracksChangesAndExpires(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.ReadWrite.All")

	first, link := deltaRound(t, srv, tok, "/v1.0/users/delta?$select=displayName,jobTitle", "Prefer: odata.maxpagesize=1")
	assert.Len(t, first, 2, "the first round lists every user, one per page here")
	assert.Contains(t, first[0], "displayName")
	assert.NotContains(t, first[0], "mail", "only the selected properties are tracked")

	nothing, link := deltaRound(t, srv, tok, link)
	assert.Empty(t, nothing, "no change, no entries")

	added := srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "lee@contoso.onmicrosoft.com", DisplayName: "Lee Gu"})
	adele := get(t, srv, tok, "/v1.0/users/adele@contoso.onmicrosoft.com").Body["id"].(string)
	require.Equal(t, 204, graphDo(t, srv, tok, "PATCH", "/v1.0/users/"+adele, map[string]any{"jobTitle": "VP Sales"}).Status)
	admin := get(t, srv, tok, "/v1.0/users/admin@contoso.onmicrosoft.com").Body["id"].(string)
	require.Equal(t, 204, graphDo(t, srv, tok, "DELETE", "/v1.0/users/"+admin, nil).Status)

	changes, link := deltaRound(t, srv, tok, link)
	got := byID(changes)
	require.Len(t, got, 3, "%v", changes)
	assert.Equal(t, "Lee Gu", got[added.ID]["displayName"], "a new user")
	assert.Equal(t, "VP Sales", got[adele]["jobTitle"], "an updated user")
	assert.Equal(t, map[string]any{"reason": "changed"}, got[admin]["@removed"], "a deleted user, restorable for 30 days")

	// A delta link older than the retention (seven days for directory
	// objects) is answered 410 with syncStateNotFound; the fake's clock
	// moves, nothing sleeps.
	srv.Advance(7*24*time.Hour + time.Minute)
	tok = appToken(t, srv)
	gone := get(t, srv, tok, link)
	assert.Equal(t, 410, gone.Status, gone.Raw)
	assert.Equal(t, "syncStateNotFound", gone.code())
	assert.Equal(t, "The sync state generation is not found. The delta token is expired and data must be synchronized again.", gone.message())
	assert.Equal(t, srv.URL+"/v1.0/users/delta", gone.Header.Get("Location"), "where a full synchronization starts again")

	again, _ := deltaRound(t, srv, tok, "/v1.0/users/delta")
	assert.Len(t, again, 2, "a new first round works")
}

func TestGroupsDeltaReportsMembership(t *testing.T) {
	t.Parallel()
	srv, ids := nestedGroups(t)
	tok := tokenWithRoles(t, srv, "GroupMember.ReadWrite.All")
	first, link := deltaRound(t, srv, tok, "/v1.0/groups/delta?$select=displayName,members")
	eng := byID(first)[ids["Engineering"]]
	require.NotNil(t, eng)
	assert.Len(t, eng["members@delta"], 2, "the first round lists each group's members")

	ref := map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + ids["cy@contoso.onmicrosoft.com"]}
	require.Equal(t, 204, graphDo(t, srv, tok, "POST", "/v1.0/groups/"+ids["Engineering"]+"/members/$ref", ref).Status)
	require.Equal(t, 204, graphDo(t, srv, tok, "DELETE", "/v1.0/groups/"+ids["Engineering"]+"/members/"+ids["ana@contoso.onmicrosoft.com"]+"/$ref", nil).Status)

	changes, _ := deltaRound(t, srv, tok, link)
	require.Len(t, changes, 1)
	assert.Equal(t, []any{
		map[string]any{"@odata.type": "#microsoft.graph.user", "id": ids["cy@contoso.onmicrosoft.com"]},
		map[string]any{"@odata.type": "#microsoft.graph.user", "id": ids["ana@contoso.onmicrosoft.com"], "@removed": map[string]any{"reason": "deleted"}},
	}, changes[0]["members@delta"])
}

func TestDeltaOptions(t *testing.T) {
	t.Parallel()
	srv, ids := nestedGroups(t)
	tok := ids["token"]
	scoped, _ := deltaRound(t, srv, tok, "/v1.0/groups/delta?$filter=id eq '"+ids["Platform"]+"' or id eq '"+ids["Announcements"]+"'")
	assert.Len(t, scoped, 2, "a filter on ids scopes the delta")

	latest, link := deltaRound(t, srv, tok, "/v1.0/users/delta?$deltatoken=latest")
	assert.Empty(t, latest, "$deltatoken=latest syncs from now")
	srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "di@contoso.onmicrosoft.com"})
	after, _ := deltaRound(t, srv, tok, link)
	assert.Len(t, after, 1)

	for _, tc := range []struct{ name, path, code string }{
		{"$top is not supported on delta", "/v1.0/users/delta?$top=5", "BadRequest"},
		{"$orderby is not supported on delta", "/v1.0/users/delta?$orderby=displayName", "BadRequest"},
		{"a filter on anything but id", "/v1.0/users/delta?$filter=displayName eq 'ana'", "Request_UnsupportedQuery"},
		{"a tampered token", "/v1.0/users/delta?$deltatoken=garbage", "BadRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, srv, tok, tc.path)
			assert.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, tc.code, r.code())
		})
	}
}

func TestDeltaRetentionIsConfigurable(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{DeltaRetention: time.Hour})
	defer srv.Close()
	tok := appToken(t, srv)
	_, link := deltaRound(t, srv, tok, "/v1.0/users/delta")
	srv.Advance(59 * time.Minute)
	assert.Equal(t, 200, get(t, srv, tok, link).Status)
	srv.Advance(2 * time.Minute)
	tok = appToken(t, srv)
	assert.Equal(t, 410, get(t, srv, tok, link).Status)
}
