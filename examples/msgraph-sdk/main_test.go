package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func newServer(t *testing.T) *graphauthtest.Server {
	t.Helper()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunPrintsTheFilteredUsers(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, newServer(t)))
	assert.Equal(t, "Adele Vance adele@contoso.onmicrosoft.com\n", out.String())
}

func TestSDKListsUsersAndGroupsWithFilterAndPaging(t *testing.T) {
	srv := newServer(t)
	for i := range 5 {
		srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "temp" + string(rune('a'+i)) + "@contoso.onmicrosoft.com", Department: "Temps"})
	}
	client, adapter, err := newClient(srv)
	require.NoError(t, err)
	ctx := context.Background()

	filter, top := "department eq 'Temps'", int32(2)
	first, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Top: &top, Select: []string{"id", "department"}},
	})
	require.NoError(t, err)
	var names []string
	it, err := msgraphcore.NewPageIterator[models.Userable](first, adapter, models.CreateUserCollectionResponseFromDiscriminatorValue)
	require.NoError(t, err)
	require.NoError(t, it.Iterate(ctx, func(u models.Userable) bool {
		names = append(names, *u.GetDepartment())
		return true
	}))
	assert.Len(t, names, 5, "the page iterator follows @odata.nextLink and the filter holds on every page")

	groupList, err := client.Groups().Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Orderby: []string{"displayName"}},
	})
	require.NoError(t, err)
	var groupNames []string
	for _, g := range groupList.GetValue() {
		groupNames = append(groupNames, *g.GetDisplayName())
	}
	assert.Equal(t, []string{"All Staff", "IT Admins", "Sales"}, groupNames)

	// An advanced query without its parameters is refused as Graph refuses
	// it, and the SDK surfaces Graph's error code.
	ne := "department ne 'Temps'"
	_, err = client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &ne},
	})
	var odataErr *odataerrors.ODataError
	require.True(t, errors.As(err, &odataErr), "%v", err)
	assert.Equal(t, "Request_UnsupportedQuery", *odataErr.GetErrorEscaped().GetCode())

	// With ConsistencyLevel and $count it works, and the count comes back.
	headers := abstractions.NewRequestHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	count := true
	advanced, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		Headers:         headers,
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &ne, Count: &count},
	})
	require.NoError(t, err)
	assert.EqualValues(t, 2, *advanced.GetOdataCount())
}

func TestSDKFollowsDelta(t *testing.T) {
	srv := newServer(t)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.ReadWrite.All")
	client, _, err := newClient(srv)
	require.NoError(t, err)
	ctx := context.Background()

	round := func(link string) ([]models.Userable, string) {
		var seen []models.Userable
		for range 10 {
			var resp users.DeltaGetResponseable
			var err error
			if link == "" {
				resp, err = client.Users().Delta().GetAsDeltaGetResponse(ctx, nil)
			} else {
				resp, err = client.Users().Delta().WithUrl(link).GetAsDeltaGetResponse(ctx, nil)
			}
			require.NoError(t, err)
			seen = append(seen, resp.GetValue()...)
			if next := resp.GetOdataNextLink(); next != nil {
				link = *next
				continue
			}
			require.NotNil(t, resp.GetOdataDeltaLink())
			return seen, *resp.GetOdataDeltaLink()
		}
		t.Fatal("no delta link")
		return nil, ""
	}
	all, link := round("")
	assert.Len(t, all, 2)

	srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "newhire@contoso.onmicrosoft.com", DisplayName: "New Hire"})
	changes, link := round(link)
	require.Len(t, changes, 1)
	assert.Equal(t, "New Hire", *changes[0].GetDisplayName())

	// Eight days later (the fake's clock) the delta link has expired. A new
	// client gets a token valid at the fake's new time: graphauth's cache
	// keeps its own clock.
	srv.Advance(8 * 24 * time.Hour)
	client, _, err = newClient(srv)
	require.NoError(t, err)
	_, err = client.Users().Delta().WithUrl(link).GetAsDeltaGetResponse(ctx, nil)
	var odataErr *odataerrors.ODataError
	require.True(t, errors.As(err, &odataErr), "%v", err)
	assert.Equal(t, 410, odataErr.ResponseStatusCode)
	assert.Equal(t, "syncStateNotFound", *odataErr.GetErrorEscaped().GetCode())
}

func TestSDKPostsABatch(t *testing.T) {
	srv := newServer(t)
	client, adapter, err := newClient(srv)
	require.NoError(t, err)
	ctx := context.Background()

	filter := "department eq 'Sales'"
	usersReq, err := client.Users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter},
	})
	require.NoError(t, err)
	groupsReq, err := client.Groups().ToGetRequestInformation(ctx, nil)
	require.NoError(t, err)

	batch := msgraphcore.NewBatchRequest(adapter)
	usersItem, err := batch.AddBatchRequestStep(*usersReq)
	require.NoError(t, err)
	groupsItem, err := batch.AddBatchRequestStep(*groupsReq)
	require.NoError(t, err)
	groupsItem.DependsOnItem(usersItem)

	resp, err := batch.Send(ctx, adapter)
	require.NoError(t, err)
	sales, err := msgraphcore.GetBatchResponseById[models.UserCollectionResponseable](resp, *usersItem.GetId(), models.CreateUserCollectionResponseFromDiscriminatorValue)
	require.NoError(t, err)
	require.Len(t, sales.GetValue(), 1, "$filter is honoured inside the batch")
	assert.Equal(t, "Adele Vance", *sales.GetValue()[0].GetDisplayName())
	all, err := msgraphcore.GetBatchResponseById[models.GroupCollectionResponseable](resp, *groupsItem.GetId(), models.CreateGroupCollectionResponseFromDiscriminatorValue)
	require.NoError(t, err)
	assert.Len(t, all.GetValue(), 3)
}

// The SDK's cast builders (MemberOf().GraphGroup(), Members().GraphUser())
// send …/graph.group and …/graph.user, which Graph serves as collections
// of that type.
func TestSDKListsAUsersGroupsByCast(t *testing.T) {
	srv := newServer(t)
	client, _, err := newClient(srv)
	require.NoError(t, err)
	ctx := context.Background()
	filter := "startswith(displayName,'Adele')"
	found, err := client.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter},
	})
	require.NoError(t, err)
	require.Len(t, found.GetValue(), 1)
	groupsOf, err := client.Users().ByUserId(*found.GetValue()[0].GetId()).MemberOf().GraphGroup().Get(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, groupsOf.GetValue())
	for _, g := range groupsOf.GetValue() {
		assert.NotEmpty(t, *g.GetDisplayName())
		members, err := client.Groups().ByGroupId(*g.GetId()).Members().GraphUser().Get(ctx, nil)
		require.NoError(t, err)
		assert.NotEmpty(t, members.GetValue(), "%s has its user members", *g.GetDisplayName())
	}
}
