package registration_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
)

type fixedToken struct{}

func (fixedToken) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	return graphauth.Token{AccessToken: "stub-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Two replicas (or two administrators) fix the same AADSTS650052 at once:
// the one whose create loses the race to the other finds the service
// principal the other made, instead of failing with Graph's conflict.
func TestEnsureServicePrincipalThatLosesARaceFindsTheWinners(t *testing.T) {
	t.Parallel()
	const teams = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"
	var gets atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodGet:
			if gets.Add(1) == 1 { // before the other replica's create
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"error":{"code":"Request_ResourceNotFound","message":"Resource not found."}}`)
				return
			}
			fmt.Fprintf(w, `{"id":"sp-1","appId":%q,"displayName":"Skype and Teams Tenant Admin API"}`, teams)
		case http.MethodPost:
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"error":{"code":"Request_MultipleObjectsWithSameKeyValue","message":"Another object with the same value for property appId already exists."}}`)
		}
	}))
	defer api.Close()
	c, err := registration.NewClient(fixedToken{}, &registration.ClientOptions{GraphEndpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	sp, created, err := c.EnsureServicePrincipal(context.Background(), teams)
	require.NoError(t, err)
	assert.False(t, created, "the other replica created it")
	assert.Equal(t, "sp-1", sp.ID)
}
