package msgraph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A path written as Graph's documentation writes it, with spaces in a
// $filter or a guest's #EXT# user principal name, reaches Graph as
// written: not a malformed request line, and not cut at '#' to read
// another user.
func TestAPathAsTheDocumentationWritesItIsSentAsWritten(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths, filters []string
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths, filters = append(paths, r.URL.Path), append(filters, r.URL.Query().Get("$filter"))
		mu.Unlock()
		fmt.Fprint(w, `{"value":[]}`)
	}))
	defer api.Close()
	c := stubClient(t, api)
	ctx := context.Background()
	require.NoError(t, c.Get(ctx, "/users?$filter=displayName eq 'Lee Gu'", nil))
	require.NoError(t, c.Get(ctx, "/users/lee_contoso.com#EXT#@fabrikam.onmicrosoft.com", nil))
	require.NoError(t, c.Get(ctx, "/users?$filter=startswith(displayName,'Zoë')", nil))
	require.NoError(t, c.Get(ctx, "/users?$filter=displayName%20eq%20'A'", nil))
	assert.Equal(t, []string{"/v1.0/users", "/v1.0/users/lee_contoso.com#EXT#@fabrikam.onmicrosoft.com", "/v1.0/users", "/v1.0/users"}, paths)
	assert.Equal(t, []string{"displayName eq 'Lee Gu'", "", "startswith(displayName,'Zoë')", "displayName eq 'A'"}, filters)
}
