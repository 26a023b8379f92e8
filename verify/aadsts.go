package verify

import "github.com/entrakit/entrakit/graphauth"

// errAADSTS is an AuthError carrying one code, for diagnoses the checks
// reach without a refusal from the platform.
func errAADSTS(n int) error { return &graphauth.AuthError{AADSTS: []int{n}} }
