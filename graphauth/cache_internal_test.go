package graphauth

import (
	"strconv"
	"strings"
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
			e.tok.Store(&cachedToken{})
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
	a := &entry{tenant: "a", scopes: []string{"s"}, keyLen: copy(make([]byte, 1), "a")}
	copy(a.key[:], "a")
	b := &entry{tenant: "b", scopes: []string{"s"}, keyLen: 1}
	copy(b.key[:], "b")
	var tab *table
	tab = tab.with(42, a).with(42, b)
	c := &tokenCache{}
	h := uint64(42)
	// Look them up through the probe loop of get, with the hash forced.
	find := func(tenant string) *entry {
		for i := (h / cacheShards) & tab.mask; ; i = (i + 1) & tab.mask {
			s := tab.slots[i]
			if s.e == nil {
				return nil
			}
			if s.hash == h && s.e.matches(tenant, []string{"s"}) {
				return s.e
			}
		}
	}
	assert.Same(t, a, find("A"))
	assert.Same(t, b, find("b"))
	assert.Nil(t, find("c"))
	tab = tab.without(a)
	assert.Nil(t, find("a"))
	assert.Same(t, b, find("B"))
	_ = c
}

func TestCacheKeepsLongTenantsOutOfLine(t *testing.T) {
	c := newTokenCache()
	long := strings.Repeat("x", 100) + ".example"
	e := c.getOrCreate(long, []string{"s"}, false)
	assert.Equal(t, -1, e.keyLen)
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
