package consent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/graphauth"
)

// Confirmation is what a token in the consented tenant shows.
type Confirmation struct {
	TenantID string
	Roles    []string // the application permissions the token carries
	Missing  []string // required roles it does not carry (yet)
	Attempts int
}

// Confirmed reports whether every required role is in effect.
func (c Confirmation) Confirmed() bool { return len(c.Missing) == 0 }

// GrantError reports that a tenant the Handler proved has not granted the
// app its application permissions: the app-only token there lacks roles
// of HandlerOptions.Required or, when none are required, carries no role
// at all. Such a token shows that the app's service principal exists in
// the tenant, which any member's own consent to a delegated permission
// creates at sign-in, not that an administrator granted anything. The
// Handler records nothing for it.
type GrantError struct {
	TenantID string   // the tenant the sign-in proved
	Roles    []string // the application permissions the token carries
	Missing  []string // the required ones it lacks; nil when none are required
	Action   string   // what to tell the user
	// Err is the last token error when the app was still unknown in the
	// tenant (AADSTS700016); nil when a token came back without the roles.
	Err error
}

// grantAction is GrantError.Action.
const grantAction = "An administrator of the tenant must grant admin consent. If one just did, the grant can take a few minutes to reach tokens: try again."

// Error returns one line that names the missing permissions and what to
// do.
func (e *GrantError) Error() string {
	what := "any application permission"
	if len(e.Missing) > 0 {
		what = strings.Join(e.Missing, ", ")
	}
	return fmt.Sprintf("consent: tenant %s has not granted the app %s: an administrator must grant admin consent; "+
		"if one just did, the grant can take a few minutes to reach tokens, so try again", e.TenantID, what)
}

// Unwrap returns Err, so that errors.As finds the *graphauth.AuthError.
func (e *GrantError) Unwrap() error { return e.Err }

// Remedy returns Action, so that verify.Diagnose keeps it.
func (e *GrantError) Remedy() string { return e.Action }

// ConfirmOptions bound the confirmation. Zero values are the defaults.
type ConfirmOptions struct {
	// Timeout is how long to wait for the grant to take effect: the
	// platform answers without the new roles for a while after consent.
	// Zero means two minutes.
	Timeout time.Duration
	// FirstWait is the first pause between attempts, doubled each time up
	// to 15 seconds. Zero means one second.
	FirstWait time.Duration
	// Parallel bounds how many tenants Reverify checks at once. Zero
	// means 8.
	Parallel int
	// Now is the clock of the records Reverify writes (LastVerified); nil
	// means time.Now. The waits between attempts use the real clock.
	Now func() time.Time
}

// Confirm shows that the app's grant in tenantID is in effect: it gets a
// new app-only token there (which the credential must allow:
// Options.AllowedTenants) and compares its roles with required, retrying
// with backoff while roles are missing or the app is not yet known there
// (AADSTS700016), for a bounded time. It does not prove who consented: any
// tenant that ever consented passes, so a callback's tenant must be proven
// by a sign-in there first (see Handler). A Confirmation with Missing set is
// returned when time runs out; an error when no token could be had for
// another reason. Every attempt is a token request with the app's
// credential: keep Timeout short where a caller outside can trigger it.
//
// With no required roles, any token confirms, even one without roles: that
// proves only that the app's service principal exists in the tenant, which
// a member's own consent to a delegated permission creates. The Handler
// asks for at least one role then.
func Confirm(ctx context.Context, cred graphauth.TokenCredential, tenantID string, required []string, opts *ConfirmOptions) (Confirmation, error) {
	var o ConfirmOptions
	if opts != nil {
		o = *opts
	}
	return confirm(ctx, cred, tenantID, required, o, 0)
}

// confirmMode changes what confirm waits for.
type confirmMode uint8

const (
	// anyRole: a token without roles does not confirm either, and is
	// retried like one that lacks a required role.
	anyRole confirmMode = 1 << iota
	// settled: the tenant had confirmed before, so nothing is on its way:
	// AADSTS700016 (the app is not in the tenant: removed) or a token
	// without the roles (revoked) ends the confirmation at once.
	settled
)

// confirm is Confirm, in a mode.
func confirm(ctx context.Context, cred graphauth.TokenCredential, tenantID string, required []string, o ConfirmOptions, mode confirmMode) (Confirmation, error) {
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.FirstWait == 0 {
		o.FirstWait = time.Second
	}
	deadline := time.Now().Add(o.Timeout)
	wait := o.FirstWait
	c := Confirmation{TenantID: tenantID}
	for {
		c.Attempts++
		tok, err := cred.Token(ctx, graphauth.TokenRequest{TenantID: tenantID, Fresh: true})
		var ae *graphauth.AuthError
		switch {
		case err == nil:
			c.Roles = roles(tok.AccessToken)
			c.Missing = missing(required, c.Roles)
			if c.Confirmed() && (len(c.Roles) > 0 || mode&anyRole == 0) || mode&settled != 0 {
				return c, nil
			}
		case errors.As(err, &ae) && (ae.HasCode(700016) && mode&settled == 0 || ae.Retryable()):
			c.Missing = required // not there yet
		default:
			return c, err
		}
		if time.Now().Add(wait).After(deadline) {
			if err != nil {
				return c, fmt.Errorf("consent: the grant in %s did not take effect within %s: %w", tenantID, o.Timeout, err)
			}
			return c, nil
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 15*time.Second)
	}
}

func roles(token string) []string {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil
	}
	var out []string
	list, _ := claims["roles"].([]any)
	for _, r := range list {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func missing(required, have []string) []string {
	var out []string
	for _, r := range required {
		found := false
		for _, h := range have {
			if strings.EqualFold(r, h) {
				found = true
			}
		}
		if !found {
			out = append(out, r)
		}
	}
	return out
}
