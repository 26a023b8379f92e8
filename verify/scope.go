package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
)

// fromScope diagnoses scopes a sign-in or a user's token could not have:
// which scopes, why, and what to do. The platform's error, when it sent
// one, gives the AADSTS code and the trace and correlation IDs; a request
// refused before sending (scopes of two resources) has the code "Scope".
func fromScope(d *Diagnosis, se *graphauth.ScopeError) {
	var ae *graphauth.AuthError
	d.Code = "Scope"
	if errors.As(se, &ae) {
		fromAuth(d, ae)
		if len(ae.AADSTS) > 0 {
			d.Code, d.AADSTS = fmt.Sprintf("AADSTS%d", ae.AADSTS[0]), ae.AADSTS[0]
		}
	}
	d.Summary = fmt.Sprintf("The scopes %s could not be had (%s).", strings.Join(se.Scopes, " "), strings.ReplaceAll(string(se.Problem), "_", " "))
	d.Action = se.Action() + "."
	d.Retryable = false
	if se.Problem == graphauth.ScopeDeclined || se.Problem == graphauth.ScopeNotConsented || se.Problem == graphauth.ScopeNeedsAdmin {
		d.Missing = append([]string(nil), se.Scopes...)
	}
}
