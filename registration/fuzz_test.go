package registration_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/entrakit/entrakit/registration"
)

// FuzzLeastPrivilege sends any method and URL through the URL parser and
// templater: the answer is a permission of the scheme's kind that allows
// the call, whose template looks up to the same answer, or an
// *UnknownCallError on one line; never a panic.
func FuzzLeastPrivilege(f *testing.F) {
	for _, s := range []string{
		"https://graph.microsoft.com/v1.0/users?$select=id", "/v1.0/groups/0a1b/members/microsoft.graph.user/$count",
		"/reports/getOffice365ActiveUserDetail(period='D7')", "/me/drive/root:/a/b.xlsx:/workbook/tables",
		"/servicePrincipals(appId='x')/appRoleAssignedTo", "/f(a='(',b=''')", "/users/%zz%41/", "//", "",
		"/drives/d/items/01AB:/f.txt:/content", "/x(y=(z)", "https://h",
	} {
		f.Add("GET", s, uint8(1))
	}
	f.Add("post", "/v1.0/users/1/authentication/methods/2/resetPassword", uint8(2))
	f.Fuzz(func(t *testing.T, method, url string, s uint8) {
		scheme := registration.Scheme(s%4 + 1) // 4 is no scheme
		call, err := registration.LeastPrivilege(method, url, scheme)
		if err != nil {
			var ue *registration.UnknownCallError
			if !errors.As(err, &ue) {
				t.Fatalf("%T: %v", err, err)
			}
			if utf8.ValidString(url) && strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error on more than one line: %q", err.Error())
			}
			return
		}
		if call.Least.Value == "" || call.Least.Kind != scheme.Kind() || !call.AllowedBy(append([]string{call.Least.Value}, names(call.AlsoRequires)...)) {
			t.Fatalf("%s %q: Least %+v does not allow the call", method, url, call.Least)
		}
		again, err := registration.LeastPrivilege(call.Method, call.Template(), scheme)
		if err != nil || again.Least != call.Least {
			t.Fatalf("%s %q: template %q answers %v, %v", method, url, call.Template(), again.Least.Value, err)
		}
	})
}

func names(ps []registration.Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Value)
	}
	return out
}
