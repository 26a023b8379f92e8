//go:build !unix

package tokenstore

import (
	"fmt"
	"io/fs"
	"os"
)

// openFlags open a stored value for reading.
const openFlags = os.O_RDONLY

// checkPrivate requires a folder; its access control list is the
// operator's to set.
func checkPrivate(dir string, info fs.FileInfo) error {
	if !info.IsDir() {
		return fmt.Errorf("tokenstore: %s is not a folder", dir)
	}
	return nil
}
