package registration_test

import (
	"testing"

	"github.com/entrakit/entrakit/registration"
)

// benchCalls are the seed products' calls, as clients send them; the
// first three are benchmarked one by one under these names.
var benchNames = []string{"users", "group-members", "report-function"}

var benchCalls = []registration.Call{
	{Method: "GET", URL: "https://graph.microsoft.com/v1.0/users?$select=displayName,userPrincipalName&$top=100"},
	{Method: "GET", URL: "https://graph.microsoft.com/v1.0/groups/0a1b2c3d-0000-4000-8000-000000000000/members?$top=999"},
	{Method: "GET", URL: "https://graph.microsoft.com/v1.0/reports/getOffice365ActiveUserDetail(period='D7')"},
	{Method: "POST", URL: "https://graph.microsoft.com/v1.0/users/lee@contoso.com/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword"},
	{Method: "GET", URL: "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"},
	{Method: "GET", URL: "/v1.0/me/drive/root:/Reports/Q3.xlsx:/workbook/worksheets/0a1b/range(address='A1:C9')"},
}

// BenchmarkLeastPrivilege looks up one call in the catalog of 7,263 path
// templates: cutting the URL, walking the tree, and reading the rule.
func BenchmarkLeastPrivilege(b *testing.B) {
	for i, name := range benchNames {
		c := benchCalls[i]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := registration.LeastPrivilege(c.Method, c.URL, registration.SchemeApplication); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("mix", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := benchCalls[i%len(benchCalls)]
			i++
			if _, err := registration.LeastPrivilege(c.Method, c.URL, registration.SchemeDelegatedWork); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := registration.LeastPrivilege("GET", "https://graph.microsoft.com/v1.0/no/such/call", registration.SchemeApplication); err == nil {
				b.Fatal("found")
			}
		}
	})
}
