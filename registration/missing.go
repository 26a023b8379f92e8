package registration

import (
	"context"
	"errors"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/aadsts"
)

// ErrNoMissingService means an error handed to CreateMissingServicePrincipal
// does not name a resource whose service principal the tenant lacks (it is
// not AADSTS650052 or 500011, or its message names only a resource URI the
// kit does not know the app ID of).
var ErrNoMissingService = errors.New("registration: the error names no missing service principal with an app ID")

// CreateMissingServicePrincipal fixes AADSTS650052 ("The app is trying to
// access a service '…'(…) that your organization '…' lacks a service
// principal for") and AADSTS500011 in the tenant the Client works in: it
// reads the missing resource's app ID from refusal (a consent.Error, a
// *graphauth.AuthError, or an error wrapping either) and creates its
// service principal there, as `az ad sp create --id {appId}` does. It
// returns the service principal, and whether it was created (false when
// it already existed). Run it with the tenant administrator's delegated
// token (Application.ReadWrite.All; the administrator holds Application
// Administrator, Cloud Application Administrator or Global
// Administrator), or an app-only one with Application.ReadWrite.All.
// After it, wait about five minutes for the new service principal to
// replicate before consenting again. It returns ErrNoMissingService for
// an error that names none, or a *GraphError.
func (c *Client) CreateMissingServicePrincipal(ctx context.Context, refusal error) (ServicePrincipal, bool, error) {
	var ae *graphauth.AuthError
	if !errors.As(refusal, &ae) {
		return ServicePrincipal{}, false, ErrNoMissingService
	}
	if entry, ok := aadsts.First(ae.AADSTS); !ok || !entry.Has(aadsts.MissingServiceSetup) {
		return ServicePrincipal{}, false, ErrNoMissingService
	}
	s, ok := aadsts.MissingService(ae.Description)
	if !ok || s.AppID == "" {
		return ServicePrincipal{}, false, ErrNoMissingService
	}
	sp, created, err := c.EnsureServicePrincipal(ctx, s.AppID)
	if err != nil {
		return sp, false, fmt.Errorf("registration: creating the service principal of %s (%s): %w", s.Name, s.AppID, err)
	}
	return sp, created, nil
}
