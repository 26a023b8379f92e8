//go:build unix

package tokenstore

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// openFlags open a stored value without following a symbolic link put in
// its place, and without waiting on a FIFO put there.
const openFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// checkPrivate refuses a folder that another user could write to: one
// writable by its group or by everyone, or owned by another user. Such a
// user could rename a value of their own over one of ours (a token for
// their tenant, read back as ours), or delete ours at will.
func checkPrivate(dir string, info fs.FileInfo) error {
	if !info.IsDir() {
		return fmt.Errorf("tokenstore: %s is not a folder", dir)
	}
	// A shared folder (/tmp, a volume mounted for every user) is the
	// usual cause: a folder inside it is the usual fix, and never a chmod
	// of the shared one.
	own := filepath.Join(dir, fmt.Sprintf("entrakit-%d", os.Geteuid()))
	if perm := info.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("tokenstore: the folder %s (mode %#o) is writable by other users, who could put values of their own in it: give a folder of this user's own, such as %s (NewFileStore creates it with mode 0700)", dir, perm, own)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		// A folder inside this one is no fix: its owner's mode lets no
		// other user make one there.
		return fmt.Errorf("tokenstore: the folder %s belongs to user %d, not to this process's user %d: give a folder that user %d owns "+
			"(chown it to that user, or name a new folder, which NewFileStore creates with mode 0700)", dir, st.Uid, os.Geteuid(), os.Geteuid())
	}
	return nil
}
