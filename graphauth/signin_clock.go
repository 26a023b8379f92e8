package graphauth

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// MSAL decides whether a signed-in user's cached access token still serves
// by the wall clock. With Options.Clock set (a test that advances the fake
// platform's clock), clockedCache sits between MSAL and its cache and takes
// out the access tokens that the injected clock says are expired or due, so
// that MSAL redeems the refresh token as it would at that time. Without a
// clock nothing is wrapped.

// msalExpiryMargin is how long before expires_on MSAL stops serving a
// cached access token.
const msalExpiryMargin = 5 * time.Minute

type clockedCache struct {
	inner cache.ExportReplace // the Store-backed cache; nil keeps partitions here
	now   func() time.Time
	mu    sync.Mutex
	parts map[string][]byte
}

func newClockedCache(inner cache.ExportReplace, now func() time.Time) *clockedCache {
	return &clockedCache{inner: inner, now: now, parts: map[string][]byte{}}
}

// Replace loads a partition, without the access tokens past their time.
func (c *clockedCache) Replace(ctx context.Context, u cache.Unmarshaler, hints cache.ReplaceHints) error {
	u = dropExpired{u, c.now}
	if c.inner != nil {
		return c.inner.Replace(ctx, u, hints)
	}
	c.mu.Lock()
	data := c.parts[hints.PartitionKey]
	c.mu.Unlock()
	if data == nil {
		data = []byte("{}")
	}
	return u.Unmarshal(data)
}

// Export keeps the partition MSAL has written.
func (c *clockedCache) Export(ctx context.Context, m cache.Marshaler, hints cache.ExportHints) error {
	if c.inner != nil {
		return c.inner.Export(ctx, m, hints)
	}
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.parts[hints.PartitionKey] = data
	c.mu.Unlock()
	return nil
}

// dropExpired unmarshals MSAL's cache without the access tokens that are
// expired (within MSAL's margin) or due for refresh by now. Data it cannot
// read goes to MSAL as it is, which then judges it.
type dropExpired struct {
	u   cache.Unmarshaler
	now func() time.Time
}

func (d dropExpired) Unmarshal(data []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil || top["AccessToken"] == nil {
		return d.u.Unmarshal(data)
	}
	var tokens map[string]struct {
		ExpiresOn string `json:"expires_on"`
		RefreshOn string `json:"refresh_on"`
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(top["AccessToken"], &tokens) != nil || json.Unmarshal(top["AccessToken"], &raw) != nil {
		return d.u.Unmarshal(data)
	}
	now := d.now()
	for k, t := range tokens {
		exp, err := strconv.ParseInt(t.ExpiresOn, 10, 64)
		due, derr := strconv.ParseInt(t.RefreshOn, 10, 64)
		if err != nil || !now.Add(msalExpiryMargin).Before(time.Unix(exp, 0)) || (derr == nil && !now.Before(time.Unix(due, 0))) {
			delete(raw, k)
		}
	}
	kept, err := json.Marshal(raw)
	if err != nil {
		return d.u.Unmarshal(data)
	}
	top["AccessToken"] = kept
	out, err := json.Marshal(top)
	if err != nil {
		return d.u.Unmarshal(data)
	}
	return d.u.Unmarshal(out)
}
