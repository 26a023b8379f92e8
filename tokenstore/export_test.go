package tokenstore

import "time"

// SetFileStoreNow sets the clock a FileStore judges expiry by.
func SetFileStoreNow(f *FileStore, now func() time.Time) { f.now = now }
