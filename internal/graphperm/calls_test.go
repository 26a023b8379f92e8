package graphperm

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/internal/graphpath"
)

// example turns a template's canonical segments into a URL a client could
// send for it: an ID for each placeholder, a value for each parameter.
func example(labels []string) string {
	var b strings.Builder
	b.WriteString("https://graph.microsoft.com/v1.0")
	for _, l := range labels {
		b.WriteByte('/')
		switch l {
		case graphpath.Wild:
			b.WriteString("0a1b2c3d")
		case graphpath.WildColon:
			b.WriteString("0a1b2c3d:")
		case graphpath.Region:
			b.WriteString("Folder/Book.xlsx")
		case graphpath.RegionColon:
			b.WriteString("Folder/Book.xlsx:")
		default:
			open := strings.IndexByte(l, '(')
			if open < 0 || !strings.HasSuffix(l, ")") || l[open+1:len(l)-1] == "" {
				b.WriteString(l)
				continue
			}
			b.WriteString(l[:open+1])
			for i, k := range strings.Split(l[open+1:len(l)-1], ",") {
				if i > 0 {
					b.WriteByte(',')
				}
				if k != "#" {
					b.WriteString(k + "=")
				}
				b.WriteString("'v(1),2'")
			}
			b.WriteByte(')')
		}
	}
	return b.String()
}

// Every template of the generated catalog, turned back into a URL, is
// found again at its own node, for each of its methods and schemes: the
// generator and the look-up cut paths the same way.
func TestEveryTemplateIsFoundFromAURL(t *testing.T) {
	t.Parallel()
	type item struct {
		node   uint32
		labels []string
	}
	queue := []item{{0, nil}}
	templates := 0
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		kids := callKids[it.node]
		for k := kids >> 10; k < kids>>10+kids&1023; k++ {
			queue = append(queue, item{k, append(append([]string(nil), it.labels...), label(k))})
		}
		ops := callNodeInfo[it.node] >> 12
		if ops == 0 {
			continue
		}
		templates++
		url := example(it.labels)
		for i := ops - 1; ; i++ {
			op := callOps[i]
			method, scheme := methods[int(op&15)/3], Scheme(op&15%3+1)
			r, miss := Lookup(strings.ToLower(method), url, scheme)
			if miss == NotRequestable {
				assert.Zero(t, callRules[op>>5]>>3&63, url)
			} else if assert.Equal(t, Hit, miss, "%s %s %s", method, url, scheme) {
				assert.Equal(t, it.node, r.node, "%s %s", method, url)
				assert.Equal(t, op>>5, r.rule, "%s %s %s", method, url, scheme)
			}
			if op&(1<<4) != 0 {
				break
			}
		}
	}
	assert.Greater(t, templates, 7000)
}

func TestTemplatesReadAsPeopleWriteThem(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"https://graph.microsoft.com/v1.0/users/lee@contoso.com/memberOf?$top=5": "/users/{id}/memberof",
		"/beta/groups/0a1b/members/microsoft.graph.user":                         "/groups/{id}/members",
		"/reports/getOffice365ActiveUserDetail(period='D7')":                     "/reports/getoffice365activeuserdetail(period={period})",
		"/me/drive/root:/Folder/Book.xlsx:/workbook/tables":                      "/me/drive/root:/{path}:/workbook/tables",
		"https://graph.microsoft.com/v1.0/servicePrincipals(appId='00000003-0')": "/serviceprincipals(appid={appid})",
	}
	for url, want := range cases {
		r, miss := Lookup("GET", url, SchemeDelegatedWork)
		require.Equal(t, Hit, miss, url)
		assert.Equal(t, want, r.Template(), url)
	}
}

func TestMissesSayWhy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		method, url string
		scheme      Scheme
		want        Miss
	}{
		{"GET", "/no/such/resource", SchemeApplication, NoTemplate},
		{"GET", strings.Repeat("/users", 30), SchemeApplication, NotAPath},
		{"HEAD", "/users", SchemeApplication, NoMethod},
		{"POST", "/subscribedSkus", SchemeApplication, NoMethod},
		{"GET", "/me", SchemeApplication, NoScheme},
		{"GET", "/users", Scheme(9), NoScheme},
	}
	for _, c := range cases {
		_, miss := Lookup(c.method, c.url, c.scheme)
		assert.Equal(t, c.want, miss, "%s %s", c.method, c.url)
	}
}

func TestStatsComeFromTheMap(t *testing.T) {
	t.Parallel()
	read, _ := ByValue(Application, "User.Read.All")
	st, ok := Stats(SchemeApplication, read)
	require.True(t, ok)
	assert.Equal(t, 3, st.Level)
	assert.True(t, st.ReadOnly)
	dir, _ := ByValue(Application, "Directory.ReadWrite.All")
	dst, ok := Stats(SchemeApplication, dir)
	require.True(t, ok)
	assert.False(t, dst.ReadOnly)
	assert.Greater(t, dst.Breadth, st.Breadth)
	_, ok = Stats(SchemeDelegatedWork, read) // an app role is no delegated scope
	assert.False(t, ok)
}
