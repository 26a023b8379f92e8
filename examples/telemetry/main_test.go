package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheRunsMetricsAndSpansArePrinted(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Contains(t, s, "token requests the platform saw: 2\n", "one for the cached token, one for the throttled tenant")
	for _, name := range []string{"entrakit.token.requests", "entrakit.token.cache.lookups", "entrakit.token.duration", "entrakit.token.throttled", "entrakit.token.retry_after"} {
		assert.Contains(t, s, `"Name": "`+name+`"`)
	}
	assert.Contains(t, s, "entrakit.endpoint=token")
	assert.Contains(t, s, "span GET client:")
	assert.NotContains(t, s, "eyJ", "no token in any attribute")
}
