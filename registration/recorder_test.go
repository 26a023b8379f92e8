package registration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

func TestASetDropsWhatAnotherOfItsPermissionsAllows(t *testing.T) {
	t.Parallel()
	// GET /users alone needs User.ReadBasic.All; GET /users/delta needs
	// User.Read.All, which allows GET /users as well.
	set, err := registration.LeastPrivilegeSet([]registration.Call{
		{"GET", "/v1.0/users"}, {"GET", "/v1.0/users/delta"}, {"GET", "/v1.0/users/1"}, {"GET", "/v1.0/users/2"},
	}, app)
	require.NoError(t, err)
	assert.Equal(t, []string{"User.Read.All"}, set.Names())
	require.Len(t, set.Calls, 3, "one per method and template")
	assert.Equal(t, "/users/{id}", set.Calls[2].Template())
	assert.Len(t, set.Needing(set.Permissions[0]), 3)

	only, err := registration.LeastPrivilegeSet([]registration.Call{{"GET", "/v1.0/users"}}, app)
	require.NoError(t, err)
	assert.Equal(t, []string{"User.ReadBasic.All"}, only.Names())
}

func TestASetCoversEveryCallItKnowsAndNamesTheOthers(t *testing.T) {
	t.Parallel()
	set, err := registration.LeastPrivilegeSet([]registration.Call{
		{"GET", "/v1.0/groups"}, {"POST", "/v1.0/groups/1/members/$ref"}, {"POST", "/v1.0/groups/2/members/$ref"},
		{"GET", "/v1.0/groups/1/members"}, {"GET", "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')"},
	}, app)
	assert.Equal(t, []string{"GroupMember.Read.All", "Reports.Read.All"}, set.Names())
	var ue *registration.UnknownCallError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "POST", ue.Method)
	assert.Equal(t, registration.MissMethod, ue.Miss)
	assert.Contains(t, err.Error(), "/v1.0/groups/1/members/$ref")
	assert.Contains(t, err.Error(), "/v1.0/groups/2/members/$ref", "each unknown path is named")
}

func TestASetKeepsWhatTheCallsAlsoRequire(t *testing.T) {
	t.Parallel()
	set, err := registration.LeastPrivilegeSet([]registration.Call{{"POST", "/v1.0/applications/1/owners/$ref"}}, app)
	require.NoError(t, err)
	assert.Equal(t, []string{"Application.ReadWrite.OwnedBy", "Directory.Read.All"}, set.Names())
}

func TestASetRendersAsTheManifestAndTheConsentScope(t *testing.T) {
	t.Parallel()
	set, err := registration.LeastPrivilegeSet([]registration.Call{{"GET", "/v1.0/users/delta"}, {"GET", "/v1.0/domains"}}, app)
	require.NoError(t, err)
	data, err := json.Marshal(set.RequiredResourceAccess())
	require.NoError(t, err)
	assert.JSONEq(t, `[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[
		{"id":"dbb9058a-0e50-45d7-ae91-66909b5d4664","type":"Role"},
		{"id":"df021288-bdef-4463-88db-98f22de89214","type":"Role"}]}]`, string(data))
	graph, _, err := registration.ParseRequiredResourceAccess(data)
	require.NoError(t, err)
	assert.Equal(t, set.Permissions, graph)
	assert.Equal(t, "https://graph.microsoft.com/.default", set.Scope(graphauth.Cloud{}))
	assert.Equal(t, "https://graph.microsoft.us/.default", set.Scope(graphauth.AzureGovernment))

	me, err := registration.LeastPrivilegeSet([]registration.Call{{"GET", "/v1.0/me"}, {"GET", "/v1.0/me/memberOf"}}, work)
	require.NoError(t, err)
	assert.Equal(t, "https://graph.microsoft.com/User.Read", me.Scope(graphauth.Cloud{}))
	data, _ = json.Marshal(me.RequiredResourceAccess())
	assert.Contains(t, string(data), `"type":"Scope"`)
}

// newRecordingClient is an http.Client that authenticates to the fake
// platform's Graph through a Recorder.
func newRecordingClient(t *testing.T, srv *graphauthtest.Server, rec *registration.Recorder) *http.Client {
	t.Helper()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	rec.Base = srv.Client().Transport
	return &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: rec, AllowedHosts: []string{srv.URL}}}
}

func get(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestARecorderUnderTheTransportDerivesTheManifest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	rec := &registration.Recorder{}
	client := newRecordingClient(t, srv, rec)
	assert.Equal(t, 200, get(t, client, srv.URL+"/v1.0/users?$top=1"))
	assert.Equal(t, 200, get(t, client, srv.URL+"/v1.0/groups"))
	get(t, client, srv.URL+"/v1.0/users/"+srv.ClientID)
	get(t, client, srv.URL+"/v1.0/users/someone-else")

	calls := rec.Calls()
	require.Len(t, calls, 3, "the token request is not a Graph call; two users are one template")
	assert.Equal(t, registration.Call{Method: "GET", URL: "/v1.0/users"}, calls[0])
	set, err := rec.Permissions(app)
	require.NoError(t, err)
	assert.Equal(t, []string{"GroupMember.Read.All", "User.ReadBasic.All"}, set.Names())
	rec.Reset()
	assert.Empty(t, rec.Calls())
}

func TestARecorderReadsTheFakeRequestLog(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	client := newRecordingClient(t, srv, &registration.Recorder{})
	get(t, client, srv.URL+"/v1.0/groups?$top=5")
	get(t, client, srv.URL+"/v1.0/domains")

	var rec registration.Recorder
	for _, r := range srv.Requests() {
		rec.Record(r.Method, r.Path) // token requests are left out: not /v1.0 or /beta
	}
	set, err := rec.Permissions(app)
	require.NoError(t, err)
	assert.Equal(t, []string{"Domain.Read.All", "GroupMember.Read.All"}, set.Names())
}

func TestARecorderIsSafeForConcurrentUseAndBounded(t *testing.T) {
	t.Parallel()
	var rec registration.Recorder
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				rec.Record("GET", fmt.Sprintf("/v1.0/users/%d-%d", w, i))
				rec.Record("GET", fmt.Sprintf("/v1.0/unknown/%d-%d", w, i))
			}
		}(w)
	}
	wg.Wait()
	calls := rec.Calls()
	assert.Len(t, calls, 1+1000, "one mapped template, and at most 1,000 unmapped paths")
	_, err := rec.Permissions(app)
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 1000)
}

func TestARecorderPassesResponsesAndErrorsThrough(t *testing.T) {
	t.Parallel()
	failing := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("down") })
	rec := &registration.Recorder{Base: failing}
	req, _ := http.NewRequestWithContext(context.Background(), "PATCH", "https://graph.microsoft.com/beta/users/1", nil)
	_, err := rec.RoundTrip(req)
	assert.EqualError(t, err, "down")
	assert.Equal(t, []registration.Call{{Method: "PATCH", URL: "/beta/users/1"}}, rec.Calls(), "noted even when the call fails")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestADerivedSetRegistersAndIsGrantedAsItIs(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	ctx := context.Background()
	set, err := registration.LeastPrivilegeSet([]registration.Call{{"GET", "/v1.0/users"}, {"GET", "/v1.0/groups/1/members"}}, app)
	require.NoError(t, err)

	created, err := c.CreateApp(ctx, registration.App{DisplayName: "least sync", Permissions: set.Permissions})
	require.NoError(t, err)
	declared, _, err := registration.ParseRequiredResourceAccess(mustJSON(t, created.RequiredResourceAccess))
	require.NoError(t, err)
	assert.Equal(t, set.Permissions, declared)
	require.NoError(t, c.GrantPermissionSet(ctx, created.AppID, set))
	granted, err := c.AppRoleAssignments(ctx, created.AppID)
	require.NoError(t, err)
	var ids []string
	for _, g := range granted {
		ids = append(ids, g.AppRoleID)
	}
	assert.ElementsMatch(t, []string{set.Permissions[0].ID, set.Permissions[1].ID}, ids)
	assert.NoError(t, c.GrantPermissionSet(ctx, created.AppID, registration.PermissionSet{}), "an empty set grants nothing")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}
