package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestTheCAVouchesForLoopbackNamesOnly is the regression test for a CA
// without name constraints: fakeentra writes it to a file users are told to
// trust, and one added to a system store let whoever got its key (from a
// running fake's memory) issue certificates for login.microsoftonline.com.
// Its critical name constraints now limit it to localhost, 127.0.0.1 and ::1.
func TestTheCAVouchesForLoopbackNamesOnly(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ca := srv.CA()
	assert.True(t, ca.PermittedDNSDomainsCritical, "the constraints are critical: a client that cannot read them refuses the CA")
	assert.Equal(t, []string{"localhost"}, ca.PermittedDNSDomains)
	require.Len(t, ca.PermittedIPRanges, 2)
	var ranges []string
	for _, r := range ca.PermittedIPRanges {
		ranges = append(ranges, r.String())
	}
	assert.ElementsMatch(t, []string{"127.0.0.1/32", "::1/128"}, ranges)
}
