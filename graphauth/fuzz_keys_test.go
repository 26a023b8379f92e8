package graphauth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/entrakit/entrakit/graphauth"
)

// FuzzTokenKeysThroughTheEngine asks a credential (AllowedTenants "*") for
// tokens of any two (tenant, scopes) pairs, outside input as a multi-tenant
// service gets it, each twice: never a panic, and every token served is
// the one fetched for the key asked (tenant and scopes equal but for ASCII
// case), never another key's, from the cache or from a shared request.
func FuzzTokenKeysThroughTheEngine(f *testing.F) {
	f.Add("contoso.onmicrosoft.com", "User.Read", "CONTOSO.onmicrosoft.com", "user.read")
	f.Add("72f988bf-86f1-41af-91ab-2d7cd011db47", "https://graph.microsoft.com/.default", "72F988BF-86F1-41AF-91AB-2D7CD011DB47", "")
	f.Add("a.example", "x y", "a.example", "x\x00y")
	f.Add("a@b.example", "s", "a`b.example", "s")
	f.Add(strings.Repeat("long.", 20)+"example", "s", strings.Repeat("LONG.", 20)+"example", "S")
	f.Add("", "", "11111111-1111-4111-8111-111111111111", "")
	f.Add("11111111-1111-4111-8111-111111111111\x00\x00v1", "https://graph.microsoft.com", "11111111-1111-4111-8111-111111111111", "\x00v1\x00https://graph.microsoft.com")
	f.Fuzz(func(t *testing.T, t1, s1, t2, s2 string) {
		// The source's token names the key it was fetched for.
		src := func(_ context.Context, tenant string, scopes []string, _ string) (string, int64, int64, error) {
			return keyOf(tenant, scopes), 3600, 0, nil
		}
		eng, err := graphauth.NewEngineForTest("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", src,
			&graphauth.Options{AllowedTenants: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		scopesOf := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "|")
		}
		for _, q := range [][2]string{{t1, s1}, {t2, s2}, {t1, s1}, {t2, s2}} {
			req := graphauth.TokenRequest{TenantID: q[0], Scopes: scopesOf(q[1])}
			tok, err := eng.Token(context.Background(), req)
			if err != nil {
				continue
			}
			tenant, scopes := req.TenantID, req.Scopes
			if tenant == "" {
				tenant = "11111111-1111-4111-8111-111111111111"
			}
			if scopes == nil {
				scopes = []string{"https://graph.microsoft.com/.default"}
			}
			if want := keyOf(tenant, scopes); tok.AccessToken != want {
				t.Fatalf("asked for %q, served the token of %q", want, tok.AccessToken)
			}
		}
	})
}

// keyOf spells a key one way whatever its ASCII case, with lengths, so that
// no two keys share a spelling.
func keyOf(tenant string, scopes []string) string {
	var b strings.Builder
	for _, s := range append([]string{tenant}, scopes...) {
		b.WriteString(strings.Map(func(r rune) rune {
			if 'A' <= r && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, s))
		b.WriteByte(0)
		b.WriteString(string(rune('0' + len(s)%40)))
	}
	return b.String()
}
