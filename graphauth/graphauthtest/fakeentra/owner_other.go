//go:build !unix

package main

import "os"

// ownedByMe reports whether this process's user owns the file; outside Unix
// the file mode check is all there is.
func ownedByMe(os.FileInfo) bool { return true }

// othersCanWrite is false outside Unix, where the mode bits do not tell.
func othersCanWrite(os.FileInfo) bool { return false }
