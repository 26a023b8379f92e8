package graphauth

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fileSource is a secret or certificate read from a file, and read again
// when the file changes. Requests go out with the credential last read
// successfully: a file caught half-written, emptied, deleted or holding
// garbage leaves the previous credential in place, and the reason is
// logged once per version of the file.
//
// Changes are found by reading the file (a few kilobytes) and comparing a
// digest, not by its modification time, which a same-second replacement of
// the same size, or a Kubernetes symlink swap, can leave unchanged.
type fileSource struct {
	name, kind, path string
	password         Secret
	env              *memberEnv
	cur              atomic.Pointer[loadedCredential]
	mu               sync.Mutex // serializes check
	seen             [32]byte   // digest of the content last looked at, good or bad
	notYetValid      bool       // seen holds a certificate refused as not valid yet
	loaded           [32]byte   // digest of the content of cur
	pending          [32]byte   // a secret file's new content, read once so far
	onReload         func()     // tells the fallback source; nil until watched
}

// loadedCredential is one version of the file's credential.
type loadedCredential struct {
	src     tokenSource
	info    credentialInfo
	version int       // 1 for the file as first read, then one more per reload, for logs
	at      time.Time // when it was loaded
}

// maxCredentialFile bounds what is read of a credential file.
const maxCredentialFile = 1 << 20

func newFileSource(c ClientCredential, env *memberEnv) (*fileSource, error) {
	f := &fileSource{name: c.name, kind: c.kind, path: c.path, password: c.password, env: env}
	data, err := readCredentialFile(c.path)
	if err != nil {
		return nil, &ConfigError{Field: f.field(), Reason: "cannot be read", Err: err}
	}
	l, err := f.load(data)
	if err != nil {
		return nil, err
	}
	f.seen = sha256.Sum256(data)
	f.loaded = f.seen
	f.cur.Store(l)
	return f, nil
}

// newWaitingFileSource is the file source of a file that could not be used
// when the credential was built (err says why): it answers each request
// with that refusal, and is watched like the others, so that the file is
// used once it is fixed.
func newWaitingFileSource(c ClientCredential, env *memberEnv, err error) *fileSource {
	f := &fileSource{name: c.name, kind: c.kind, path: c.path, password: c.password, env: env}
	if data, rerr := readCredentialFile(c.path); rerr == nil {
		f.seen = sha256.Sum256(data)
		f.notYetValid = strings.Contains(err.Error(), notValidBefore)
	}
	f.cur.Store(&loadedCredential{src: unusableSource{err}, at: time.Now()})
	return f
}

// unusableSource refuses every request for the reason its credential
// cannot be used: a refusal (IsCredentialRefusal) after which a
// FallbackCredential tries its next credential.
type unusableSource struct{ err error }

func (u unusableSource) token(context.Context, tokenQuery) (issued, error) {
	return issued{}, &AuthError{Err: u.err}
}

func (f *fileSource) field() string {
	if f.kind == "secret file" {
		return "ClientSecretFile"
	}
	return "ClientCertificatePath"
}

func readCredentialFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCredentialFile+1))
	switch {
	case err != nil:
		return nil, err
	case len(data) > maxCredentialFile:
		return nil, &ConfigError{Field: "path", Reason: "is larger than 1 MiB: not a credential file"}
	}
	return data, nil
}

// load parses one version of the file into a token source.
func (f *fileSource) load(data []byte) (*loadedCredential, error) {
	l := &loadedCredential{at: time.Now(), version: 1}
	if f.kind == "secret file" {
		// Windows editors start a UTF-8 file with a byte order mark, which
		// is no part of the secret.
		secret := strings.TrimSpace(strings.TrimPrefix(string(data), "\ufeff"))
		src, err := f.env.secretSource(Secret(secret))
		if err != nil {
			return nil, &ConfigError{Field: "ClientSecretFile", Reason: "does not hold a usable secret", Err: err}
		}
		l.src, l.info = src, secretInfo(Secret(secret))
		return l, nil
	}
	chain, key, err := ParseCertificate(data, f.password)
	if err != nil {
		return nil, &ConfigError{Field: "ClientCertificatePath", Reason: "does not hold a usable certificate", Err: err}
	}
	src, leaf, err := f.env.certificateSource(chain, key)
	if err != nil {
		return nil, &ConfigError{Field: "ClientCertificatePath", Reason: "does not hold a usable certificate", Err: err}
	}
	l.src, l.info = src, certificateInfo(leaf)
	return l, nil
}

func (f *fileSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	return f.cur.Load().src.token(ctx, q)
}

func (f *fileSource) info() credentialInfo { return f.cur.Load().info }

// check reads the file and, if its content changed and is usable, makes
// it the credential in use. It reports whether it did.
func (f *fileSource) check() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	data, err := readCredentialFile(f.path)
	log := f.env.opts.log
	attrs := []slog.Attr{slog.String("credential", f.name), slog.String("path", f.path)}
	if err != nil {
		// A file being replaced can be missing for a moment; say so once.
		f.pending = [32]byte{}
		if f.seen != ([32]byte{}) {
			log.LogAttrs(context.Background(), slog.LevelWarn, "graphauth: credential file unreadable; keeping the previous credential",
				append(attrs, slog.String("reason", err.Error()))...)
			f.seen = [32]byte{}
		}
		return false
	}
	sum := sha256.Sum256(data)
	// A certificate not valid yet (issued a moment ahead of this clock) is
	// loaded again at each look, until it is: its file will not change
	// again to tell.
	again := sum == f.seen && f.notYetValid
	if sum == f.seen && !again {
		f.pending = [32]byte{} // a change undone before its second read
		return false
	}
	// The file holds again what is in use, after being emptied, deleted or
	// half-written on the way (a tool rewriting it in place): nothing
	// changed, and a credential the platform refused is not made the one in
	// use again.
	if sum == f.loaded {
		f.seen, f.pending, f.notYetValid = sum, [32]byte{}, false
		log.LogAttrs(context.Background(), slog.LevelInfo, "graphauth: credential file restored; the credential in use is unchanged",
			append(attrs, slog.Int("version", f.cur.Load().version))...)
		return false
	}
	// Any prefix of a secret looks like a secret: one is taken only once
	// two reads in a row agree, so that a file caught half-written is not
	// sent to the platform.
	if f.kind == "secret file" && sum != f.pending {
		f.pending = sum
		return false
	}
	f.seen = sum
	l, err := f.load(data)
	if err != nil {
		f.notYetValid = strings.Contains(err.Error(), notValidBefore)
		if again {
			return false // said once for this version of the file
		}
		log.LogAttrs(context.Background(), slog.LevelWarn, "graphauth: credential file not usable; keeping the previous credential",
			append(attrs, slog.Int("bytes", len(data)), slog.String("reason", err.Error()))...)
		return false
	}
	l.version = f.cur.Load().version + 1
	f.loaded, f.notYetValid = sum, false
	f.cur.Store(l)
	// Which version, never a digest of the file: a secret's hash is not
	// for logs either.
	attrs = append(attrs, slog.Int("version", l.version))
	if !l.info.expires.IsZero() {
		attrs = append(attrs, slog.Time("expires", l.info.expires), slog.String("thumbprint", l.info.thumbprint))
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, "graphauth: credential file reloaded", attrs...)
	if f.onReload != nil {
		f.onReload()
	}
	return true
}

// checkNow is check for a request the platform just refused: a secret
// file's new content, read once, is read the second time now rather than
// at the next tick, so that the request goes out with it. It reports
// whether the credential in use changed, by this call or by the watcher
// meanwhile.
func (f *fileSource) checkNow(ctx context.Context) bool {
	before := f.cur.Load()
	if f.check() {
		return true
	}
	if f.hasPending() {
		select {
		case <-ctx.Done():
		case <-time.After(pendingRecheck):
			f.check()
		}
	}
	return f.cur.Load() != before
}

// pendingRecheck is how long after its first read a secret file's new
// content is read again.
const pendingRecheck = 50 * time.Millisecond

// hasPending reports whether a secret file's new content waits for its
// second read.
func (f *fileSource) hasPending() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending != ([32]byte{}) && f.pending != f.seen
}

// startWatching polls every file member at interval until close.
func (s *fallbackSource) startWatching(interval time.Duration) {
	var files []*fileSource
	for i, m := range s.members {
		if m.file != nil {
			i := i
			m.file.mu.Lock()
			m.file.onReload = func() { s.reloaded(i) }
			m.file.mu.Unlock()
			files = append(files, m.file)
		}
	}
	if len(files) == 0 {
		return
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			// A secret read once is read again soon after, not a whole
			// interval later, so that it is taken within about 50 ms.
			for again := true; again; {
				again = false
				for _, f := range files {
					f.check()
					again = again || f.hasPending()
				}
				if again {
					select {
					case <-s.stop:
						return
					case <-time.After(min(interval, pendingRecheck)):
					}
				}
			}
		}
	}()
}

// close stops the watcher and releases the members' resources.
func (s *fallbackSource) close() {
	if !s.stopped.CompareAndSwap(false, true) {
		return
	}
	close(s.stop)
	for _, m := range s.members {
		if m.closer != nil {
			m.closer()
		}
	}
}
