package graphauth

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCacheFindsEveryKeyAmongTenThousand(t *testing.T) {
	c := newTokenCache()
	scopes := []string{"https://graph.microsoft.com/.default"}
	entries := make([]*entry, 10000)
	for i := range entries {
		entries[i] = c.getOrCreate("tenant-"+strconv.Itoa(i)+".onmicrosoft.com", scopes, true)
	}
	require.Equal(t, 10000, c.len())
	sh := c.scopesHash(scopes)
	for i, want := range entries {
		tenant := "TENANT-" + strconv.Itoa(i) + ".onmicrosoft.com"
		assert.Same(t, want, c.get(tenant, scopes, sh), "a tenant is found in any case")
		assert.Same(t, want, c.getOrCreate(tenant, []string{"HTTPS://GRAPH.microsoft.com/.default"}, false), "and its scopes in any case")
	}
	assert.Nil(t, c.get("tenant-10000.onmicrosoft.com", scopes, sh))
	assert.Equal(t, 10000, c.len(), "look-ups added nothing")
}

func TestCacheRemovesEmptyKeysAndKeepsTheirNeighbours(t *testing.T) {
	c := newTokenCache()
	scopes := []string{"s"}
	var keep []*entry
	for i := range 2000 {
		e := c.getOrCreate(strconv.Itoa(i), scopes, true)
		if i%2 == 0 {
			c.setToken(e, &cachedToken{})
			keep = append(keep, e)
		}
	}
	home := c.getOrCreate("home", scopes, true)
	c.each(func(e *entry) { c.removeIfEmpty(e, home) })
	assert.Equal(t, len(keep)+1, c.len(), "the empty keys left, the home key stayed")
	for _, e := range keep {
		assert.Same(t, e, c.get(e.tenant, scopes, c.scopesHash(scopes)))
	}
	assert.Nil(t, c.get("1", scopes, c.scopesHash(scopes)))
}

func TestCacheTellsApartKeysWithTheSameHash(t *testing.T) {
	// Two keys in one table with one hash: linear probing keeps both.
	key := func(tenant string) cacheKey {
		k := cacheKey{tenant: tenant, scopes: []string{"s"}, keyLen: int32(len(tenant))}
		copy(k.key[:], tenant)
		return k
	}
	a := &entry{cacheKey: key("a"), hash: 42}
	b := &entry{cacheKey: key("b"), hash: 42}
	var tab *table
	tab = tab.with(a).with(b)
	// Look them up through the probe loop of lookup, with the hash forced.
	c := &tokenCache{}
	c.shards[42%cacheShards].tab.Store(tab)
	find := func(tenant string) *entry {
		for i := (uint64(42) / cacheShards) & tab.mask; ; i = (i + 1) & tab.mask {
			s := &tab.slots[i]
			if s.e == nil {
				return nil
			}
			if s.hash == 42 && s.e.matches(tenant, []string{"s"}) {
				return s.e
			}
		}
	}
	assert.Same(t, a, find("A"))
	assert.Same(t, b, find("b"))
	assert.Nil(t, find("c"))
	// A token installed for b is in b's slot only, and survives a copy.
	p := &cachedToken{}
	c.setToken(b, p)
	assert.Same(t, p, tab.find(b).tok.Load())
	assert.Nil(t, tab.find(a).tok.Load())
	assert.Equal(t, "b", p.key.tenant, "the token carries its key")
	tab = tab.without(a)
	assert.Nil(t, find("a"))
	assert.Same(t, b, find("B"))
	assert.Same(t, p, tab.find(b).tok.Load())
	assert.Nil(t, tab.find(a))
}

// The slot's token is the entry's, through every change: installs, removals
// and the tables' growth while tokens are installed.
func TestCacheSlotsFollowTheirEntries(t *testing.T) {
	c := newTokenCache()
	scopes := []string{"s"}
	entries := make([]*entry, 3000)
	for i := range entries {
		entries[i] = c.getOrCreate("t"+strconv.Itoa(i), scopes, true)
		if i%3 != 0 {
			c.setToken(entries[i], &cachedToken{}) // installed before later keys grow the table
		}
	}
	for i := 0; i < len(entries); i += 5 {
		c.setToken(entries[i], nil)
	}
	for i := 0; i < len(entries); i += 7 {
		c.removeIfEmpty(entries[i], nil)
	}
	sh := c.scopesHash(scopes)
	for i, e := range entries {
		got, p := c.lookup("T"+strconv.Itoa(i), scopes, sh)
		if e.tok.Load() == nil && i%7 == 0 {
			assert.Nil(t, got, "t%d: an empty key was removed", i)
			continue
		}
		require.Same(t, e, got, "t%d", i)
		assert.Same(t, e.tok.Load(), p, "t%d: the slot holds the entry's token", i)
	}
}

func TestCacheKeepsLongTenantsOutOfLine(t *testing.T) {
	c := newTokenCache()
	long := strings.Repeat("x", 100) + ".example"
	e := c.getOrCreate(long, []string{"s"}, false)
	assert.Equal(t, int32(-1), e.keyLen)
	assert.Same(t, e, c.get(strings.ToUpper(long), []string{"S"}, c.scopesHash([]string{"S"})))
}

// FuzzCacheKeys: whatever the tenant and scope strings, a key is found
// again in any ASCII case, and never for a key that differs otherwise.
func FuzzCacheKeys(f *testing.F) {
	f.Add("contoso.onmicrosoft.com", "User.Read", "fabrikam.com", "user.read")
	f.Add("72f988bf-86f1-41af-91ab-2d7cd011db47", "https://graph.microsoft.com/.default", "@", "`")
	f.Add("", "", "a", "A")
	f.Fuzz(func(t *testing.T, t1, s1, t2, s2 string) {
		c := newTokenCache()
		e1 := c.getOrCreate(t1, []string{s1}, false)
		e2 := c.getOrCreate(t2, []string{s2}, false)
		same := equalFoldASCII(t1, t2) && equalFoldASCII(s1, s2)
		if same != (e1 == e2) {
			t.Fatalf("keys (%q,%q) and (%q,%q): same=%v but entries equal=%v", t1, s1, t2, s2, same, e1 == e2)
		}
		up := []string{upperASCII(s1)}
		if got := c.get(upperASCII(t1), up, c.scopesHash(up)); got != e1 {
			t.Fatalf("(%q,%q) not found upper-cased", t1, s1)
		}
		c.removeIfEmpty(e1, nil)
		if c.get(t1, []string{s1}, c.scopesHash([]string{s1})) != nil {
			t.Fatal("an empty key was not removed")
		}
	})
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 0x20
		}
	}
	return string(b)
}

// Installs racing with tables that grow and shrink leave every slot with its
// entry's token (run with -race).
func TestCacheSlotsFollowTheirEntriesConcurrently(t *testing.T) {
	c := newTokenCache()
	scopes := []string{"s"}
	base := make([]*entry, 256)
	for i := range base {
		base[i] = c.getOrCreate("b"+strconv.Itoa(i), scopes, true)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				switch w {
				case 0: // grow
					e := c.getOrCreate("g"+strconv.Itoa(i), scopes, true)
					c.removeIfEmpty(e, nil)
				default: // install and read
					e := base[(i*7+w)%len(base)]
					c.setToken(e, &cachedToken{})
					if got, _ := c.lookup(e.tenant, scopes, c.scopesHash(scopes)); got != e {
						t.Errorf("%s: lost while tables changed", e.tenant)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range base {
		_, p := c.lookup(e.tenant, scopes, c.scopesHash(scopes))
		assert.Same(t, e.tok.Load(), p, "%s", e.tenant)
	}
}

// Tenants that differ in one character anywhere (sequential domains,
// GUIDs with one digit changed) hash apart and spread over the shards.
func TestCacheHashSpreadsSimilarTenants(t *testing.T) {
	c := newTokenCache()
	sh := c.scopesHash([]string{"https://graph.microsoft.com/.default"})
	var tenants []string
	for i := range 20000 {
		tenants = append(tenants, "tenant-"+strconv.Itoa(i)+".onmicrosoft.com")
	}
	guid := []byte("72f988bf-86f1-41af-91ab-2d7cd011db47")
	for i := range guid {
		if guid[i] == '-' {
			continue
		}
		for _, d := range "0123456789abcdef" {
			g := append([]byte(nil), guid...)
			g[i] = byte(d)
			tenants = append(tenants, string(g))
		}
	}
	seen := map[uint64]string{}
	perShard := make([]int, cacheShards)
	for _, tenant := range tenants {
		h := c.hash(tenant, sh)
		if other, dup := seen[h]; dup && other != tenant {
			t.Fatalf("%s and %s hash alike", other, tenant)
		}
		seen[h] = tenant
		perShard[h%cacheShards]++
	}
	mean := len(seen) / cacheShards
	for i, n := range perShard {
		assert.Less(t, n, 2*mean, "shard %d holds %d keys, the mean is %d", i, n, mean)
	}
}
