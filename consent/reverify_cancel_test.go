package consent_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
)

// A Reverify that its caller cancels (a dashboard request that timed out)
// leaves the tenants it did not check as they were: a confirmed customer
// does not become "failed: context canceled".
func TestReverifyCancelledLeavesRecordsAsTheyWere(t *testing.T) {
	t.Parallel()
	reg := &consent.MemoryRegistry{}
	ctx, cancel := context.WithCancel(context.Background())
	for i := range 5 {
		require.NoError(t, reg.Put(ctx, consent.Record{TenantID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i),
			Status: consent.StatusConfirmed, Roles: []string{"User.Read.All"}}))
	}
	cancel()
	cred := credFunc(func(ctx context.Context, _ graphauth.TokenRequest) (graphauth.Token, error) {
		return graphauth.Token{}, ctx.Err()
	})
	_, err := consent.Reverify(ctx, reg, cred, []string{"User.Read.All"}, nil)
	assert.True(t, errors.Is(err, context.Canceled), "the caller learns the check did not run: %v", err)
	recs, err := reg.List(context.Background())
	require.NoError(t, err)
	for _, r := range recs {
		assert.Equal(t, consent.StatusConfirmed, r.Status, r.TenantID)
		assert.Empty(t, r.Error)
		assert.Equal(t, []string{"User.Read.All"}, r.Roles)
	}
}

// A tenant the product deleted (offboarded) while Reverify was checking it
// is not written back.
func TestReverifyDoesNotResurrectADeletedTenant(t *testing.T) {
	t.Parallel()
	reg := &consent.MemoryRegistry{}
	ctx := context.Background()
	gone := "00000001-0000-4000-8000-000000000000"
	kept := "00000002-0000-4000-8000-000000000000"
	for _, id := range []string{gone, kept} {
		require.NoError(t, reg.Put(ctx, consent.Record{TenantID: id, Status: consent.StatusConfirmed, AppState: "old"}))
	}
	cred := credFunc(func(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
		switch req.TenantID {
		case gone:
			require.NoError(t, reg.Delete(ctx, gone)) // offboarded meanwhile
		case kept: // onboarded again meanwhile, for another client record
			require.NoError(t, reg.Put(ctx, consent.Record{TenantID: kept, Status: consent.StatusConfirmed, AppState: "new"}))
		}
		return graphauth.Token{}, &graphauth.AuthError{StatusCode: 401, Code: "invalid_client", AADSTS: []int{7000222}}
	})
	_, err := consent.Reverify(ctx, reg, cred, []string{"User.Read.All"}, &consent.ConfirmOptions{Parallel: 1})
	require.NoError(t, err)
	_, ok, _ := reg.Get(ctx, gone)
	assert.False(t, ok, "the deleted tenant stays deleted")
	rec, ok, _ := reg.Get(ctx, kept)
	require.True(t, ok)
	assert.Equal(t, "new", rec.AppState, "the newer onboarding's state is kept")
	assert.Equal(t, consent.StatusFailed, rec.Status, "with the check's result")
}

// credFunc is a credential made of a function.
type credFunc func(context.Context, graphauth.TokenRequest) (graphauth.Token, error)

func (f credFunc) Token(ctx context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	return f(ctx, req)
}

// A negative Parallel (meant as "no bound") is a configuration error, not
// a panic that takes the process down.
func TestReverifyRefusesNegativeOptions(t *testing.T) {
	t.Parallel()
	reg := &consent.MemoryRegistry{}
	require.NoError(t, reg.Put(context.Background(), consent.Record{TenantID: "00000001-0000-4000-8000-000000000000", Status: consent.StatusConfirmed}))
	cred := credFunc(func(context.Context, graphauth.TokenRequest) (graphauth.Token, error) { return graphauth.Token{}, nil })
	_, err := consent.Reverify(context.Background(), reg, cred, nil, &consent.ConfirmOptions{Parallel: -1})
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	rec, _, _ := reg.Get(context.Background(), "00000001-0000-4000-8000-000000000000")
	assert.Equal(t, consent.StatusConfirmed, rec.Status)
}
