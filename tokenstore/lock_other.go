//go:build !unix

package tokenstore

// lockFile is a no-op where flock is not available: writes stay atomic
// (rename), and the last writer wins.
func lockFile(string) (func(), error) { return func() {}, nil }
