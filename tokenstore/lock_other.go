//go:build !unix

package tokenstore

import "context"

// lockFile is a no-op where flock is not available: writes stay atomic
// (rename), and the last writer wins.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
