//go:build unix

package tokenstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/tokenstore"
)

// valuePath is where a FileStore in dir keeps key.
func valuePath(dir, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, hex.EncodeToString(sum[:16]))
}

// A folder another user may write to lets that user rename a value of
// their own over ours (a token of their tenant, read back as ours): the
// store refuses it, whether it made the folder or found it.
func TestFileStoreRefusesAFolderOthersCanWrite(t *testing.T) {
	t.Parallel()
	for _, mode := range []os.FileMode{0o777, 0o770, 0o702, 0o1777} {
		dir := filepath.Join(t.TempDir(), "tokens")
		require.NoError(t, os.Mkdir(dir, 0o700))
		require.NoError(t, os.Chmod(dir, mode))
		_, err := tokenstore.NewFileStore(dir)
		require.Error(t, err, "mode %#o", mode)
		assert.Contains(t, err.Error(), "writable by other users", "mode %#o", mode)
	}
	dir := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Chmod(dir, 0o750))
	_, err := tokenstore.NewFileStore(dir)
	assert.NoError(t, err, "a folder others may only read holds files of mode 0600")
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = tokenstore.NewFileStore(file)
	assert.Error(t, err)
}

// STATE_DIR=/tmp, taken literally: the refusal never says to chmod the
// shared folder, and the folder it names instead works.
func TestFileStoreInASharedFolderNamesOneOfItsOwn(t *testing.T) {
	t.Parallel()
	shared := filepath.Join(t.TempDir(), "tmp")
	require.NoError(t, os.Mkdir(shared, 0o700))
	require.NoError(t, os.Chmod(shared, 0o1777))
	_, err := tokenstore.NewFileStore(shared)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "chmod")
	own := filepath.Join(shared, fmt.Sprintf("entrakit-%d", os.Geteuid()))
	assert.Contains(t, err.Error(), own)
	store, err := tokenstore.NewFileStore(own)
	require.NoError(t, err)
	require.NoError(t, store.Set(context.Background(), "k", []byte("v"), time.Minute))
	info, err := os.Stat(own)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
}

// A symbolic link or a FIFO put where a value belongs is not followed or
// waited on: it reads as a corrupt entry, which the credential deletes.
func TestFileStoreReadsOnlyRegularFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)

	planted := filepath.Join(t.TempDir(), "planted")
	var head [8]byte
	binary.BigEndian.PutUint64(head[:], uint64(time.Now().Add(time.Hour).UnixNano()))
	require.NoError(t, os.WriteFile(planted, append(head[:], `{"t":"someone else's token"}`...), 0o600))
	require.NoError(t, os.Symlink(planted, valuePath(dir, "link")))
	v, err := store.Get(ctx, "link")
	require.ErrorIs(t, err, graphauth.ErrCorruptEntry, "got %q", v)
	require.NoError(t, store.Delete(ctx, "link"))
	_, err = os.Stat(planted)
	assert.NoError(t, err, "Delete removes the link, not what it names")

	require.NoError(t, syscall.Mkfifo(valuePath(dir, "fifo"), 0o600))
	done := make(chan error, 1)
	go func() {
		_, err := store.Get(ctx, "fifo")
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, graphauth.ErrCorruptEntry)
	case <-time.After(30 * time.Second): // a hang, not a measure of speed
		t.Fatal("Get waited on a FIFO for a writer")
	}
}

// A reader that finds a value expired removes it only if it is still the
// file it read: a value another process renamed into place meanwhile is
// kept.
func TestAnExpiredFileReplacedMeanwhileIsKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	reader, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	writer, err := tokenstore.NewFileStore(dir) // another process
	require.NoError(t, err)
	require.NoError(t, writer.Set(ctx, "k", []byte("old"), time.Minute))

	tokenstore.SetFileStoreNow(reader, func() time.Time {
		// Between the reader's read and its judging the value expired,
		// the other process writes a fresh one.
		require.NoError(t, writer.Set(ctx, "k", []byte("fresh"), time.Hour))
		return time.Now().Add(2 * time.Minute)
	})
	_, err = reader.Get(ctx, "k")
	require.ErrorIs(t, err, graphauth.ErrNotFound, "what the reader read had expired")
	v, err := writer.Get(ctx, "k")
	require.NoError(t, err, "the fresh value is still there")
	assert.Equal(t, "fresh", string(v))
}

// A reader that finds a value expired while a hung process holds the
// key's write lock neither waits for the lock nor removes the value.
func TestAnExpiredReadDoesNotWaitOnAHeldLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	require.NoError(t, store.Set(context.Background(), "k", []byte("old"), time.Minute))
	holdLock(t, dir, "k")
	tokenstore.SetFileStoreNow(store, func() time.Time { return time.Now().Add(2 * time.Minute) })
	done := make(chan error, 1)
	go func() {
		_, err := store.Get(context.Background(), "k") // no deadline: only the lock could hold it up
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, graphauth.ErrNotFound)
	case <-time.After(30 * time.Second): // a hang, not a measure of speed
		t.Fatal("Get waited for the write lock")
	}
	_, err = os.Stat(valuePath(dir, "k"))
	assert.NoError(t, err, "left for the writer that holds the lock")
}

// A writer that died between writing its temporary file and renaming it
// left the value there for good; a store opened later removes such
// leftovers, and leaves a write under way alone.
func TestFileStoreRemovesTheTemporaryFilesOfDeadWriters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	dead, live := filepath.Join(dir, ".tmp-123"), filepath.Join(dir, ".tmp-456")
	require.NoError(t, os.WriteFile(dead, []byte("a token"), 0o600))
	require.NoError(t, os.WriteFile(live, []byte("a token"), 0o600))
	long := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(dead, long, long))
	_, err = tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	_, err = os.Stat(dead)
	assert.ErrorIs(t, err, os.ErrNotExist, "a dead writer's leftover")
	_, err = os.Stat(live)
	assert.NoError(t, err, "a write under way")
}

// A value file is replaced whole, by rename, so a reader never sees half
// of one; but another process may truncate or overwrite one in place, and
// a file cut anywhere past its expiry read back as a shorter value. The
// file's checksum makes any such file a corrupt entry. A file of the
// first format (expiry and value) is still read.
func TestAFileCutShortOrChangedIsCorrupt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	value := []byte(`{"t":"an access token","e":1,"r":1}`)
	require.NoError(t, store.Set(ctx, "k", value, time.Hour))
	path := valuePath(dir, "k")
	whole, err := os.ReadFile(path)
	require.NoError(t, err)
	for n := 0; n < len(whole); n++ {
		require.NoError(t, os.WriteFile(path, whole[:n], 0o600))
		v, err := store.Get(ctx, "k")
		require.ErrorIs(t, err, graphauth.ErrCorruptEntry, "cut to %d bytes: read %q", n, v)
	}
	flipped := append([]byte(nil), whole...)
	flipped[len(flipped)-3] ^= 0x20
	require.NoError(t, os.WriteFile(path, flipped, 0o600))
	_, err = store.Get(ctx, "k")
	require.ErrorIs(t, err, graphauth.ErrCorruptEntry, "a changed byte")

	var head [8]byte
	binary.BigEndian.PutUint64(head[:], uint64(time.Now().Add(time.Hour).UnixNano()))
	require.NoError(t, os.WriteFile(path, append(head[:], value...), 0o600))
	v, err := store.Get(ctx, "k")
	require.NoError(t, err, "the first format")
	assert.Equal(t, value, v)
}
