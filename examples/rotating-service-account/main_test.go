package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTwoReplicasRotateTheSecretWithNoRestart(t *testing.T) {
	t.Setenv("AZURE_CLIENT_SECRET", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Equal(t, "due, replica 1: rotated; token: true\n"+
		"due, replica 2: picked up; token: true\n"+
		"after the overlap, replica 1: removed; token: true\n"+
		"after the overlap, replica 2: nothing; token: true\n"+
		"the old secret is refused: true\n", out.String())
}
