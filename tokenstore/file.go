package tokenstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// FileStore keeps each value in a file of a folder, for the processes of one
// host: a value is written to a temporary file and renamed into place, so a
// reader never sees half of one, and writers of one key take a lock on it
// (flock on Unix). Expired values read as not found and are removed. The
// folder must be the process user's and writable by no one else; a value
// that is not a regular file (a symbolic link, say), or whose file was cut
// short or changed in place (each carries a checksum), reads as
// graphauth.ErrCorruptEntry. Wrap it in Encrypted unless the folder is as
// private as the process.
type FileStore struct {
	dir string
	now func() time.Time
}

var _ graphauth.Store = (*FileStore)(nil)

// maxFileValue bounds what Get reads: a user's tokens are kilobytes.
const maxFileValue = 8 << 20

// NewFileStore returns a store in dir, creating it (mode 0700) if needed.
// On Unix it refuses a folder that another user owns or that its group or
// everyone may write to, where another user could put values of their own
// in place of this process's.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tokenstore: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: %w", err)
	}
	if err := checkPrivate(dir, info); err != nil {
		return nil, err
	}
	removeStaleTemps(dir, time.Now())
	return &FileStore{dir: dir, now: time.Now}, nil
}

// staleTemp is how old a temporary file must be to be another process's
// leftover: a write renames its own within a second or so.
const staleTemp = 10 * time.Minute

// removeStaleTemps removes the temporary files that writers which died
// between writing and renaming left behind, each holding a value that
// would otherwise stay on disk for good.
func removeStaleTemps(dir string, now time.Time) {
	temps, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	for _, p := range temps {
		if info, err := os.Lstat(p); err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) > staleTemp {
			_ = os.Remove(p)
		}
	}
}

func (f *FileStore) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(f.dir, hex.EncodeToString(sum[:16]))
}

// fileMagic begins a value file: then the expiry (8 bytes, Unix
// nanoseconds), the first 16 bytes of the SHA-256 of expiry and value, and
// the value. A file without it is of the first format, the expiry and the
// value alone, which is still read.
const fileMagic = "\xffEK1"

// encodeFile lays out a value file.
func encodeFile(expires time.Time, value []byte) []byte {
	out := make([]byte, 0, len(fileMagic)+8+16+len(value))
	out = append(out, fileMagic...)
	out = binary.BigEndian.AppendUint64(out, uint64(expires.UnixNano()))
	sum := fileSum(out[len(fileMagic):], value)
	out = append(out, sum[:]...)
	return append(out, value...)
}

// fileSum is the checksum of a value file's expiry and value.
func fileSum(expiry, value []byte) [16]byte {
	h := sha256.New()
	h.Write(expiry)
	h.Write(value)
	var sum [16]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// decodeFile reads a value file. A file cut short or changed (another
// process truncated or wrote it in place) is graphauth.ErrCorruptEntry.
func decodeFile(data []byte) (time.Time, []byte, error) {
	if rest, ok := bytes.CutPrefix(data, []byte(fileMagic)); ok {
		if len(rest) < 8+16 {
			return time.Time{}, nil, fmt.Errorf("%w: a truncated file", graphauth.ErrCorruptEntry)
		}
		expiry, sum, value := rest[:8], rest[8:24], rest[24:]
		if want := fileSum(expiry, value); !bytes.Equal(sum, want[:]) {
			return time.Time{}, nil, fmt.Errorf("%w: a file cut short or changed", graphauth.ErrCorruptEntry)
		}
		return time.Unix(0, int64(binary.BigEndian.Uint64(expiry))), value, nil
	}
	if len(data) < 8 {
		return time.Time{}, nil, fmt.Errorf("%w: a truncated file", graphauth.ErrCorruptEntry)
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(data[:8]))), data[8:], nil
}

// Get reads the value of key.
func (f *FileStore) Get(_ context.Context, key string) ([]byte, error) {
	data, read, err := f.read(f.path(key))
	if err != nil {
		return nil, err
	}
	expires, value, err := decodeFile(data)
	if err != nil {
		return nil, err
	}
	if !f.now().Before(expires) {
		f.removeExpired(f.path(key), read)
		return nil, graphauth.ErrNotFound
	}
	return value, nil
}

// read reads the file at path, which must be a regular file (a symbolic
// link is not followed), and returns what it read with the file's identity.
func (f *FileStore) read(path string) ([]byte, fs.FileInfo, error) {
	file, err := os.OpenFile(path, openFlags, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, graphauth.ErrNotFound
	}
	if err != nil {
		if info, lerr := os.Lstat(path); lerr == nil && !info.Mode().IsRegular() {
			return nil, nil, fmt.Errorf("%w: not a regular file", graphauth.ErrCorruptEntry)
		}
		return nil, nil, fmt.Errorf("tokenstore: %w", err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("tokenstore: %w", err)
	}
	if !info.Mode().IsRegular() || info.Size() > maxFileValue {
		return nil, nil, fmt.Errorf("%w: not a regular file of at most %d bytes", graphauth.ErrCorruptEntry, maxFileValue)
	}
	data, err := io.ReadAll(io.LimitReader(file, maxFileValue+1))
	if err != nil {
		return nil, nil, fmt.Errorf("tokenstore: %w", err)
	}
	if len(data) > maxFileValue {
		return nil, nil, fmt.Errorf("%w: over %d bytes", graphauth.ErrCorruptEntry, maxFileValue)
	}
	return data, info, nil
}

// removeExpired removes the expired file read, unless another process has
// meanwhile renamed a new value into its place: it takes the key's write
// lock, under which no value is renamed in, and removes the file only if it
// is still the one read. It does not wait for the lock: a writer holding
// it is about to replace the file (or hangs, and a read must not wait on
// it).
func (f *FileStore) removeExpired(path string, read fs.FileInfo) {
	done, cancel := context.WithCancel(context.Background())
	cancel() // lockFile tries once before it looks at the context
	unlock, err := lockFile(done, path+".lock")
	if err != nil {
		return
	}
	defer unlock()
	if now, err := os.Lstat(path); err == nil && os.SameFile(now, read) {
		_ = os.Remove(path)
	}
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
	_, err = tmp.Write(encodeFile(f.now().Add(ttl), value))
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
