package graphauth

import "time"

// Test hooks, for the _test package.

// SetNow replaces the credential's clock.
func (c *ClientSecretCredential) SetNow(now func() time.Time) { c.c.now, c.c.manual = now, true }

// SetRetryBase shortens the pause between background refresh attempts.
func (c *ClientSecretCredential) SetRetryBase(d time.Duration) { c.c.retryBase = d }

// CachedKeys counts the keys in the credential's cache.
func (c *ClientSecretCredential) CachedKeys() int { return c.c.cache.len() }
