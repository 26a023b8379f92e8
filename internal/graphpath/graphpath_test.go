package graphpath

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// segments renders p's segments joined by "/", the markers as Render shows
// them.
func segments(t *testing.T, raw string) string {
	t.Helper()
	p, ok := Parse(nil, raw)
	require.True(t, ok, raw)
	var out []string
	for i := 0; i < p.Len(); i++ {
		out = append(out, Render(string(p.Seg(i))))
	}
	return "/" + strings.Join(out, "/")
}

func TestURLsAndTemplatesCutToTheSameSegments(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, url, template, want string }{
		{"an ID is a placeholder", "https://graph.microsoft.com/v1.0/users/lee@contoso.com", "/users/{id}", ""},
		{"the version, query and fragment go", "/beta/Users/ABC?$select=id&$top=5#x", "/users/{user-id}", "/users/abc"},
		{"a function keeps its parameter names, sorted",
			"/reports/getOffice365ActiveUserDetail(period='D7')", "/reports/getoffice365activeuserdetail(period={value})",
			"/reports/getoffice365activeuserdetail(period={period})"},
		{"an alternate key", "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')", "/serviceprincipals(appid={value})",
			"/serviceprincipals(appid={appid})"},
		{"parameters in any order, quotes with commas and parentheses",
			"/x/f(b='1,2',a='(q)''s')", "/x/f(a={value}, b={value})", "/x/f(a={a},b={b})"},
		{"a positional key", "/workflows('42')", "/workflows({id})", "/workflows({id})"},
		{"percent escapes are decoded", "/users/lee%40contoso.com/memberOf", "/users/{id}/memberof", "/users/lee@contoso.com/memberof"},
		{"a drive item path up to its closing colon", "/me/drive/root:/Folder/Book.xlsx:/workbook/tables",
			"/me/drive/root:/{id}:/workbook/tables", "/me/drive/root:/{path}:/workbook/tables"},
		{"a drive item path to the end", "/drives/b!x/root:/a/b/c", "/drives/{drive-id}/root:/{item-path}", "/drives/b!x/root:/{path}"},
		{"an item opened by its ID", "/drives/d/items/01AB:/f.txt:/content", "/drives/{id}/items/{id}:/{id}:/content",
			"/drives/d/items/01ab:/{path}:/content"},
		{"no path at all", "https://graph.microsoft.com", "/", "/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := c.want
			if want == "" {
				want = segments(t, c.url)
			}
			assert.Equal(t, want, segments(t, c.url))
			if c.template != "/" {
				assert.NotEmpty(t, segments(t, c.template))
			}
		})
	}
}

func TestTemplatePlaceholdersBecomeWildcards(t *testing.T) {
	t.Parallel()
	p, ok := Parse(nil, "/users/{id}/photo/{size}:")
	require.True(t, ok)
	require.Equal(t, 4, p.Len())
	assert.Equal(t, Wild, string(p.Seg(1)))
	assert.Equal(t, WildColon, string(p.Seg(3)))
}

func TestODataSegmentsAreMarked(t *testing.T) {
	t.Parallel()
	p, ok := Parse(nil, "/groups/1/members/microsoft.graph.user/$count")
	require.True(t, ok)
	assert.True(t, p.HasOData())
	var marked []int
	for i := 0; i < p.Len(); i++ {
		if p.OData(i) {
			marked = append(marked, i)
		}
	}
	assert.Equal(t, []int{3, 4}, marked)
	p, _ = Parse(nil, "/groups/1/members")
	assert.False(t, p.HasOData())
}

func TestMalformedFunctionsStayLiteral(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"/f('unclosed)", "/f(a=1))", "/f(,)", "/f(a=1,=2)", "/f(a,b,c,d,e,f,g,h,i)"} {
		p, ok := Parse(nil, raw)
		require.True(t, ok, raw)
		assert.Equal(t, strings.ToLower(raw[1:]), string(p.Seg(0)), raw)
	}
}

func TestTooManySegmentsIsNotAPath(t *testing.T) {
	t.Parallel()
	_, ok := Parse(nil, strings.Repeat("/a", MaxSegments+1))
	assert.False(t, ok)
	_, ok = Parse(nil, strings.Repeat("/a", MaxSegments))
	assert.True(t, ok)
}

func TestParseAllocatesNothingWithABuffer(t *testing.T) {
	var buf [512]byte
	allocs := testing.AllocsPerRun(100, func() {
		p, _ := Parse(buf[:0], "https://graph.microsoft.com/v1.0/reports/getOffice365ActiveUserDetail(period='D7')?$format=text/csv")
		_ = p.Len()
	})
	assert.Zero(t, allocs)
}
