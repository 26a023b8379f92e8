package graphperm_test

import (
	"fmt"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// The same name is a different permission as an app role and as a scope.
func ExampleByValue() {
	role, _ := graphperm.ByValue(graphperm.Application, "User.Read.All")
	scope, _ := graphperm.ByValue(graphperm.Delegated, "User.Read.All")
	fmt.Println(role.Kind, role.ID)
	fmt.Println(scope.Kind, scope.ID, "admin consent:", scope.AdminConsent)
	// Output:
	// Application df021288-bdef-4463-88db-98f22de89214
	// Delegated a154be20-db9c-4678-8ab7-66f6cc099a59 admin consent: true
}
