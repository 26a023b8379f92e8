package tokenstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// FileStore keeps each value in a file of a folder, for the processes of one
// host: a value is written to a temporary file and renamed into place, so a
// reader never sees half of one, and writers of one key take a lock on it
// (flock on Unix). Expired values read as not found and are removed. Wrap
// it in Encrypted unless the folder is as private as the process.
type FileStore struct {
	dir string
	now func() time.Time
}

var _ graphauth.Store = (*FileStore)(nil)

// NewFileStore returns a store in dir, creating it (mode 0700) if needed.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tokenstore: %w", err)
	}
	return &FileStore{dir: dir, now: time.Now}, nil
}

func (f *FileStore) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(f.dir, hex.EncodeToString(sum[:16]))
}

// Get reads the value of key. The file holds the expiry (8 bytes, Unix
// nanoseconds) and then the value.
func (f *FileStore) Get(_ context.Context, key string) ([]byte, error) {
	data, err := os.ReadFile(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, graphauth.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tokenstore: %w", err)
	}
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: a truncated file", graphauth.ErrCorruptEntry)
	}
	if !f.now().Before(time.Unix(0, int64(binary.BigEndian.Uint64(data[:8])))) {
		_ = os.Remove(f.path(key))
		return nil, graphauth.ErrNotFound
	}
	return data[8:], nil
}

// Set writes value under key for ttl, atomically. It waits for another
// writer's lock on key only until ctx ends, then returns ctx's error.
func (f *FileStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	target := f.path(key)
	unlock, err := lockFile(ctx, target+".lock")
	if err != nil {
		return fmt.Errorf("tokenstore: %w", err)
	}
	defer unlock()
	tmp, err := os.CreateTemp(f.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("tokenstore: %w", err)
	}
	defer os.Remove(tmp.Name()) // nothing to remove after the rename
	var head [8]byte
	binary.BigEndian.PutUint64(head[:], uint64(f.now().Add(ttl).UnixNano()))
	_, err = tmp.Write(append(head[:], value...))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		return fmt.Errorf("tokenstore: %w", err)
	}
	return nil
}

// Delete removes key.
func (f *FileStore) Delete(_ context.Context, key string) error {
	err := os.Remove(f.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tokenstore: %w", err)
	}
	return nil
}
