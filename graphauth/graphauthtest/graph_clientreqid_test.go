package graphauthtest_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestGraphAnswersWithTheClientRequestID is the regression test for the
// fake Graph dropping the client-request-id header msgraph-sdk-go sends
// (Graph echoes it, and fills in its request-id when none was sent) and
// answering an empty innerError client-request-id.
func TestGraphAnswersWithTheClientRequestID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.Read.All")
	const sent = "5a0f8b8e-8b0e-4c52-9d7a-2f5e8b0c7d11"

	ok := get(t, srv, tok, "/v1.0/users", "client-request-id: "+sent)
	require.Equal(t, 200, ok.Status)
	assert.Equal(t, sent, ok.Header.Get("client-request-id"))

	denied := get(t, srv, "not-a-token", "/v1.0/users", "client-request-id: "+sent)
	require.Equal(t, 401, denied.Status)
	assert.Equal(t, sent, denied.Header.Get("client-request-id"))
	inner := denied.Body["error"].(map[string]any)["innerError"].(map[string]any)
	assert.Equal(t, sent, inner["client-request-id"])

	unsent := get(t, srv, "not-a-token", "/v1.0/users")
	inner = unsent.Body["error"].(map[string]any)["innerError"].(map[string]any)
	assert.Equal(t, unsent.Header.Get("request-id"), unsent.Header.Get("client-request-id"))
	assert.Equal(t, unsent.Header.Get("request-id"), inner["client-request-id"])
}

// Graph's JSON answers carry OData's content type and version, are not to
// be cached, and carry HSTS and the gateway's x-ms-ags-diagnostic, answers
// and refusals alike, as real Graph sends them.
func TestGraphAnswersWithODataHeaders(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.Read.All")
	for _, r := range []reply{get(t, srv, tok, "/v1.0/users"), get(t, srv, "not-a-token", "/v1.0/users"), get(t, srv, tok, "/v1.0/nothing")} {
		assert.Equal(t, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8", r.Header.Get("Content-Type"), r.Status)
		assert.Equal(t, "4.0", r.Header.Get("OData-Version"), r.Status)
		assert.Equal(t, "no-cache", r.Header.Get("Cache-Control"), r.Status)
		assert.Equal(t, "max-age=31536000", r.Header.Get("Strict-Transport-Security"), r.Status)
		var diag struct {
			ServerInfo struct{ DataCenter, Slice, Ring, ScaleUnit, RoleInstance string }
		}
		require.NoError(t, json.Unmarshal([]byte(r.Header.Get("x-ms-ags-diagnostic")), &diag), "the gateway's diagnostic header is JSON, as Graph's is")
		assert.NotEmpty(t, diag.ServerInfo.DataCenter)
	}
}
