package graphauth_test

import (
	"crypto/rsa"
	"io"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

type rsaKey = rsa.PrivateKey

func bigOne() *big.Int { return big.NewInt(1) }

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// waitForStoreWrites waits until the store holds n values: credentials
// write to the Store after answering their callers.
func waitForStoreWrites(t *testing.T, store *graphauth.MemoryStore, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return store.Len() >= n }, 5*time.Second, time.Millisecond, "the token reached the store")
}
