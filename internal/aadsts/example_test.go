package aadsts_test

import (
	"fmt"

	"github.com/entrakit/entrakit/internal/aadsts"
)

func ExampleLookup() {
	e, ok := aadsts.Lookup(700024)
	fmt.Println(ok, e.Has(aadsts.Retryable), e.Has(aadsts.Credential))
	// Output:
	// true false true
}

func ExampleMissingService() {
	s, _ := aadsts.MissingService("AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Skype and Teams Tenant Admin API) that your organization 'contoso' lacks a service principal for.")
	fmt.Println(s.Name)
	fmt.Println(aadsts.FixFor(s).CLI)
	// Output:
	// Skype and Teams Tenant Admin API
	// az ad sp create --id 48ac35b8-9aa8-4d74-927d-1f4a14a0b239
}

func ExampleFallback() {
	e := aadsts.Fallback("temporarily_unavailable", "", 400)
	fmt.Println(e.Has(aadsts.Retryable))
	// Output:
	// true
}
