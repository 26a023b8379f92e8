//go:build unix

package tokenstore

import (
	"io/fs"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// folderInfo is a folder's mode and owner, as Stat reports them.
type folderInfo struct {
	perm fs.FileMode
	uid  uint32
}

func (f folderInfo) Name() string       { return "state" }
func (f folderInfo) Size() int64        { return 0 }
func (f folderInfo) Mode() fs.FileMode  { return fs.ModeDir | f.perm }
func (f folderInfo) ModTime() time.Time { return time.Time{} }
func (f folderInfo) IsDir() bool        { return true }
func (f folderInfo) Sys() any           { return &syscall.Stat_t{Uid: f.uid} }

// A private folder of another user (a STATE_DIR a deployment made as root
// for a service running as its own user) is refused with a fix this user
// can carry out: it named a folder inside it, which that owner's mode 0700
// or 0755 lets no other user make.
func TestAFolderOfAnotherUserIsNotToldToHoldOneOfOurs(t *testing.T) {
	other := uint32(os.Geteuid() + 1)
	err := checkPrivate("/var/lib/svc", folderInfo{perm: 0o755, uid: other})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chown it to that user, or name a new folder")
	assert.NotContains(t, err.Error(), "/var/lib/svc/entrakit-")
	require.NoError(t, checkPrivate("/var/lib/svc", folderInfo{perm: 0o700, uid: uint32(os.Geteuid())}))
}
